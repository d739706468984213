"""The product's error types: every failure a person can meet is one of these.

Vendor and library exceptions (pyserial, requests, python-escpos, OpenCV, sqlite3) are translated into
these where they enter our code, so callers above the adapters catch only ``KioskError`` subclasses.

Each error carries a message key into the catalogues of ``core.i18n`` and an optional technical detail.
``message(audience, language)`` gives the text written for that person:

- citizen: calm, says what to do next;
- clerk: says what to do;
- technician: the raw detail as well.

The catalogue holds ``<key>.citizen`` / ``<key>.clerk`` variants where the wording differs; otherwise the
plain ``<key>`` is used for everybody.
"""

from __future__ import annotations

from typing import Any

from core.i18n import Translator, keys_for, optional_keys


class KioskError(Exception):
    """Base of every error the product raises on purpose."""

    key = "error.unexpected"

    def __init__(self, detail: str = "", *, key: str | None = None, **params: Any) -> None:
        super().__init__(detail or (key or self.key))
        if key is not None:
            self.key = key
        self.detail = detail
        self.params = params

    def message(self, audience: str = "citizen", language: str = "zh_CN") -> str:
        return error_message(self, audience, language)


class ConfigError(KioskError):
    """The terminal's configuration file is missing or wrong. ``params['setting']`` names the setting."""

    key = "error.config"


# --- devices -----------------------------------------------------------------------------------------


class DeviceError(KioskError):
    """A device failed. ``device`` names which one (``ticket_printer``, ``idcard_reader`` …)."""

    key = "error.device"

    def __init__(self, detail: str = "", *, device: str = "", key: str | None = None, **params: Any) -> None:
        super().__init__(detail, key=key, **params)
        self.device = device


class DeviceNotFound(DeviceError):
    """The port or device is not there: unplugged, wrong path, no permission."""

    key = "error.device.not_found"


class DeviceTimeout(DeviceError):
    """The device did not answer within its bounded wait."""

    key = "error.device.timeout"


class DeviceProtocolError(DeviceError):
    """The device answered bytes that do not follow its protocol (garbage, bad checksum, bad length)."""

    key = "error.device.protocol"


class DeviceNotSupported(DeviceError):
    """The device or its transport cannot do what was asked (e.g. status over a write-only link)."""

    key = "error.device.not_supported"


class DeviceBusy(DeviceError):
    key = "error.device.busy"


class HardwareFault(DeviceError):
    """The device reports a fault of its own: paper out, cover open, cutter jammed, SAM failed."""

    key = "error.device.fault"


class PaperOut(HardwareFault):
    key = "error.printer.paper_out"


# --- platform ----------------------------------------------------------------------------------------


class PlatformError(KioskError):
    """The central platform (or the hall server) could not do what was asked."""

    key = "error.platform"


class PlatformUnreachable(PlatformError):
    """No answer: network down, server down, timeout, or an answer that is not the platform's (captive
    portal HTML, truncated body)."""

    key = "error.platform.unreachable"


class PlatformTlsRefused(PlatformUnreachable):
    """The TLS handshake with the platform failed. ``reason`` says why (``untrusted``, ``expired``,
    ``hostname``, ``client_certificate``, ``handshake``); ``error.tls.<reason>`` words it for a technician."""

    key = "error.platform.tls"
    REASONS = ("untrusted", "expired", "hostname", "client_certificate", "handshake")
    REASON_KEYS = keys_for("error.tls.", REASONS)

    def __init__(self, detail: str = "", *, reason: str = "handshake", **params: Any) -> None:
        super().__init__(detail, **params)
        self.reason = reason
        self.reason_key = f"error.tls.{reason}"


class PlatformRejected(PlatformError):
    """The platform answered 4xx with a machine-readable reason (``reason``); retrying will not help."""

    key = "error.platform.rejected"

    def __init__(self, detail: str = "", *, reason: str = "", status: int = 400, **params: Any) -> None:
        super().__init__(detail or reason, **params)
        self.reason = reason
        self.status = status
        # A specific reason may have its own message (error.reason.<reason>); i18n falls back to the key.
        self.reason_key = f"error.reason.{reason}" if reason else ""


class PlatformConflict(PlatformRejected):
    """409: the record exists with other content, or the action does not fit the ticket's state."""

    key = "error.platform.conflict"


class PlatformServerFault(PlatformError):
    """5xx: the platform failed; retry later."""

    key = "error.platform.server_fault"


# error_message looks these up only after has(): a device's name is its role's (device.ticket_printer), an
# unknown role is shown as it is; a platform's reason code (error.reason.<reason>) may have a message of its
# own, else the error type's is used.
optional_keys("device.")
optional_keys("error.reason.")


# --- the terminal's own store ----------------------------------------------------------------------------


class StoreKeyMismatch(ConfigError):
    """The local store was sealed with another key than the one it was given: the key file is missing, the
    configured path is mistyped, or the file holds another key. The store refuses to open (a new key would
    leave every record waiting unreadable). ``params['key_file']`` names the key file the store expects."""

    key = "error.store.key_mismatch"

    def __init__(self, detail: str = "", *, key_file: str = "", **params: Any) -> None:
        defaults = dict(setting="sync.key_file", problem="not the key this store was sealed with")
        super().__init__(detail, key_file=key_file, **{**defaults, **params})


def error_message(error: KioskError, audience: str, language: str) -> str:
    """The text of an error for one audience (citizen, clerk, technician)."""
    t = Translator(language)
    keys = []
    reason_key = getattr(error, "reason_key", "")
    if reason_key:
        keys += [f"{reason_key}.{audience}", reason_key]
    keys += [f"{error.key}.{audience}", error.key]
    for cls in type(error).__mro__:
        base_key = getattr(cls, "key", None)
        if isinstance(base_key, str) and base_key not in keys:
            keys += [f"{base_key}.{audience}", base_key]
    params = dict(error.params)
    params.setdefault("detail", error.detail)
    if device := getattr(error, "device", ""):
        params.setdefault("device", t(f"device.{device}") if t.has(f"device.{device}") else device)
    text = next((t(k, **params) for k in keys if t.has(k)), t("error.unexpected"))
    if audience == "technician" and error.detail and error.detail not in text:
        text = f"{text} ({error.detail})"
    return text
