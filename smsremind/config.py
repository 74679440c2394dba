"""TOML config -> frozen dataclasses, validated loudly (SPEC §9).

Every section is a frozen dataclass whose fields carry a checker in their
metadata; the loader walks the fields, so a key exists in exactly one place.
Unknown keys are errors with a did-you-mean suggestion, values are checked
and every message names the file and the key.  Secrets may come from the
environment variable named in the field metadata when the file leaves them
empty.  Relative paths are resolved against the config file's folder
(``database``) or beside the database (``outbox``, ``maildir``), as SPEC §9
says.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from smsremind.clock import zone
from smsremind.errors import ConfigError

CONFIG_ENV = "SMSREMIND_CONFIG"
DEFAULT_CONFIG = "smsremind.toml"
LANGUAGES = ("pl", "cs", "en")


# --- value checkers: raw TOML value -> typed value, ValueError with the problem


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("must be a string in quotes")
    return v


def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}")
        return v

    return check


def _number(lo: float, hi: float) -> Callable[[Any], float]:
    def check(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
            raise ValueError(f"must be a number from {lo:g} to {hi:g}")
        return float(v)

    return check


def _choice(*options: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError("must be one of " + ", ".join(f'"{o}"' for o in options))
        return str(v)

    return check


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _hhmm(v: Any) -> time:
    m = _HHMM.match(v) if isinstance(v, str) else None
    if not m:
        raise ValueError('must be a clock time "HH:MM" from "00:00" to "23:59"')
    return time(int(m[1]), int(m[2]))


def _window(v: Any) -> tuple[time, time]:
    if not isinstance(v, list) or len(v) != 2:
        raise ValueError('must be two clock times, e.g. ["09:00", "20:00"]')
    start, end = _hhmm(v[0]), _hhmm(v[1])
    if start >= end:
        raise ValueError("the window must start before it ends")
    return start, end


def _zone(v: Any) -> ZoneInfo:
    return zone(_str(v))


def _country(v: Any) -> str:
    code = _str(v).upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError('must be a two-letter country code such as "PL" or "CZ"')
    return code


def _holidays(v: Any) -> str:
    code = _str(v).upper()
    if code:
        import holidays

        if code not in holidays.list_supported_countries():
            raise ValueError('must be "" or a country code such as "PL" or "CZ"')
    return code


def _alerts(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v
    ):
        raise ValueError("must be a list of whole numbers >= 0, e.g. [50, 30, 0]")
    return tuple(sorted(set(v), reverse=True))


def _columns(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
        raise ValueError('must map our column names to yours, e.g. start = "Termin"')
    from smsremind.importer import COLUMNS

    for key in v:
        if key not in COLUMNS:
            raise ValueError(f"unknown column {key!r}{_suggest(key, COLUMNS)}")
    return dict(v)


def _key(check: Callable[[Any], Any], env: str | None = None, path: str | None = None) -> dict:
    return {"check": check, "env": env, "path": path}


def _opt(default: Any, check: Callable[[Any], Any], **kw: Any) -> Any:
    return field(default=default, metadata=_key(check, **kw))


# --- sections


@dataclass(frozen=True)
class Reminders:
    mode: str = _opt("before", _choice("before", "fixed"))
    hours_before: int = _opt(24, _int(24, 168))
    days_before: int = _opt(1, _int(1, 7))
    at: time = _opt(time(9, 0), _hhmm)
    window: tuple[time, time] = _opt((time(9, 0), time(20, 0)), _window)
    skip_weekends: bool = _opt(True, _bool)
    holidays: str = _opt("", _holidays)


@dataclass(frozen=True)
class Notify:
    confirmation: bool = _opt(False, _bool)
    reschedule: bool = _opt(False, _bool)
    cancellation: bool = _opt(False, _bool)


@dataclass(frozen=True)
class Gateway:
    provider: str = _opt("outbox", _choice("outbox", "smsapi", "smsbrana", "twilio"))
    outbox: Path = _opt(Path("outbox.jsonl"), _str, path="db")
    sender: str = _opt("Gabinet", _str)
    token: str = _opt("", _str, env="SMSREMIND_SMSAPI_TOKEN")
    login: str = _opt("", _str)
    password: str = _opt("", _str, env="SMSREMIND_SMSBRANA_PASSWORD")
    account_sid: str = _opt("", _str)
    auth_token: str = _opt("", _str, env="SMSREMIND_TWILIO_AUTH_TOKEN")
    messaging_service_sid: str = _opt("", _str)
    smsapi_domain: str = _opt("pl", _choice("pl", "com"))
    sender_id: bool = _opt(False, _bool)
    base_url: str = _opt("", _str)
    timeout: float = _opt(10.0, _number(0.1, 300))
    workers: int = _opt(4, _int(1, 64))
    rate: float = _opt(20.0, _number(0.1, 10000))


@dataclass(frozen=True)
class Quota:
    monthly: int = _opt(300, _int(0, 10_000_000))
    alerts: tuple[int, ...] = _opt((50, 30, 0), _alerts)


@dataclass(frozen=True)
class Email:
    admin: str = _opt("admin@example.com", _str)
    maildir: Path = _opt(Path("mail"), _str, path="db")
    host: str = _opt("", _str)
    port: int = _opt(587, _int(1, 65535))
    user: str = _opt("", _str)
    password: str = _opt("", _str, env="SMSREMIND_SMTP_PASSWORD")
    security: str = _opt("starttls", _choice("starttls", "tls", "none"))
    from_: str = field(default="smsremind@localhost", metadata={**_key(_str), "name": "from"})
    timeout: float = _opt(30.0, _number(1, 300))


def _decimal(v: Any) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise ValueError('must be a decimal number in quotes, e.g. "129.00"')
    try:
        value = Decimal(str(v))
    except InvalidOperation:
        raise ValueError('must be a decimal number in quotes, e.g. "129.00"') from None
    if not value.is_finite() or value < 0:
        raise ValueError("must be a number >= 0")
    return value


def _packs(v: Any) -> dict[int, Decimal]:
    if not isinstance(v, dict) or not v:
        raise ValueError('must map pack sizes to prices, e.g. "100" = "29.00"')
    packs = {}
    for size, price in v.items():
        if size not in ("100", "500", "1000"):
            raise ValueError(f"unknown pack {size!r}; packs are 100, 500 and 1000")
        packs[int(size)] = _decimal(price)
    return dict(sorted(packs.items()))


DEFAULT_PACKS = {100: Decimal("29.00"), 500: Decimal("129.00"), 1000: Decimal("239.00")}


@dataclass(frozen=True)
class Party:
    """Seller or buyer on the invoice: ``[payments.seller]`` / ``[payments.buyer]``."""

    name: str = _opt("", _str)
    address: str = _opt("", _str)
    tax_id: str = _opt("", _str)
    email: str = _opt("", _str)


@dataclass(frozen=True)
class Payments:
    sandbox: bool = _opt(True, _bool)
    merchant_id: int = _opt(0, _int(0, 10**12))
    pos_id: int = _opt(0, _int(0, 10**12))
    api_key: str = _opt("", _str, env="SMSREMIND_P24_API_KEY")
    crc: str = _opt("", _str, env="SMSREMIND_P24_CRC")
    currency: str = _opt("PLN", _choice("PLN", "CZK"))
    pending_hours: int = _opt(24, _int(1, 24 * 30))
    vat_rate: Decimal = _opt(Decimal("23"), _decimal)
    return_url: str = _opt("https://www.przelewy24.pl", _str)
    base_url: str = _opt("", _str)
    packs: dict[int, Decimal] = field(default_factory=lambda: dict(DEFAULT_PACKS), metadata=_key(_packs))
    seller: Party = field(default_factory=Party, metadata={"section": Party})
    buyer: Party = field(default_factory=Party, metadata={"section": Party})

    @property
    def host(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return "https://sandbox.przelewy24.pl" if self.sandbox else "https://secure.przelewy24.pl"


@dataclass(frozen=True)
class Import:
    columns: dict[str, str] = field(default_factory=dict, metadata=_key(_columns))


@dataclass(frozen=True)
class Practice:
    """Per-practice details: ``[practices."Gabinet Uśmiech"]``."""

    phone: str = _opt("", _str)
    sender: str = _opt("", _str)


SECRET_FIELDS = ("token", "password", "auth_token", "api_key", "crc")


@dataclass(frozen=True)
class Config:
    path: Path = field(default=Path(DEFAULT_CONFIG), metadata={})
    database: Path = _opt(Path("smsremind.db"), _str, path="config")
    timezone: ZoneInfo = _opt(ZoneInfo("Europe/Warsaw"), _zone)
    country: str = _opt("PL", _country)
    language: str = _opt("pl", _choice(*LANGUAGES))
    enabled: bool = _opt(False, _bool)
    transliterate: bool = _opt(False, _bool)
    practice: str = _opt("", _str)
    reminders: Reminders = field(default_factory=Reminders, metadata={"section": Reminders})
    notify: Notify = field(default_factory=Notify, metadata={"section": Notify})
    gateway: Gateway = field(default_factory=Gateway, metadata={"section": Gateway})
    quota: Quota = field(default_factory=Quota, metadata={"section": Quota})
    email: Email = field(default_factory=Email, metadata={"section": Email})
    payments: Payments = field(default_factory=Payments, metadata={"section": Payments})
    import_: Import = field(default_factory=Import, metadata={"section": Import, "name": "import"})
    practices: dict[str, Practice] = field(default_factory=dict, metadata={"practices": True})

    @property
    def folder(self) -> Path:
        return self.database.parent

    def practice_info(self, name: str) -> Practice:
        return self.practices.get(name, Practice())

    def sender_for(self, practice: str) -> str:
        return self.practice_info(practice).sender or self.gateway.sender


# --- loading


def _suggest(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _name(f: Any) -> str:
    return f.metadata.get("name", f.name)


class _Loader:
    def __init__(self, path: Path):
        self.path = path
        self.base = path.parent

    def fail(self, where: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {problem}")

    def section(self, cls: type, data: Any, where: str, db_dir: Path | None) -> Any:
        if not isinstance(data, dict):
            raise self.fail(where or "top level", "must be a table")
        known = {_name(f): f for f in fields(cls) if f.name != "path"}
        for key in data:
            if key not in known:
                label = f"[{where}] {key}" if where else key
                raise self.fail(label, f"unknown key{_suggest(key, known)}")
        values: dict[str, Any] = {}
        for key, f in known.items():
            label = f"[{where}] {key}" if where else key
            if "section" in f.metadata:
                values[f.name] = self.section(f.metadata["section"], data.get(key, {}), key, db_dir)
            elif "practices" in f.metadata:
                values[f.name] = self.practices(data.get(key, {}), db_dir)
            elif key in data:
                values[f.name] = self.value(f, data[key], label, db_dir)
            elif f.metadata.get("env") and os.environ.get(f.metadata["env"]):
                values[f.name] = os.environ[f.metadata["env"]]
            elif f.metadata.get("path"):
                values[f.name] = self.resolve(str(f.default), f.metadata["path"], db_dir)
        return cls(**values)

    def resolve(self, value: str | Path, where: str, db_dir: Path | None) -> Path:
        p = Path(value).expanduser()
        base = self.base if where == "config" or db_dir is None else db_dir
        return p if p.is_absolute() else (base / p).resolve()

    def value(self, f: Any, raw: Any, label: str, db_dir: Path | None) -> Any:
        try:
            value = f.metadata["check"](raw)
        except ValueError as exc:
            shown = "***" if f.name in SECRET_FIELDS else _show(raw)  # never print a secret
            raise self.fail(f"{label} = {shown}", str(exc)) from None
        if value == "" and f.metadata.get("env") and os.environ.get(f.metadata["env"]):
            return os.environ[f.metadata["env"]]
        if f.metadata.get("path"):
            return self.resolve(value, f.metadata["path"], db_dir)
        return value

    def practices(self, data: Any, db_dir: Path | None) -> dict[str, Practice]:
        if not isinstance(data, dict):
            raise self.fail("practices", 'must be tables like [practices."Gabinet Uśmiech"]')
        return {name: self.section(Practice, d, f"practices.{name}", db_dir) for name, d in data.items()}


def _show(raw: Any) -> str:
    if isinstance(raw, str):
        return f'"{raw}"'
    if isinstance(raw, bool):
        return str(raw).lower()
    return str(raw)


def locate(explicit: str | os.PathLike[str] | None) -> Path:
    """--config > $SMSREMIND_CONFIG > ./smsremind.toml."""
    chosen = explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG
    return Path(chosen).expanduser().absolute()


def parse(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    loader = _Loader(path)
    database = data.get("database", "smsremind.db")
    if not isinstance(database, str):
        raise loader.fail(f"database = {_show(database)}", "must be a string in quotes")
    db_path = Path(database).expanduser()
    db_dir = (db_path if db_path.is_absolute() else (path.parent / db_path)).resolve().parent
    return replace(loader.section(Config, data, "", db_dir), path=path)


def load(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = locate(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"no config file at {path} (run `smsremind init`, or pass --config / set {CONFIG_ENV})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse(text, path)


def has_secrets(cfg: Config) -> bool:
    """True when the file itself holds a secret (env-provided ones don't count)."""
    try:
        data = tomllib.loads(cfg.path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    sections = [data.get("gateway", {}), data.get("email", {}), data.get("payments", {})]
    return any(isinstance(s, dict) and any(s.get(k) for k in SECRET_FIELDS) for s in sections)


def readable_by_others(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return False
