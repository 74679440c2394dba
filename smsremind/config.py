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

import os
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from smsremind import checks
from smsremind.errors import ConfigError
from smsremind.i18n import N_, _

CONFIG_ENV = "SMSREMIND_CONFIG"
DEFAULT_CONFIG = "smsremind.toml"
LANGUAGES = ("pl", "cs", "en")


def _key(check: Callable[[Any], Any], env: str | None = None, path: str | None = None) -> dict:
    return {"check": check, "env": env, "path": path}


def _opt(default: Any, check: Callable[[Any], Any], **kw: Any) -> Any:
    return field(default=default, metadata=_key(check, **kw))


# --- sections


@dataclass(frozen=True)
class Reminders:
    mode: str = _opt("before", checks.choice("before", "fixed"))
    hours_before: int = _opt(24, checks.whole(24, 168))
    days_before: int = _opt(1, checks.whole(1, 7))
    at: time = _opt(time(9, 0), checks.hhmm)
    window: tuple[time, time] = _opt((time(9, 0), time(20, 0)), checks.window)
    skip_weekends: bool = _opt(True, checks.boolean)
    holidays: str = _opt("", checks.holidays)


@dataclass(frozen=True)
class Notify:
    confirmation: bool = _opt(False, checks.boolean)
    reschedule: bool = _opt(False, checks.boolean)
    cancellation: bool = _opt(False, checks.boolean)


@dataclass(frozen=True)
class Gateway:
    provider: str = _opt("outbox", checks.choice("outbox", "smsapi", "smsbrana", "twilio", "serwersms"))
    outbox: Path = _opt(Path("outbox.jsonl"), checks.string, path="db")
    sender: str = _opt("Gabinet", checks.string)
    token: str = _opt("", checks.string, env="SMSREMIND_SMSAPI_TOKEN")
    login: str = _opt("", checks.string)
    password: str = _opt("", checks.string, env="SMSREMIND_SMSBRANA_PASSWORD")
    account_sid: str = _opt("", checks.string)
    auth_token: str = _opt("", checks.string, env="SMSREMIND_TWILIO_AUTH_TOKEN")
    messaging_service_sid: str = _opt("", checks.string)
    smsapi_domain: str = _opt("pl", checks.choice("pl", "com"))
    sender_id: str = _opt("", checks.sender_id)
    base_url: str = _opt("", checks.string)
    timeout: float = _opt(10.0, checks.number(0.1, 300))
    workers: int = _opt(4, checks.whole(1, 64))
    rate: float = _opt(20.0, checks.number(0.1, 10000))


@dataclass(frozen=True)
class Replies:
    """Patients' answers to reminders, fetched by each run (two-way SMS)."""

    enabled: bool = _opt(False, checks.boolean)
    window_days: int = _opt(7, checks.whole(1, 60))
    export: Path = _opt(Path("replies.csv"), checks.string, path="db")
    acknowledge: bool = _opt(False, checks.boolean)
    confirm: tuple[str, ...] = _opt((), checks.words)  # extra words, added to the built-in ones
    cancel: tuple[str, ...] = _opt((), checks.words)
    stop: tuple[str, ...] = _opt((), checks.words)


@dataclass(frozen=True)
class Quota:
    monthly: int = _opt(300, checks.whole(0, 10_000_000))
    alerts: tuple[int, ...] = _opt((50, 30, 0), checks.alerts)


@dataclass(frozen=True)
class Email:
    admin: str = _opt("admin@example.com", checks.string)
    maildir: Path = _opt(Path("mail"), checks.string, path="db")
    host: str = _opt("", checks.string)
    port: int = _opt(587, checks.whole(1, 65535))
    user: str = _opt("", checks.string)
    password: str = _opt("", checks.string, env="SMSREMIND_SMTP_PASSWORD")
    security: str = _opt("starttls", checks.choice("starttls", "tls", "none"))
    from_: str = field(default="smsremind@localhost", metadata={**_key(checks.string), "name": "from"})
    timeout: float = _opt(30.0, checks.number(1, 300))


DEFAULT_PACKS = {100: Decimal("29.00"), 500: Decimal("129.00"), 1000: Decimal("239.00")}


@dataclass(frozen=True)
class Party:
    """Seller or buyer on the invoice: ``[payments.seller]`` / ``[payments.buyer]``."""

    name: str = _opt("", checks.string)
    address: str = _opt("", checks.string)
    tax_id: str = _opt("", checks.string)
    email: str = _opt("", checks.string)


