"""``kiosk diag decode`` and ``kiosk diag scanner`` (kiosk/diag/decode.py, kiosk/diag/scanner.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import cv2
import pytest

from simulators.scanner import ScannerSimulator
from kiosk.cli import main
from tests.decoder_frames import on_scene, qr_bytes_image


@pytest.fixture
def images(tmp_path):
    good = tmp_path / "受理回执.png"  # a non-ASCII path
    cv2.imwrite(str(tmp_path / "tmp.png"), on_scene(qr_bytes_image("预约码YY202611210004560 李䶮".encode())))
    (tmp_path / "tmp.png").rename(good)
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(empty), on_scene(qr_bytes_image(b"x")[:5, :5]))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    return good, empty, broken


@pytest.mark.parametrize("backend", ["zxing", "zbar"])
def test_decode_prints_one_json_line_per_image(images, capsys, backend):
    good, empty, _ = images
    assert main(["diag", "decode", str(good), str(empty), "--backend", backend, "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["path"] for line in lines] == [str(good), str(empty)]
    assert lines[0]["codes"] == [{"text": "预约码YY202611210004560 李䶮", "format": "QRCode"}]
    assert lines[1]["codes"] == []
    assert all(isinstance(line["ms"], float) and line["ms"] >= 0 for line in lines)


def test_decode_plain_output_and_unreadable_images(images, capsys):
    good, _, broken = images
    missing = good.parent / "missing.png"
    assert main(["diag", "decode", str(broken), str(missing), str(good)]) == 2
    out, err = capsys.readouterr()
    assert "预约码YY202611210004560 李䶮" in out and "QRCode" in out
    errors = err.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("kiosk diag decode: ") for line in errors)
    assert "Traceback" not in err


def test_decode_as_a_separate_process_has_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kiosk", "diag", "decode", str(tmp_path / "nope.png")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def _send_when_connected(sim: ScannerSimulator, payloads: list[bytes]) -> threading.Thread:
    def send():
        if sim.wait_connected(5.0):
            # pyserial's socket:// open() ends by discarding whatever has already arrived
            # (reset_input_buffer): give it a moment, as a person takes a moment to present a code
            time.sleep(0.3)
            for raw in payloads:
                sim.send_raw(raw)

    thread = threading.Thread(target=send, name="test-sender")
    thread.start()
    return thread


def test_scanner_prints_each_payload_escaped_with_its_class(capsys):
    """GIVEN the scanner simulator WHEN it sends an appointment code, a hostile code with an escape
    sequence, garbage and a receipt THEN each code is printed with its class, controls never raw."""
    with ScannerSimulator() as sim:
        sender = _send_when_connected(sim, [
            b"YY202611210001236\r\n",
            b"<script>\x1b[2J</script>\r",
            b"\xff\xfe\r",
            "HALL:R:32010220261121000123\n".encode(),
        ])
        code = main(["diag", "scanner", "--port", sim.url, "--count", "3", "--timeout", "10"])
        sender.join(5)
    assert code == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    lines = [line for line in out.splitlines() if not line.startswith("listening")]
    assert lines[0].split() == ["appointment", "YY202611210001236"]
    assert lines[1].startswith("unknown") and "<script>[2J</script>" in lines[1]  # ESC stripped by the reader
    assert lines[2].startswith("rejected (undecodable)")
    assert lines[3].split() == ["receipt", "HALL:R:32010220261121000123"]


def test_scanner_json_lines(capsys):
    with ScannerSimulator() as sim:
        sender = _send_when_connected(sim, ["DZZZ:YYZZ:91320100MA1XY8K12E:320100000123456\r".encode()])
        assert main(["diag", "scanner", "--port", sim.url, "--json", "--timeout", "10"]) == 0
        sender.join(5)
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["class"] == "e_licence"
    assert record["fields"]["issuer"] == "91320100MA1XY8K12E"


def test_scanner_times_out_with_exit_1(capsys):
    with ScannerSimulator() as sim:
        assert main(["diag", "scanner", "--port", sim.url, "--timeout", "0.5"]) == 1
    assert "no code within 0.5 s" in capsys.readouterr().err


def test_scanner_port_missing_is_one_line_and_exit_2(capsys):
    sim = ScannerSimulator().start()
    url = sim.url
    sim.close()
    assert main(["diag", "scanner", "--port", url, "--timeout", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not found" in err


def test_decode_reads_by_default_what_the_kiosk_camera_reads(tmp_path):
    """GIVEN a kiosk with a camera THEN its live decoder and `kiosk diag decode` without --formats read
    the same formats."""
    from core import config
    from kiosk.adapters import build_frame_decoder_factory
    from kiosk.diag.decode import still_decoder

    cfg = config.parse({
        "role": "citizen", "terminal_id": "K-01", "hall_id": "3201-0042", "data_dir": str(tmp_path / "k"),
        "platform": {"url": "https://127.0.0.1:9", "terminal_secret": "s" * 32},
        "printers": {"ticket": {"url": "virtual://diag-ticket", "width_mm": 80}},
        "devices": {"ticket_printer": "ticket", "camera": f"folder:{tmp_path}"},
    }, source="test")
    frame_decoder = build_frame_decoder_factory(cfg)(None, None)
    assert still_decoder().backend.formats == frame_decoder.decoder.backend.formats == ("QRCode",)


def test_decode_reads_a_dark_mode_code_and_a_whole_sequence(tmp_path, capsys):
    """GIVEN a photo of a phone in dark mode and a picture of a 2-symbol structured-append sequence
    THEN the command prints the dark code, and the sequence as one payload, in its usual JSON."""
    from simulators.qr_symbols import structured_append

    dark = tmp_path / "dark.png"
    cv2.imwrite(str(dark), on_scene(255 - qr_bytes_image("YY202611210001236".encode())))
    first, second = structured_append("办件编号32010220261121000123 李䶮".encode(), 2)
    both = tmp_path / "sequence.png"
    cv2.imwrite(str(both), on_scene(cv2.hconcat([second, first[:second.shape[0], :second.shape[0]]])))
    assert main(["diag", "decode", str(dark), str(both), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["codes"] for line in lines] == [[{"text": "YY202611210001236", "format": "QRCode"}],
                                                [{"text": "办件编号32010220261121000123 李䶮", "format": "QRCode"}]]
