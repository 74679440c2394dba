"""PDF invoices for SMS packs bought through Przelewy24.

Design:
* Pure: :func:`render_pdf` turns an :class:`InvoiceData` into the bytes of a one-page A4 PDF and
  touches nothing else; numbering, storage and e-mailing belong to the caller.
* Fonts: the PDF core fonts are Latin-1 only, so Polish and Czech letters need an embedded Unicode
  font.  DejaVu Sans (regular and bold, Bitstream Vera licence in ``fonts/LICENSE-DejaVu.txt``) is
  vendored in ``smsremind/fonts`` and found with :mod:`importlib.resources`, so it works from a wheel,
  an editable install or a zip.  fpdf2 embeds only the glyphs used, with a ToUnicode map, which keeps
  the file small and its text extractable (and so testable).
* Money is :class:`~decimal.Decimal` throughout.  The payment is gross; :func:`split_gross` derives net
  and VAT so that ``net + vat == gross`` exactly, the way a single-line invoice must add up.
* Language (``pl`` / ``cs`` / ``en``) picks the labels, date format and decimal separator
  ("1 290,00 PLN" vs "1,290.00 PLN"); the pl/cs thousands separator is a no-break space, so a
  number never wraps mid-way.
* Output is deterministic: the PDF's creation date is the issue date, so the same data always gives
  the same bytes.
* Layout is plain fpdf2 cells: title, dates, seller/buyer side by side, a bordered item table with a
  totals row, the amount in words and the payment line.  No images.
* Polish VAT (art. 106e ust. 1 ustawy o VAT): issue date (pkt 1), number in a series (2), names and
  addresses (3), both NIPs (4, 5), date of sale (6), item name (7), unit of measure and quantity (8),
  unit net price (9), net value (11), rate (12), net sum per rate (13), VAT per rate (14), total (15).
  Pkt 10 (discounts) never applies: a pack has one price.  The amount in words is customary, not
  required; it comes from num2words, which is maintained and declines Polish and Czech currency words.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import TYPE_CHECKING

from smsremind.i18n import _

if TYPE_CHECKING:
    from fpdf import FPDF

# fpdf2 is imported where a PDF is made, not here: loading it (with fontTools and Pillow)
# takes ~0.3 s, which every cron invocation of every command would otherwise pay.

CENT = Decimal("0.01")
NBSP = "\u00a0"
_FONT = "DejaVuSans"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_MARGIN = 15.0
# item, unit, quantity, unit net price, net value, rate, VAT, gross: 180 mm
_COLS = (33.0, 10.0, 19.0, 24.0, 24.0, 16.0, 24.0, 30.0)
_ALIGN = ("L", "C", "R", "R", "R", "R", "R", "R")

LABELS: dict[str, dict[str, str]] = {
    "pl": {
        "title": "Faktura VAT nr", "issued": "Data wystawienia", "sale_date": "Data sprzedaży",
        "seller": "Sprzedawca", "buyer": "Nabywca", "tax_id": "NIP", "email": "E-mail",
        "item": "Nazwa", "unit": "J.m.", "qty": "Ilość", "unit_net": "Cena jedn. netto",
        "net": "Wartość netto", "rate": "Stawka VAT", "vat": "VAT", "gross": "Brutto", "total": "Razem",
        "in_words": "Słownie", "paid": "Zapłacono", "transaction": "nr transakcji", "pcs": "szt.",
    },
    "cs": {
        "title": "Faktura – daňový doklad č.", "issued": "Datum vystavení",
        "sale_date": "Datum uskutečnění zdanitelného plnění", "seller": "Dodavatel", "buyer": "Odběratel",
        "tax_id": "DIČ", "email": "E-mail", "item": "Položka", "unit": "MJ", "qty": "Množství",
        "unit_net": "Cena za MJ bez DPH", "net": "Základ", "rate": "Sazba DPH", "vat": "DPH",
        "gross": "Celkem s DPH", "total": "Celkem", "in_words": "Slovy", "paid": "Zaplaceno",
        "transaction": "číslo transakce", "pcs": "ks",
    },
    "en": {
        "title": "VAT invoice no.", "issued": "Date of issue", "sale_date": "Date of sale",
        "seller": "Seller", "buyer": "Buyer", "tax_id": "Tax ID", "email": "E-mail", "item": "Item",
        "unit": "Unit", "qty": "Quantity", "unit_net": "Unit net price", "net": "Net", "rate": "VAT rate",
        "vat": "VAT", "gross": "Gross", "total": "Total", "in_words": "In words", "paid": "Paid",
        "transaction": "transaction no.", "pcs": "pcs",
    },
}  # fmt: skip


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""  # may contain newlines
    tax_id: str = ""  # NIP (PL) / IČO-DIČ (CZ)
    email: str = ""


@dataclass(frozen=True)
class InvoiceData:
    number: str  # e.g. "SMS/2026/0001"
    issued: date
    sale_date: date
    seller: Party
    buyer: Party
    item: str  # e.g. "Pakiet 500 SMS" / "Balíček 500 SMS" / "500 SMS pack"
    quantity: int
    gross: Decimal  # total paid, e.g. Decimal("129.00")
    vat_rate: Decimal  # percent, e.g. Decimal("23")
    currency: str  # "PLN" or "CZK"
    paid_on: date  # when the payment was received
    transaction: str  # the Przelewy24 order id, e.g. "300000001"
    language: str = "pl"  # "pl" | "cs" | "en": labels and number formatting


def split_gross(gross: Decimal, vat_rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, vat) for a gross amount: net = gross / (1 + rate/100) rounded to 0.01 half-up, vat = gross - net.

    VAT is the remainder rather than rounded on its own, so ``net + vat == gross`` always holds.
    """
    if not (gross.is_finite() and vat_rate.is_finite()) or gross < 0 or vat_rate < 0:
        text = _("gross and VAT rate must be finite and non-negative: {gross}, {rate}")
        raise ValueError(text.format(gross=gross, rate=vat_rate))
    net = (gross / (1 + vat_rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return net, gross - net


def format_amount(amount: Decimal, currency: str, language: str) -> str:
    """Two decimals and the currency: "1 290,00 PLN" for pl/cs, "1,290.00 PLN" for en.

    The pl/cs thousands separator is a no-break space, so a wrapped cell never splits the number.
    """
    text = f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
    if language != "en":
        text = text.replace(",", NBSP).replace(".", ",")
    return f"{text} {currency}"


def format_rate(rate: Decimal, language: str) -> str:
    """A VAT rate as "23%" ("5,5%" for pl/cs, "5.5%" for en)."""
    text = format(rate.normalize(), "f")
    return (text if language == "en" else text.replace(".", ",")) + "%"


def _format_date(day: date, language: str) -> str:
    return day.isoformat() if language == "en" else day.strftime("%d.%m.%Y")


def in_words(amount: Decimal, currency: str, language: str) -> str:
    """The amount in words the customary way: "sto dwadzieścia dziewięć złotych 00/100".

    num2words declines the currency word ("złote", "złotych"); the minor units stay as digits.
    """
    from num2words import num2words

    exact = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    whole = int(exact)
    cents = int((exact - whole) * 100)
    try:  # a Decimal, not an int: num2words reads an int as minor units
        words = num2words(Decimal(whole), lang=language, to="currency", currency=currency)
        words = words.rsplit(",", 1)[0]  # "…złotych, zero groszy": the minor part goes as digits
    except NotImplementedError:  # a currency num2words has no words for in this language
        words = f"{num2words(whole, lang=language)} {currency}"
    return f"{words} {cents:02d}/100"


def payment_line(data: InvoiceData) -> str:
    """E.g. "Zapłacono: 29,00 PLN, 04.12.2026, Przelewy24, nr transakcji 300000001"."""
    labels = LABELS[data.language]
    paid = format_amount(data.gross, data.currency, data.language)
    day = _format_date(data.paid_on, data.language)
    return f"{labels['paid']}: {paid}, {day}, Przelewy24, {labels['transaction']} {data.transaction}"


def render_pdf(data: InvoiceData) -> bytes:
    """A one-page A4 PDF invoice."""
    if data.language not in LABELS:
        text = _("unsupported invoice language {language} (use one of {languages})")
        raise ValueError(text.format(language=repr(data.language), languages=sorted(LABELS)))
    if data.quantity < 1:
        raise ValueError(_("quantity must be positive, got {n}").format(n=data.quantity))
    from fpdf import FPDF
    from fpdf.enums import XPos

    labels = LABELS[data.language]
    with ExitStack() as stack:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        for style, filename in _FONT_FILES.items():
            path = stack.enter_context(resources.as_file(resources.files("smsremind") / "fonts" / filename))
            pdf.add_font(_FONT, style, str(path))
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_title(f"{labels['title']} {data.number}")
        pdf.set_author(data.seller.name)
        pdf.set_creator("smsremind")
        pdf.set_creation_date(datetime.combine(data.issued, datetime.min.time(), tzinfo=UTC))
        pdf.add_page()
        _header(pdf, data, labels)
        _parties(pdf, data, labels)
        _items(pdf, data, labels)
        pdf.set_font(_FONT, "", 10)
        words = in_words(data.gross, data.currency, data.language)
        pdf.multi_cell(0, 5, f"{labels['in_words']}: {words}", align="L", new_x=XPos.LMARGIN)
        pdf.ln(2)
        pdf.multi_cell(0, 5, payment_line(data), align="L", new_x=XPos.LMARGIN)
        return bytes(pdf.output())


def _header(pdf: FPDF, data: InvoiceData, labels: dict[str, str]) -> None:
    from fpdf.enums import XPos, YPos

    pdf.set_font(_FONT, "B", 16)
    pdf.multi_cell(0, 8, f"{labels['title']} {data.number}", align="L", new_x=XPos.LMARGIN)
    pdf.ln(2)
    pdf.set_font(_FONT, "", 10)
    for key, day in (("issued", data.issued), ("sale_date", data.sale_date)):
        line = f"{labels[key]}: {_format_date(day, data.language)}"
        pdf.cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _parties(pdf: FPDF, data: InvoiceData, labels: dict[str, str]) -> None:
    """Seller on the left, buyer on the right; continue below the taller of the two."""
    from fpdf.enums import XPos, YPos

    width = (pdf.epw - 6) / 2
    top = pdf.get_y()
    bottoms = []
    for column, (key, party) in enumerate((("seller", data.seller), ("buyer", data.buyer))):
        x = pdf.l_margin + column * (width + 6)
        lines = [party.name, *filter(None, (s.strip() for s in party.address.splitlines()))]
        lines += [f"{labels['tax_id']}: {party.tax_id}"] if party.tax_id else []
        lines += [f"{labels['email']}: {party.email}"] if party.email else []
        pdf.set_xy(x, top)
        pdf.set_font(_FONT, "B", 11)
        pdf.cell(width, 6, labels[key], new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(_FONT, "", 10)
        pdf.multi_cell(width, 5, "\n".join(lines), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottoms.append(pdf.get_y())
    pdf.set_xy(pdf.l_margin, max(bottoms) + 8)


def _items(pdf: FPDF, data: InvoiceData, labels: dict[str, str]) -> None:
    """The item table: a heading row, the one item row and a bold totals row."""
    net, vat = split_gross(data.gross, data.vat_rate)
    lang, cur = data.language, data.currency
    amounts = [format_amount(a, cur, lang) for a in (net, vat, data.gross)]
    unit_net = format_amount(unit_net_price(data), cur, lang)
    keys = ("item", "unit", "qty", "unit_net", "net", "rate", "vat", "gross")
    _row(pdf, [labels[k] for k in keys], bold=True)
    rate = format_rate(data.vat_rate, lang)
    qty = str(data.quantity)
    _row(pdf, [data.item, labels["pcs"], qty, unit_net, amounts[0], rate, amounts[1], amounts[2]], bold=False)
    _row(pdf, [labels["total"], "", "", "", amounts[0], "", amounts[1], amounts[2]], bold=True)
    pdf.ln(6)


def unit_net_price(data: InvoiceData) -> Decimal:
    """Net price of one unit (art. 106e ust. 1 pkt 9): the net value over the quantity."""
    net, _vat = split_gross(data.gross, data.vat_rate)
    return (net / data.quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def _row(pdf: FPDF, texts: list[str], *, bold: bool) -> None:
    """One table row of bordered cells, all as tall as the cell that wraps to the most lines.

    Text goes first and the frames after, once the row's height is known; this needs no
    measuring API, so it works the same across fpdf2 2.7 and later.
    """
    from fpdf.enums import XPos, YPos

    pdf.set_font(_FONT, "B" if bold else "", 9)
    top, x, bottom = pdf.get_y(), pdf.l_margin, pdf.get_y()
    for width, text, align in zip(_COLS, texts, _ALIGN, strict=True):
        pdf.set_xy(x, top + 0.5)
        pdf.multi_cell(width, 5, text, align=align, new_x=XPos.RIGHT, new_y=YPos.NEXT)
        bottom = max(bottom, pdf.get_y() + 0.5)
        x += width
    x = pdf.l_margin
    for width in _COLS:
        pdf.rect(x, top, width, bottom - top)
        x += width
    pdf.set_xy(pdf.l_margin, bottom)
