"""``kiosk diag selftest``: does this installation (source or frozen) have every part it needs?

Runs each check in turn and prints one line per check; exits 0 only when all passed. The frozen build is
checked with it (scripts/build-frozen.sh), so a module, a data file or a Qt plugin that PyInstaller left
out shows up here rather than at a hall.

Checks: the message catalogues; Qt offscreen with a CJK font that has rare name characters; a ticket
rendered by the virtual printer whose QR decodes back; a hall server on loopback issuing and calling a
ticket through the signed platform client; the code decoders and OpenCV; the on-screen keyboard's pinyin
index (package data) answering 北京 for beijing and offering 𠮷; the voice pack, espeak-ng and an audio player.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path


def check_catalogues() -> str:
    from core.i18n import LANGUAGES, catalogue

    sizes = {lang: len(catalogue(lang)) for lang in LANGUAGES}
    keys = [set(catalogue(lang)) for lang in LANGUAGES]
    if any(k != keys[0] for k in keys):
        raise RuntimeError("the catalogues do not hold the same keys")
    return ", ".join(f"{lang}: {n} messages" for lang, n in sizes.items())


def check_qt() -> str:
    from ui.selftest import render_check

    return render_check()


def check_printing() -> str:
    import cv2
    import numpy as np
    import zxingcpp

    from devices.printer import open_printer
    from devices.printer.render import render_png
    from core.config import PrinterConfig

    cfg = PrinterConfig(name="selftest", url="virtual://selftest", width_mm=80)
    printer = open_printer(cfg)
    try:
        from kiosk.diag.print import sample_slip

        slip = sample_slip(tracking_code="SELFTEST-TRACK-䶮")
        printer.print_ticket(slip)
        job = printer.jobs[-1]
    finally:
        printer.close()
    png = render_png(job, cfg.dots)
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None or image.shape[1] != cfg.dots:
        raise RuntimeError("the rendered ticket is not an image of the head's width")
    texts = [r.text for r in zxingcpp.read_barcodes(image)]
    if slip.ticket.tracking_code not in texts:
        raise RuntimeError(f"the ticket's QR did not decode back (read {texts})")
    return f"{len(job)} bytes, {image.shape[1]}x{image.shape[0]} px, QR reads back"


def check_platform_link() -> str:
    """The terminal's signed HTTP stack, frozen or not: the real ``PlatformClient`` asks a loopback peer for
    the hall; the peer checks the request's signature with ``core.signing`` and answers a hall, which the
    client reads through its strict parser. A terminal's installation carries no hall server, so this peer
    (the standard library's HTTP server, on 127.0.0.1 for the duration of the check) is the other end."""
    import json as json_
    import secrets
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from core import signing
    from platform_client import PlatformClient

    secret = secrets.token_hex(16)
    hall = {"id": "selftest", "name": "自检大厅 䶮", "name_en": "Self-test hall", "timezone": "Asia/Shanghai",
            "elderly_priority_age": 70, "windows": [{"number": 1, "services": ["A"], "name": ""}],
            "services": [{"prefix": "A", "name": "综合受理", "name_en": "General", "department": "", "daily_cap": 0,
                          "priority_weight": 1, "issuing_hours": [], "available": True, "waiting": 0}]}
    seen: list[bool] = []

    class Peer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            h = self.headers
            seen.append(signing.verify(secret, "GET", self.path, h.get(signing.HEADER_TIMESTAMP, ""),
                                       h.get(signing.HEADER_NONCE, ""), b"", h.get(signing.HEADER_SIGNATURE, "")))
            body = json_.dumps(hall, ensure_ascii=False).encode("utf-8") if seen[-1] else b'{"reason":"bad"}'
            self.send_response(200 if seen[-1] else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # the self-test prints its own line
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="selftest-platform-peer", daemon=True)
    thread.start()
    try:
        with PlatformClient(f"http://127.0.0.1:{server.server_port}", "SELFTEST-K", secret, timeout_s=5) as client:
            info = client.hall_info()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    if not seen or not all(seen):
        raise RuntimeError("the request's signature did not verify")
    if info.name != hall["name"]:
        raise RuntimeError(f"the hall read back as {info.name!r}")
    return f"signed request verified, hall {info.name} read back over HTTP"


def check_decoders() -> str:
    import cv2
    import numpy as np
    import qrcode
    import zxingcpp
    from pyzbar import pyzbar

    image = np.array(qrcode.make("自检 selftest").convert("L"))
    zx = [r.text for r in zxingcpp.read_barcodes(image)]
    zb = pyzbar.decode(image)
    if not zx or not zb:
        raise RuntimeError(f"zxing-cpp read {zx}, zbar read {len(zb)} codes")
    from importlib.metadata import PackageNotFoundError, version

    try:
        zx_version = version("zxing-cpp")
    except PackageNotFoundError:  # a frozen build without the distribution's metadata
        zx_version = getattr(zxingcpp, "__version__", "(version unknown)")
    return f"zxing-cpp {zx_version}, zbar loaded, OpenCV {cv2.__version__}"


def check_pinyin() -> str:
    from core.services.pinyin_ime import PinyinEngine

    started = time.perf_counter()
    engine = PinyinEngine.load()
    loaded_ms = (time.perf_counter() - started) * 1000
    first = engine.candidates("beijing")[0].text
    if first != "北京" or "\U00020BB7" not in [c.text for c in engine.candidates("ji")]:
        raise RuntimeError(f"beijing gave {first!r}, or ji lacks U+20BB7")
    return f"index of {len(engine.syllables)} syllables loaded in {loaded_ms:.0f} ms, beijing → {first}"


def check_voice() -> str:
    """The voice (docs/voice.md): the generated pack is there (the frozen build carries it), a call
    announcement is composed from its recordings alone, espeak-ng and an audio player are installed."""
    from core.ports.voice import Code, Count, Key
    from devices.audio import find_sink, open_renderer
    from devices.audio.compose import plan
    from core.config_voice import VoiceConfig
    from kiosk.voice import default_pack_dir

    renderer = open_renderer(VoiceConfig(), default_pack_dir())
    problem = renderer.problem()
    if problem:
        raise RuntimeError(problem)
    call = [Key("queue.call.announce", {"number": Code("A012"), "window": Count(3)})]
    missing = [p.name for p in plan(call, "zh_CN") if renderer.pack.path(p, "zh_CN") is None]
    if missing:
        raise RuntimeError(f"the voice pack lacks {', '.join(missing)}")
    sink = find_sink()
    if sink is None:
        raise RuntimeError("no audio player (install alsa-utils or pulseaudio-utils)")
    return f"pack {renderer.pack.generated}, {renderer.engine.version()}, player {sink.name}"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("catalogues", check_catalogues),
    ("qt", check_qt),
    ("printing", check_printing),
    ("platform-link", check_platform_link),
    ("decoders", check_decoders),
    ("pinyin", check_pinyin),
    ("voice", check_voice),
]


def run(args: argparse.Namespace) -> int:
    failed = 0
    for name, check in CHECKS:
        if args.only and name not in args.only:
            continue
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # a self-test reports every failure, whatever its type
            detail, ok = f"{type(exc).__name__}: {exc}", False
            if args.verbose:
                traceback.print_exc()
        ms = (time.perf_counter() - started) * 1000
        failed += not ok
        if args.json:
            print(json.dumps({"check": name, "ok": ok, "detail": detail, "ms": round(ms, 1)}, ensure_ascii=False))
        else:
            print(f"{'ok  ' if ok else 'FAIL'} {name:<12} {detail} ({ms:.0f} ms)")
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("selftest", help="check that this installation has every part it needs")
    parser.add_argument("--json", action="store_true", help="one JSON object per check")
    parser.add_argument("--only", nargs="*", choices=[name for name, _ in CHECKS], help="run only these checks")
    parser.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failures")
    parser.set_defaults(func=run)
