"""PDF invoices: the gross → net/VAT split and what a reader finds in the rendered PDF."""

from __future__ import annotations

import functools
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from smsremind.money.invoice import InvoiceData, Party, format_amount, format_rate, render_pdf, split_gross

PL = InvoiceData(
    number="SMS/2026/0001",
    issued=date(2026, 3, 16),
    sale_date=date(2026, 3, 14),
    seller=Party(
        "Usługi SMS Gdańsk Sp. z o.o.", "ul. Świętojańska 5\n81-368 Gdynia", "5860001234", "faktury@sms.pl"
    ),
    buyer=Party(
        "Gabinet Stomatologiczny Uśmiech Sp. z o.o.",
        "ul. Żółkiewskiego 12, 00-001 Łódź",
        "7251234567",
        "rejestracja@usmiech.pl",
    ),
    item="Pakiet 500 SMS",
    quantity=1,
    gross=Decimal("129.00"),
    vat_rate=Decimal("23"),
    currency="PLN",
    paid_on=date(2026, 3, 14),
    transaction="300000001",
    language="pl",
)
CS = InvoiceData(
    number="SMS/2026/0002",
    issued=date(2026, 3, 16),
    sale_date=date(2026, 3, 16),
    seller=Party("Připomínky SMS s.r.o.", "Vodičkova 20\n110 00 Praha 1", "CZ27654321"),
    buyer=Party(
        "Zubní ordinace Úsměv s.r.o.", "Řehořova 5, 130 00 Praha 3", "CZ12345678", "ordinace@usmev.cz"
    ),
    item="Balíček 500 SMS",
    quantity=1,
    gross=Decimal("500.00"),
    vat_rate=Decimal("21"),
    currency="CZK",
    paid_on=date(2026, 3, 16),
    transaction="300000002",
    language="cs",
)


