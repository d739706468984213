"""``kiosk diag lockdown``: which protections of a citizen kiosk are active on this machine, and what to fix.

    kiosk diag lockdown [--json] [--config FILE] [--unit NAME] [--root DIR]

A kiosk is locked down in layers (docs/deployment.md, "Locking the kiosk down"): the program (full screen,
frameless, no close, the shortcuts it can catch swallowed), systemd (restarts it, and its watchdog restarts
a hung window), the session (a dedicated user logged in automatically into a kiosk compositor, no desktop)
and the OS (no login prompts on the virtual terminals, no VT switching, no SysRq). The program cannot do
the last three for itself; this command reads what the machine says about each:

    fullscreen      the terminal's configuration: a citizen kiosk with [kiosk] lockdown on, not KIOSK_WINDOWED
    systemd_unit    the unit (--unit, default hall-kiosk@citizen.service) is Type=notify with a watchdog
    autologin       a getty or display manager logs a user in automatically, or the package's X session
                    (hall-kiosk-x.service) is enabled
    getty           logind starts no login prompts on other VTs (NAutoVTs=0, ReserveVT=0)
    vt_switching    the X server refuses VT switching (DontVTSwitch), or the session is cage (no VT keys)
    sysrq           the magic SysRq key is off (kernel.sysrq = 0)

Each check is one line (``ok``, ``FIX`` or ``?`` when this machine cannot tell) with what to fix, or with
``--json`` one object per line, exactly ``{"check", "ok": true|false|null, "detail", "fix"}``. ``--root``
reads the files under another root (a kiosk image before it is deployed); /proc and systemctl are then
not asked. Exit codes: 0 every check that could be made is ok; 1 at least one needs fixing; 2 the
configuration cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_UNIT = "hall-kiosk@citizen.service"  # the package's template unit, instance = the config's name


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool | None
    detail: str
    fix: str


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("lockdown", help="which kiosk lockdown protections are active, and what to fix",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="one JSON object per check")
    p.add_argument("--config", help="the terminal's TOML (default: as `kiosk run` finds it)")
    p.add_argument("--unit", default=DEFAULT_UNIT, help=f"the terminal's systemd unit (default {DEFAULT_UNIT})")
    p.add_argument("--root", default="/", help="read the machine's files under this root (an image)")
    p.set_defaults(func=run)


def _read(root: Path, path: str) -> str:
    try:
        return (root / path.lstrip("/")).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _glob_text(root: Path, pattern: str) -> list[tuple[str, str]]:
    """(path, text) of every file under ``root`` matching ``pattern`` (an absolute glob)."""
    return [("/" + str(p.relative_to(root)), p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted(root.glob(pattern.lstrip("/"))) if p.is_file()]


def _setting(text: str, key: str) -> str | None:
    """The last uncommented ``key=value`` of an INI-like file."""
    found = None
    for line in text.splitlines():
        m = re.match(rf"\s*{re.escape(key)}\s*=\s*(\S*)", line)
        if m and not line.lstrip().startswith(("#", ";")):
            found = m.group(1)
    return found


def check_fullscreen(config_path: str | None) -> Check:
    from core.config import ConfigError, load

    fix = "run the citizen kiosk with [kiosk] lockdown = true and without KIOSK_WINDOWED"
    try:
        cfg = load(config_path) if config_path else None
    except (ConfigError, OSError) as exc:
        raise SystemExit(f"error: {exc}") from None
    if os.environ.get("KIOSK_WINDOWED"):
        return Check("fullscreen", False, "KIOSK_WINDOWED is set: the window is not full screen", fix)
    if cfg is None:
        return Check("fullscreen", None, "no configuration given (--config): the role is unknown", fix)
    if cfg.role != "citizen":
        return Check("fullscreen", None, f"role {cfg.role}: lockdown is for the citizen kiosk", "")
    if not cfg.lockdown:
        return Check("fullscreen", False, "[kiosk] lockdown = false: the window can be closed", fix)
    return Check("fullscreen", True, "full screen, frameless, no close, shortcuts swallowed", "")


def check_unit(unit: str, root: Path) -> Check:
    fix = (f"install the package's {unit} (Type=notify, WatchdogSec=30) and `systemctl enable --now {unit}`")
    if str(root) == "/" and shutil.which("systemctl"):
        try:
            out = subprocess.run(["systemctl", "show", unit, "-p", "Type", "-p", "WatchdogUSec", "-p",
                                  "LoadState"], capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        if values.get("LoadState") == "loaded":
            watchdog = values.get("WatchdogUSec", "0")
            ok = values.get("Type") == "notify" and watchdog not in ("0", "infinity", "")
            return Check("systemd_unit", ok, f"{unit}: Type={values.get('Type')}, WatchdogUSec={watchdog}",
                         "" if ok else fix)
    template = re.sub(r"@[^.]*\.service$", "@.service", unit)  # hall-kiosk@citizen → hall-kiosk@.service
    for folder, name in ((f, n) for f in ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system")
                         for n in dict.fromkeys((unit, template))):
        text = _read(root, f"{folder}/{name}")
        if text:
            notify, watchdog = _setting(text, "Type") == "notify", _setting(text, "WatchdogSec")
            ok = notify and bool(watchdog) and watchdog not in ("0", "infinity")
            return Check("systemd_unit", ok, f"{folder}/{name}: Type={_setting(text, 'Type')}, "
                         f"WatchdogSec={watchdog}", "" if ok else fix)
    return Check("systemd_unit", False, f"no unit {unit}", fix)


def check_autologin(root: Path) -> Check:
    fix = ("log the kiosk user in automatically: a getty@tty1 drop-in with `--autologin kiosk`, or the "
           "display manager's autologin; or enable the package's X session: systemctl enable hall-kiosk-x "
           "(docs/deployment.md)")
    for path, text in _glob_text(root, "/etc/systemd/system/getty@tty1.service.d/*.conf"):
        m = re.search(r"--autologin\s+(\S+)", text)
        if m:
            return Check("autologin", True, f"getty on tty1 logs in {m.group(1)} ({path})", "")
    for conf in ("/etc/lightdm/lightdm.conf", "/etc/gdm3/daemon.conf", "/etc/sddm.conf"):
        text = _read(root, conf)
        for key in ("autologin-user", "AutomaticLogin", "User"):
            user = _setting(text, key)
            if user:
                return Check("autologin", True, f"{conf}: {key}={user}", "")
    # The Debian package's own session (docs/deployment.md, "The kiosk session"): an X server with no
    # login, which the terminal's unit draws on; `systemctl enable hall-kiosk-x` links it here.
    enabled = root / "etc/systemd/system/graphical.target.wants/hall-kiosk-x.service"
    if enabled.is_symlink() or enabled.exists():
        return Check("autologin", True, "hall-kiosk-x.service: the kiosk's X server, no login needed", "")
    return Check("autologin", False, "no automatic login found", fix)


def check_getty(root: Path) -> Check:
    text = _read(root, "/etc/systemd/logind.conf") + "".join(
        t for _p, t in _glob_text(root, "/etc/systemd/logind.conf.d/*.conf"))
    vts, reserve = _setting(text, "NAutoVTs"), _setting(text, "ReserveVT")
    ok = vts == "0" and reserve == "0"
    return Check("getty", ok, f"NAutoVTs={vts or 'default 6'}, ReserveVT={reserve or 'default 6'}",
                 "" if ok else "set NAutoVTs=0 and ReserveVT=0 in /etc/systemd/logind.conf.d/kiosk.conf")


def check_vt_switching(root: Path) -> Check:
    fix = ('add Option "DontVTSwitch" "true" to a ServerFlags section (/etc/X11/xorg.conf.d/10-kiosk.conf), '
           "or run the session in cage, which has no VT switching keys unless started with -s")
    for _path, text in _glob_text(root, "/etc/X11/xorg.conf.d/*.conf"):
        if re.search(r'Option\s+"DontVTSwitch"\s+"(true|on|yes|1)"', text, re.IGNORECASE):
            return Check("vt_switching", True, "X refuses VT switching (DontVTSwitch)", "")
    units = "".join(t for _p, t in _glob_text(root, "/etc/systemd/system/*.service"))
    if re.search(r"ExecStart=\S*cage(?!\S*\s+-\S*s)", units):
        return Check("vt_switching", True, "the session runs in cage without -s", "")
    return Check("vt_switching", None, "neither DontVTSwitch nor a cage session found", fix)


def check_sysrq(root: Path) -> Check:
    fix = "echo 'kernel.sysrq = 0' > /etc/sysctl.d/90-kiosk.conf && sysctl --system"
    if str(root) == "/":
        value = _read(root, "/proc/sys/kernel/sysrq").strip()
        if value:
            return Check("sysrq", value == "0", f"kernel.sysrq = {value}", "" if value == "0" else fix)
    configured = None
    for _path, text in _glob_text(root, "/etc/sysctl.d/*.conf"):
        configured = _setting(text.replace(" ", ""), "kernel.sysrq") or configured
    if configured is None:
        return Check("sysrq", None, "kernel.sysrq not configured under /etc/sysctl.d", fix)
    ok = configured == "0"
    return Check("sysrq", ok, f"kernel.sysrq = {configured} (sysctl.d)", "" if ok else fix)


def checks(config_path: str | None, unit: str, root: Path) -> list[Check]:
    return [check_fullscreen(config_path), check_unit(unit, root), check_autologin(root), check_getty(root),
            check_vt_switching(root), check_sysrq(root)]


def run(args: argparse.Namespace) -> int:
    try:
        found = checks(args.config, args.unit, Path(args.root))
    except SystemExit as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for c in found:
        if args.json:
            print(json.dumps(asdict(c), ensure_ascii=False))
        else:
            mark = {True: "ok ", False: "FIX", None: "?  "}[c.ok]
            print(f"{mark} {c.check:13} {c.detail}" + (f"\n    fix: {c.fix}" if c.ok is not True and c.fix else ""))
    return 1 if any(c.ok is False for c in found) else 0