@dataclass(frozen=True)
class Payments:
    sandbox: bool = _opt(True, checks.boolean)
    merchant_id: int = _opt(0, checks.whole(0, 10**12))
    pos_id: int = _opt(0, checks.whole(0, 10**12))
    api_key: str = _opt("", checks.string, env="SMSREMIND_P24_API_KEY")
    crc: str = _opt("", checks.string, env="SMSREMIND_P24_CRC")
    currency: str = _opt("PLN", checks.choice("PLN", "CZK"))
    pending_hours: int = _opt(24, checks.whole(1, 24 * 30))
    vat_rate: Decimal = _opt(Decimal("23"), checks.decimal)
    return_url: str = _opt("https://www.przelewy24.pl", checks.string)
    base_url: str = _opt("", checks.string)
    # The seller's accountant decides the series; {account} keeps the numbers of several
    # practices buying from one seller apart, so an installation without an account code
    # cannot issue an invoice in a series that names it.
    invoice_series: str = _opt("SMS/{account}/{year}/{n}", checks.invoice_series)
    account: str = _opt("", checks.account_code)
    packs: dict[int, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_PACKS), metadata=_key(checks.packs)
    )
    seller: Party = field(default_factory=Party, metadata={"section": Party})
    buyer: Party = field(default_factory=Party, metadata={"section": Party})

    @property
    def host(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return "https://sandbox.przelewy24.pl" if self.sandbox else "https://secure.przelewy24.pl"


@dataclass(frozen=True)
class Import:
    columns: dict[str, str] = field(default_factory=dict, metadata=_key(checks.columns))
    max_cancel_share: float = _opt(0.2, checks.number(0, 1))
    status: dict[str, list[str]] = field(default_factory=dict, metadata=_key(checks.status_words))


@dataclass(frozen=True)
class Practice:
    """Per-practice details: ``[practices."Gabinet Uśmiech"]``."""

    phone: str = _opt("", checks.string)
    sender: str = _opt("", checks.string)


@dataclass(frozen=True)
class Output:
    table_limit: int = _opt(50, checks.whole(1, 1_000_000))


@dataclass(frozen=True)
class Log:
    file: Path = _opt(Path("smsremind.log"), checks.string, path="db")


@dataclass(frozen=True)
class Monitoring:
    cron_alert_after: int = _opt(60, checks.whole(5, 7 * 24 * 60))
    ping_url: str = _opt("", checks.url)


SECRET_FIELDS = ("token", "password", "auth_token", "api_key", "crc")


@dataclass(frozen=True)
class Config:
    path: Path = field(default=Path(DEFAULT_CONFIG), metadata={})
    database: Path = _opt(Path("smsremind.db"), checks.string, path="config")
    timezone: ZoneInfo = _opt(ZoneInfo("Europe/Warsaw"), checks.zone)
    country: str = _opt("PL", checks.country)
    language: str = _opt("pl", checks.choice(*LANGUAGES))
    ui_language: str = _opt("", checks.choice("", *LANGUAGES))
    enabled: bool = _opt(False, checks.boolean)
    transliterate: bool = _opt(False, checks.boolean)
    practice: str = _opt("", checks.string)
    reminders: Reminders = field(default_factory=Reminders, metadata={"section": Reminders})
    notify: Notify = field(default_factory=Notify, metadata={"section": Notify})
    gateway: Gateway = field(default_factory=Gateway, metadata={"section": Gateway})
    quota: Quota = field(default_factory=Quota, metadata={"section": Quota})
    replies: Replies = field(default_factory=Replies, metadata={"section": Replies})
    email: Email = field(default_factory=Email, metadata={"section": Email})
    payments: Payments = field(default_factory=Payments, metadata={"section": Payments})
    import_: Import = field(default_factory=Import, metadata={"section": Import, "name": "import"})
    practices: dict[str, Practice] = field(default_factory=dict, metadata={"practices": True})
    output: Output = field(default_factory=Output, metadata={"section": Output})
    log: Log = field(default_factory=Log, metadata={"section": Log})
    monitoring: Monitoring = field(default_factory=Monitoring, metadata={"section": Monitoring})

    def practice_info(self, name: str) -> Practice:
        return self.practices.get(name, Practice())

    def sender_for(self, practice: str) -> str:
        return self.practice_info(practice).sender or self.gateway.sender


# --- loading


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
            raise self.fail(where or _("top level"), _("must be a table"))
        known = {_name(f): f for f in fields(cls) if f.name != "path"}
        for key in data:
            if key not in known:
                label = f"[{where}] {key}" if where else key
                raise self.fail(
                    label, _("unknown key{suggestion}").format(suggestion=checks.suggest(key, known))
                )
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
        # normpath, not resolve(): a symlink must stay visible so that it can be refused
        return p if p.is_absolute() else Path(os.path.normpath(base / p))

    def value(self, f: Any, raw: Any, label: str, db_dir: Path | None) -> Any:
        try:
            value = f.metadata["check"](raw)
        except ValueError as exc:
            shown = "***" if f.name in SECRET_FIELDS else _show(raw)  # never print a secret
            raise self.fail(f"{label} = {shown}", str(exc)) from None
        if value == "" and f.metadata.get("env") and os.environ.get(f.metadata["env"]):
            return os.environ[f.metadata["env"]]
        if f.metadata.get("path"):
            if "\x00" in value:
                raise self.fail(f"{label} = {_show(_no_nul(value))}", _(_NUL_IN_PATH))
            return self.resolve(value, f.metadata["path"], db_dir)
        return value

    def practices(self, data: Any, db_dir: Path | None) -> dict[str, Practice]:
        if not isinstance(data, dict):
            where = "practices"  # a config key: never translated
            raise self.fail(where, _('must be tables like [practices."Gabinet Uśmiech"]'))
        return {name: self.section(Practice, d, f"practices.{name}", db_dir) for name, d in data.items()}


_NUL_IN_PATH = N_("a path cannot contain a NUL character")


def _no_nul(text: str) -> str:
    return text.replace("\x00", "\\x00")


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
        # Windows Notepad starts a UTF-8 file with a BOM; TOML does not allow one, we do.
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: not valid TOML: {error}").format(path=path, error=exc)) from None
    loader = _Loader(path)
    database = data.get("database", "smsremind.db")
    if not isinstance(database, str):
        where = f"database = {_show(database)}"  # a config key and its value: never translated
        raise loader.fail(where, _("must be a string in quotes"))
    if "\x00" in database:
        where = f"database = {_show(_no_nul(database))}"
        raise loader.fail(where, _(_NUL_IN_PATH))
    db_path = Path(database).expanduser()
    db_dir = Path(os.path.normpath(db_path if db_path.is_absolute() else path.parent / db_path)).parent
    return replace(loader.section(Config, data, "", db_dir), path=path)


_PSEUDO = (Path("/proc"), Path("/sys"), Path("/dev"))


def pseudo_path(path: Path) -> bool:
    """Under /proc, /sys or /dev (but /dev/shm, an ordinary tmpfs): never a place for our files."""
    real = Path(os.path.realpath(path))
    return any(real.is_relative_to(p) for p in _PSEUDO) and not real.is_relative_to("/dev/shm")


def not_a_file(path: Path, st: os.stat_result) -> bool:
    """A device, folder or kernel file (``/proc``, ``/sys`` files claim to be regular)."""
    return not stat.S_ISREG(st.st_mode) or pseudo_path(path)


def exists(path: Path) -> bool:
    """True for an existing config file; something else there (``/dev/…``, a folder) is an error."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ConfigError(
            _("{path}: cannot read: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    if not_a_file(path, st):
        raise ConfigError(
            _("{path} is not a regular file; give the path of a TOML config file").format(path=path)
        )
    return True


def load(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = locate(explicit)
    if "\x00" in str(path):
        raise ConfigError(f"{_no_nul(str(path))}: {_(_NUL_IN_PATH)}")
    if not exists(path):
        text = _("no config file at {path} (run `smsremind init`, or pass --config / set {variable})")
        raise ConfigError(text.format(path=path, variable=CONFIG_ENV))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{path}: cannot read: {error}").format(path=path, error=exc)) from None
    return parse(text, path)


def has_secrets(cfg: Config) -> bool:
    """True when the file itself holds a secret (env-provided ones don't count)."""
    try:
        data = tomllib.loads(cfg.path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    sections = [data.get("gateway", {}), data.get("email", {}), data.get("payments", {})]
    return any(isinstance(s, dict) and any(s.get(k) for k in SECRET_FIELDS) for s in sections)


def secrets(cfg: Config) -> list[str]:
    """The secret values in use (file or environment), to keep them out of logs."""
    sections = (cfg.gateway, cfg.email, cfg.payments)
    return [getattr(s, k) for s in sections for k in SECRET_FIELDS if getattr(s, k, "")]


def readable_by_others(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return False