def page_text(pdf: bytes) -> str:
    """Text of page 1 with runs of whitespace (newlines, no-break spaces) made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


@pytest.mark.parametrize(
    ("gross", "rate", "net", "vat"),
    [
        ("129.00", "23", "104.88", "24.12"),
        ("29.00", "23", "23.58", "5.42"),
        ("239.00", "23", "194.31", "44.69"),
        ("500.00", "21", "413.22", "86.78"),
        ("0.01", "23", "0.01", "0.00"),
        ("100.00", "0", "100.00", "0.00"),
    ],
)
def test_split_gross_table(gross: str, rate: str, net: str, vat: str) -> None:
    assert split_gross(Decimal(gross), Decimal(rate)) == (Decimal(net), Decimal(vat))


@given(
    cents=st.integers(1, 10_000_000),
    rate=st.sampled_from([Decimal(r) for r in (0, 5, 8, 12, 21, 23)]),
)
def test_split_gross_adds_up(cents: int, rate: Decimal) -> None:
    gross = Decimal(cents) / 100
    net, vat = split_gross(gross, rate)
    assert net + vat == gross
    assert net == net.quantize(Decimal("0.01")) and vat == vat.quantize(Decimal("0.01"))
    assert 0 <= vat <= gross
    # net is the nearest cent to the exact gross / (1 + rate)
    assert abs(net * (1 + rate / 100) - gross) <= Decimal("0.005") * (1 + rate / 100)


@pytest.mark.parametrize(("gross", "rate"), [("-1.00", "23"), ("10.00", "-5"), ("NaN", "23")])
def test_split_gross_rejects_nonsense(gross: str, rate: str) -> None:
    with pytest.raises(ValueError):
        split_gross(Decimal(gross), Decimal(rate))


def test_number_formats() -> None:
    assert format_amount(Decimal("129"), "PLN", "pl") == "129,00 PLN"
    assert format_amount(Decimal("1290.5"), "CZK", "cs") == "1\u00a0290,50 CZK"
    assert format_amount(Decimal("1290.5"), "PLN", "en") == "1,290.50 PLN"
    assert format_rate(Decimal("23"), "pl") == "23%"
    assert format_rate(Decimal("5.5"), "cs") == "5,5%"
    assert format_rate(Decimal("5.50"), "en") == "5.5%"


def test_polish_invoice_text() -> None:
    text = page_text(render_pdf(PL))
    for expected in (
        "Faktura VAT nr SMS/2026/0001",
        "Data wystawienia: 16.03.2026",
        "Data sprzedaży: 14.03.2026",
        "Sprzedawca",
        "Usługi SMS Gdańsk Sp. z o.o.",
        "ul. Świętojańska 5",
        "NIP: 5860001234",
        "Nabywca",
        "Gabinet Stomatologiczny Uśmiech Sp. z o.o.",
        "ul. Żółkiewskiego 12, 00-001 Łódź",
        "NIP: 7251234567",
        "rejestracja@usmiech.pl",
        "Nazwa J.m. Ilość Cena jedn. netto Wartość netto Stawka VAT VAT Brutto",
        "Pakiet 500 SMS szt. 1 104,88 PLN 104,88 PLN 23% 24,12 PLN 129,00 PLN",
        "Razem 104,88 PLN 24,12 PLN 129,00 PLN",
        "Słownie: sto dwadzieścia dziewięć złotych 00/100",
        "Zapłacono: 129,00 PLN, 14.03.2026, Przelewy24, nr transakcji 300000001",
    ):
        assert expected in text, expected


def test_czech_invoice_text() -> None:
    text = page_text(render_pdf(CS))
    for expected in (
        "Faktura – daňový doklad č. SMS/2026/0002",
        "Datum vystavení: 16.03.2026",
        "Datum uskutečnění zdanitelného plnění: 16.03.2026",
        "Dodavatel",
        "Připomínky SMS s.r.o.",
        "DIČ: CZ27654321",
        "Odběratel",
        "Zubní ordinace Úsměv s.r.o.",
        "Řehořova 5, 130 00 Praha 3",
        "DIČ: CZ12345678",
        "ordinace@usmev.cz",
        "Položka MJ Množství Cena za MJ bez DPH Základ Sazba DPH DPH Celkem s DPH",
        "Balíček 500 SMS ks 1 413,22 CZK 413,22 CZK 21% 86,78 CZK 500,00 CZK",
        "Celkem 413,22 CZK 86,78 CZK 500,00 CZK",
        "Slovy: pětset korun 00/100",
        "Zaplaceno: 500,00 CZK, 16.03.2026, Przelewy24, číslo transakce 300000002",
    ):
        assert expected in text, expected


def test_english_invoice_uses_decimal_point() -> None:
    data = replace(PL, item="500 SMS pack", gross=Decimal("1290.00"), language="en")
    text = page_text(render_pdf(data))
    for expected in (
        "VAT invoice no. SMS/2026/0001",
        "Date of issue: 2026-03-16",
        "Seller",
        "Buyer",
        "Tax ID: 7251234567",
        "Item Unit Quantity Unit net price Net VAT rate VAT Gross",
        "500 SMS pack pcs 1 1,048.78 PLN 1,048.78 PLN 23% 241.22 PLN 1,290.00 PLN",
        "Paid: 1,290.00 PLN, 2026-03-14, Przelewy24, transaction no. 300000001",
    ):
        assert expected in text, expected


def test_pdf_is_one_a4_page_with_embedded_dejavu() -> None:
    pdf = render_pdf(PL)
    assert pdf.startswith(b"%PDF-")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    page_resources: Any = page["/Resources"]
    fonts = {str(font.get_object()["/BaseFont"]) for font in page_resources["/Font"].values()}
    assert fonts and all("DejaVuSans" in name for name in fonts), fonts


def test_rendering_is_deterministic() -> None:
    assert render_pdf(CS) == render_pdf(CS)


def test_long_texts_still_fit_one_page() -> None:
    long = replace(
        PL,
        buyer=replace(
            PL.buyer, name="Niepubliczny Zakład Opieki Zdrowotnej " * 3, address="ul. Długa 1\n" * 4
        ),
        item="Pakiet 10 000 SMS z priorytetową wysyłką i raportami doręczeń",
        gross=Decimal("999999.99"),
    )
    text = page_text(render_pdf(long))
    assert "999 999,99 PLN" in text
    assert "nr transakcji 300000001" in text


@pytest.mark.parametrize("change", [{"language": "de"}, {"quantity": 0}])
def test_render_rejects_bad_data(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        render_pdf(replace(PL, **change))  # type: ignore[arg-type]


def test_fonts_and_license_ship_with_the_package() -> None:
    fonts = resources.files("smsremind") / "fonts"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert (fonts / name).read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType outlines
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")


ART_106E = {  # art. 106e ust. 1 ustawy o VAT, point -> what the Polish invoice PL must show for it
    "1 data wystawienia": "Data wystawienia: 16.03.2026",
    "2 kolejny numer": "Faktura VAT nr SMS/2026/0001",
    "3 nazwa i adres sprzedawcy": "Usługi SMS Gdańsk Sp. z o.o. ul. Świętojańska 5 81-368 Gdynia",
    "3 nazwa i adres nabywcy": "Gabinet Stomatologiczny Uśmiech Sp. z o.o. ul. Żółkiewskiego 12, 00-001 Łódź",
    "4 NIP sprzedawcy": "NIP: 5860001234",
    "5 NIP nabywcy": "NIP: 7251234567",
    "6 data sprzedaży": "Data sprzedaży: 14.03.2026",
    "7 nazwa usługi": "Pakiet 500 SMS",
    "8 miara i ilość": "Pakiet 500 SMS szt. 1",
    "9 cena jednostkowa netto": "Cena jedn. netto",
    "11 wartość netto": "szt. 1 104,88 PLN 104,88 PLN",
    "12 stawka": "23%",
    "13 suma netto wg stawki": "Razem 104,88 PLN",
    "14 kwota podatku": "Razem 104,88 PLN 24,12 PLN",
    "15 należność ogółem": "Razem 104,88 PLN 24,12 PLN 129,00 PLN",
    "słownie (zwyczajowo)": "Słownie: sto dwadzieścia dziewięć złotych 00/100",
    "zapłata": "Zapłacono: 129,00 PLN, 14.03.2026, Przelewy24, nr transakcji 300000001",
}


@functools.cache
def polish_text() -> str:
    return page_text(render_pdf(PL))


@pytest.mark.parametrize("expected", ART_106E.values(), ids=ART_106E.keys())
def test_every_element_of_art_106e_is_on_the_rendered_pdf(expected: str) -> None:
    # pkt 10 (discounts) does not apply: a pack has one price and no discount
    assert expected in polish_text()
