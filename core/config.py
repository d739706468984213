"""One TOML file per terminal.

A bad file stops start-up with a ``ConfigError`` naming the key and what is wrong with it
(``devices.ticket_printer: unknown scheme 'lpt'``). Every setting and its default is listed in
docs/configuration.md; ``simulators/sample_data/*.toml`` are working examples.

    role = "citizen"                  # citizen | clerk | display | technician
    terminal_id = "K-01"
    hall_id = "3201-0042"
    language = "zh_CN"                # zh_CN | en | zh_TW

    [platform]
    url = "https://hall.example:8765" # plain http:// only to loopback, or with allow_plain_http = true
    terminal_secret = "…"             # or terminal_secret_file = "/etc/kiosk/secret" (preferred)
    timeout_s = 5.0
    ca_file = "/etc/kiosk/ca.pem"     # the hall's CA (docs/deployment.md); empty: the system's trust store
    client_cert = ""                  # PEM certificate + key, when the hall server asks terminals for one
    client_key = ""
    allow_plain_http = false
    public_host = ""                  # the platform's public web host (zwfw.example.gov.cn): receipts' codes
                                      # become https://<host>/track/… and /rate/…; empty: HALL:R: codes
    heartbeat_s = 30                  # the heartbeat to the hall's fleet page (docs/fleet.md); 0: none

    [printers.ticket]                 # any number of named printers
    url = "serial:///dev/ttyUSB0?baudrate=9600"
    width_mm = 80                     # 58 | 80
    encoding = "gb18030"              # gb18030 | gbk | utf-8
    qr = "native"                     # native | image
    status = true                     # the printer answers DLE EOT

    [devices]
    ticket_printer = "ticket"         # names under [printers]
    ticket_printer_fallback = ""      # second printer used when the first is out of paper
    receipt_printer = ""
    idcard_reader = ""                # pyserial URL, e.g. "/dev/ttyUSB1" or "socket://127.0.0.1:7001"
    idcard_photo_decoder = ""         # the vendor's WLT photo decoder (libwlt2bmp.so); empty: no photos
    scanner = ""
    camera = ""                       # uvc:0 | uvc:/dev/video2 | folder:DIR | video:FILE | synthetic:
    camera_threads = 0                # OpenCV's threads for the camera's image work; 0: OpenCV's choice
    camera_calibration = ""           # the lens's calibration file (kiosk diag camera --calibrate); empty: none
    decoder = "zxing"                 # codes in camera frames: zxing | zbar

    [window]                          # clerk role only
    number = 3
    pickup = false                    # the pickup window (统一出件): hand results over, fill the locker

    [kiosk]                           # citizen: full screen, no close; a technician's gesture and PIN
    lockdown = true                   # (docs/deployment.md, "Locking the kiosk down")

    [timeouts]
    idle_s = 60                       # citizen: back to the home screen, session wiped
    idle_warning_s = 20               # warned this long before, one touch extends (WCAG 2.2.1)
    keypad_factor = 2.0               # a keypad user's times are this much longer
    elders_factor = 2.0               # and in elders' mode (长辈模式)
    extensions = 0                    # how often "continue" extends a session: 0 no limit, else 10 or more
    device_s = 3.0                    # the longest any device call may wait
    [accessibility]                   # the self-audit's minimums (docs/accessibility.md, `kiosk diag a11y`)
    touch_target_px = 60              # also staff_target_px, text_px, contrast, elders_target_px, elders_text_px

    [sync]                            # the local store and the sync engine (docs/sync.md)
    cipher = "aes-256-gcm"            # aes-256-gcm | sm4-gcm
    key_file = ""                     # default: <data dir>/store/keys/store.key (0600)
    retention_days = 7                # also free_space_margin_mb = 64, ticket_block_size = 50

    [locker]                          # the smart locker's boards (docs/locker.md; core/config_locker.py)

    [voice]                           # voice guidance and call announcements (core/config_voice.py)
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.accessibility import Minimums, minimums_from
from core.config_locker import LockerConfig, parse_locker
from core.config_voice import VoiceConfig, parse_voice
from core.errors import ConfigError
from core.i18n import LANGUAGES  # the languages of the catalogues

ROLES = ("citizen", "clerk", "display", "technician")
PRINTER_SCHEMES = ("serial", "usb", "tcp", "file", "cups", "win32", "virtual", "dummy")


@dataclass(frozen=True)
class PlatformConfig:
    url: str
    terminal_secret: str = field(repr=False, default="")
    timeout_s: float = 5.0
    ca_file: str = ""  # PEM of the CA the platform's certificate must chain to; empty: the system's store
    client_cert: str = ""  # PEM certificate shown to a hall server that asks terminals for one
    client_key: str = ""  # its private key (PEM)
    allow_plain_http: bool = False  # http:// to a host other than loopback (personal data in clear text)
    public_host: str = ""  # the platform's public web host: receipts' tracking and rating links (docs/codes.md)
    heartbeat_s: float = 30.0  # how often the terminal's heartbeat goes to the fleet (docs/fleet.md); 0: never


@dataclass(frozen=True)
class PrinterConfig:
    name: str
    url: str
    width_mm: int = 80
    encoding: str = "gb18030"
    qr: str = "native"
    status: bool = True

    @property
    def dots(self) -> int:
        """Printable dots a line: 58 mm → 384, 80 mm → 576 (docs/printing.md "Head widths and cells")."""
        return 384 if self.width_mm == 58 else 576


@dataclass(frozen=True)
class DevicesConfig:
    ticket_printer: str = ""
    ticket_printer_fallback: str = ""
    receipt_printer: str = ""
    idcard_reader: str = ""
    idcard_baudrate: int = 115200
    idcard_photo_decoder: str = ""  # vendor WLT decoder library (libwlt2bmp.so); empty: photos unavailable
    scanner: str = ""  # pyserial URL of a serial scanner; keyboard-wedge scanners need no setting
    camera: str = ""  # document camera source: uvc:0, uvc:/dev/video2, folder:DIR, video:FILE, synthetic:
    camera_threads: int = 0  # OpenCV's threads (docs/camera.md, "Threads"); 0: OpenCV's own choice
    camera_calibration: str = ""  # the lens's calibration file (docs/camera.md, "Lens calibration"); "": none
    decoder: str = "zxing"  # back end for codes in camera frames: zxing (zxing-cpp) | zbar (pyzbar)


@dataclass(frozen=True)
class TimeoutsConfig:
    idle_s: float = 60.0
    idle_warning_s: float = 20.0
    device_s: float = 3.0
    keypad_factor: float = 2.0  # time that adapts (docs/accessibility.md): a keypad user's times × this
    elders_factor: float = 2.0  # elders' mode's
    extensions: int = 0  # "continue" per session: 0 without limit, else at least 10 (WCAG 2.2.1)

    def idle_options(self) -> dict:
        """The citizen window's idle guard's options (ui/idle.py)."""
        return {"keypad_factor": self.keypad_factor, "elders_factor": self.elders_factor,
                "extensions": self.extensions}


@dataclass(frozen=True)
class SyncConfig:
    """The local store and the sync engine (docs/sync.md)."""

    cipher: str = "aes-256-gcm"  # or "sm4-gcm" (GB/T 39786-2021 audits)
    key_file: str = ""  # empty: <data dir>/store/keys/store.key, created 0600 on first start
    retention_days: float = 7.0  # personal data kept this long after the platform acknowledged it
    free_space_margin_mb: int = 64  # a person is told before starting when less than this is free
    ticket_block_size: int = 50  # numbers a kiosk leases per service per day for offline issuing


@dataclass(frozen=True)
class Config:
    role: str
    terminal_id: str
    hall_id: str
    platform: PlatformConfig
    language: str = "zh_CN"
    printers: dict[str, PrinterConfig] = field(default_factory=dict)
    devices: DevicesConfig = field(default_factory=DevicesConfig)
    window: int | None = None
    timeouts: TimeoutsConfig = field(default_factory=TimeoutsConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    locker: LockerConfig = field(default_factory=LockerConfig)
    data_dir: str = ""  # empty: the platform's usual per-user data directory
    source: str = ""  # the file it was read from
    pickup_window: bool = False  # [window] pickup: the clerk's window hands results out (docs/pickup.md)
    lockdown: bool = True  # [kiosk] lockdown: the citizen kiosk cannot be left without a technician's PIN
    accessibility: Minimums = field(default_factory=Minimums)  # the self-audit's minimums
    voice: VoiceConfig = field(default_factory=VoiceConfig)  # [voice] (docs/voice.md)

    def printer(self, name: str) -> PrinterConfig | None:
        return self.printers.get(name) if name else None


def _problem(key: str, problem: str) -> ConfigError:
    return ConfigError(f"{key}: {problem}", setting=key, problem=problem)


class _Reader:
    """Takes values out of a parsed table, checking types; remembers what it consumed."""

    def __init__(self, table: dict[str, Any], prefix: str = "") -> None:
        self.table = table
        self.prefix = prefix
        self.used: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *, choices: tuple = ()) -> Any:
        self.used.add(key)
        if key not in self.table:
            if default is ...:
                raise _problem(self.name(key), "is required")
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise _problem(self.name(key), f"must be {names}, not {type(value).__name__} {value!r}")
        if choices and value not in choices:
            raise _problem(self.name(key), f"must be one of {', '.join(map(str, choices))}, not {value!r}")
        return value

    def sub(self, key: str) -> _Reader:
        value = self.get(key, dict, {})
        return _Reader(value, f"{self.name(key)}.")

    def finish(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise _problem(self.name(unknown[0]), "is not a known setting (misspelt?)")


def _at_least(key: str, value: float, least: float) -> float:
    if value < least:
        raise _problem(key, f"must be at least {least}, not {value}")
    return value


def _positive(key: str, value: float) -> float:
    if value <= 0:
        raise _problem(key, f"must be greater than 0, not {value}")
    return value


def _not_negative(key: str, value: float) -> float:
    if value < 0:
        raise _problem(key, f"must be 0 (off) or more, not {value}")
    return value


def _check_url(key: str, url: str, schemes: tuple[str, ...]) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in schemes:
        raise _problem(key, f"unknown scheme {scheme!r} in {url!r}; use one of {', '.join(schemes)}")
    return url


def _host_name(key: str, value: str) -> str:
    """A DNS host name as a QR code may carry it (lower-case letters, digits, dots and dashes), or ""."""
    if value and not re.fullmatch(r"[a-z0-9](?:[a-z0-9.-]{0,98}[a-z0-9])?", value, re.ASCII):
        raise _problem(key, "a host name of lower-case letters, digits, dots and dashes (no scheme, no port)")
    return value


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _readable(key: str, path: str) -> str:
    if path and not Path(path).is_file():
        raise _problem(key, f"{path} is not a readable file")
    return path


def _platform(top: _Reader, role: str) -> PlatformConfig:
    p = top.sub("platform")
    url = _check_url("platform.url", p.get("url", str), ("http", "https"))
    secret = p.get("terminal_secret", str, "")
    secret_file = p.get("terminal_secret_file", str, "")
    if secret_file:
        try:
            secret = Path(secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise _problem("platform.terminal_secret_file", f"cannot be read: {exc.strerror}") from None
    if not secret and role != "technician":
        raise _problem("platform.terminal_secret", "is required (or terminal_secret_file)")
    platform = PlatformConfig(
        url.rstrip("/"), secret, _positive("platform.timeout_s", p.get("timeout_s", float, 5.0)),
        ca_file=_readable("platform.ca_file", p.get("ca_file", str, "")),
        client_cert=_readable("platform.client_cert", p.get("client_cert", str, "")),
        client_key=_readable("platform.client_key", p.get("client_key", str, "")),
        allow_plain_http=p.get("allow_plain_http", bool, False),
        public_host=_host_name("platform.public_host", p.get("public_host", str, "")),
        heartbeat_s=_not_negative("platform.heartbeat_s", p.get("heartbeat_s", float, 30.0)))
    p.finish()
    split = urlsplit(url)
    if split.scheme == "http":
        if not platform.allow_plain_http and not _is_loopback(split.hostname or ""):
            raise _problem("platform.allow_plain_http",
                           f"plain http:// to {split.hostname} sends ID numbers and names across the network "
                           "in clear text; use https:// (docs/deployment.md) or set allow_plain_http = true")
        for key in ("ca_file", "client_cert", "client_key"):
            if getattr(platform, key):
                raise _problem(f"platform.{key}", "applies to https:// only; platform.url is http://")
    if bool(platform.client_cert) != bool(platform.client_key):
        missing = "client_key" if platform.client_cert else "client_cert"
        raise _problem(f"platform.{missing}", "client_cert and client_key go together")
    return platform


def _printers(top: _Reader) -> dict[str, PrinterConfig]:
    printers: dict[str, PrinterConfig] = {}
    pr_table = top.sub("printers")
    for name in list(pr_table.table):
        r = pr_table.sub(name)
        printers[name] = PrinterConfig(
            name=name,
            url=_check_url(r.name("url"), r.get("url", str), PRINTER_SCHEMES),
            width_mm=r.get("width_mm", int, 80, choices=(58, 80)),
            encoding=r.get("encoding", str, "gb18030", choices=("gb18030", "gbk", "utf-8")),
            qr=r.get("qr", str, "native", choices=("native", "image")),
            status=r.get("status", bool, True),
        )
        r.finish()
    return printers


def _devices(top: _Reader, role: str, printers: dict[str, PrinterConfig]) -> DevicesConfig:
    d = top.sub("devices")
    devices = DevicesConfig(
        ticket_printer=d.get("ticket_printer", str, ""),
        ticket_printer_fallback=d.get("ticket_printer_fallback", str, ""),
        receipt_printer=d.get("receipt_printer", str, ""),
        idcard_reader=d.get("idcard_reader", str, ""),
        idcard_baudrate=d.get("idcard_baudrate", int, 115200),
        idcard_photo_decoder=d.get("idcard_photo_decoder", str, ""),
        scanner=d.get("scanner", str, ""),
        camera=d.get("camera", str, ""),
        camera_threads=d.get("camera_threads", int, 0),
        camera_calibration=d.get("camera_calibration", str, ""),
        decoder=d.get("decoder", str, "zxing", choices=("zxing", "zbar")),
    )
    d.finish()
    if not 0 <= devices.camera_threads <= 64:
        raise _problem("devices.camera_threads", f"must be 0 (OpenCV's choice) to 64, not {devices.camera_threads}")
    for key in ("ticket_printer", "ticket_printer_fallback", "receipt_printer"):
        ref = getattr(devices, key)
        if ref and ref not in printers:
            known = ", ".join(sorted(printers)) or "none"
            raise _problem(f"devices.{key}", f"names printer {ref!r}, which is not under [printers] (known: {known})")
    if role == "citizen" and not devices.ticket_printer:
        raise _problem("devices.ticket_printer", "is required for the citizen role")
    return devices


def _window(top: _Reader, role: str) -> tuple[int | None, bool]:
    w = top.sub("window")
    window = w.get("number", int, None)
    pickup = w.get("pickup", bool, False)
    w.finish()
    if pickup and role != "clerk":
        raise _problem("window.pickup", "only a clerk's window is a pickup window")
    if role == "clerk" and window is None:
        raise _problem("window.number", "is required for the clerk role")
    if window is not None and window <= 0:
        raise _problem("window.number", f"must be a window number (1 or more), not {window}")
    return window, pickup


def _kiosk(top: _Reader, role: str) -> bool:
    k = top.sub("kiosk")
    lockdown = k.get("lockdown", bool, True)
    k.finish()
    if "kiosk" in top.table and role != "citizen":
        raise _problem("kiosk.lockdown", "only the citizen kiosk is locked down")
    return lockdown


def _timeouts(top: _Reader) -> TimeoutsConfig:
    t = top.sub("timeouts")
    timeouts = TimeoutsConfig(
        idle_s=_positive("timeouts.idle_s", t.get("idle_s", float, 60.0)),
        idle_warning_s=_positive("timeouts.idle_warning_s", t.get("idle_warning_s", float, 20.0)),
        device_s=_positive("timeouts.device_s", t.get("device_s", float, 3.0)),
        keypad_factor=_at_least("timeouts.keypad_factor", t.get("keypad_factor", float, 2.0), 1.0),
        elders_factor=_at_least("timeouts.elders_factor", t.get("elders_factor", float, 2.0), 1.0),
        extensions=t.get("extensions", int, 0),
    )
    t.finish()
    if 0 < timeouts.extensions < 10 or timeouts.extensions < 0:
        raise _problem("timeouts.extensions", "must be 0 (no limit) or at least 10 (WCAG 2.2.1)")
    if timeouts.idle_warning_s >= timeouts.idle_s:
        raise _problem("timeouts.idle_warning_s", "must be shorter than timeouts.idle_s")
    return timeouts


def _sync(top: _Reader) -> SyncConfig:
    sy = top.sub("sync")
    sync = SyncConfig(
        cipher=sy.get("cipher", str, "aes-256-gcm", choices=("aes-256-gcm", "sm4-gcm")),
        key_file=sy.get("key_file", str, ""),
        retention_days=sy.get("retention_days", float, 7.0),
        free_space_margin_mb=sy.get("free_space_margin_mb", int, 64),
        ticket_block_size=sy.get("ticket_block_size", int, 50),
    )
    sy.finish()
    if sync.retention_days < 0:
        raise _problem("sync.retention_days", f"must be 0 or more, not {sync.retention_days}")
    if sync.free_space_margin_mb < 1:
        raise _problem("sync.free_space_margin_mb", f"must be at least 1, not {sync.free_space_margin_mb}")
    if not 1 <= sync.ticket_block_size <= 500:
        raise _problem("sync.ticket_block_size", f"must be from 1 to 500, not {sync.ticket_block_size}")
    return sync


def parse(data: dict[str, Any], source: str = "") -> Config:
    """Checks a parsed TOML document and turns it into a Config, section by section."""
    top = _Reader(data)
    role = top.get("role", str, choices=ROLES)
    terminal_id = top.get("terminal_id", str)
    if not terminal_id.strip():
        raise _problem("terminal_id", "must not be empty")
    hall_id = top.get("hall_id", str)
    language = top.get("language", str, "zh_CN", choices=LANGUAGES)
    data_dir = top.get("data_dir", str, "")
    platform = _platform(top, role)
    printers = _printers(top)
    devices = _devices(top, role, printers)
    window, pickup_window = _window(top, role)
    lockdown = _kiosk(top, role)
    timeouts = _timeouts(top)
    sync = _sync(top)
    locker = parse_locker(top.sub("locker"))
    accessibility = minimums_from(top.get("accessibility", dict, {}))
    voice = parse_voice(top.sub("voice"))
    top.finish()
    return Config(role=role, terminal_id=terminal_id, hall_id=hall_id, platform=platform, language=language,
                  printers=printers, devices=devices, window=window, timeouts=timeouts, sync=sync,
                  locker=locker, data_dir=data_dir, source=source, pickup_window=pickup_window,
                  lockdown=lockdown, accessibility=accessibility, voice=voice)


def load(path: str | Path) -> Config:
    """Reads and checks a terminal's TOML file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _problem("(file)", f"{path} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _problem("(file)", f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _problem("(file)", f"{path} is not valid TOML: {exc}") from None
    return parse(data, source=str(path))
