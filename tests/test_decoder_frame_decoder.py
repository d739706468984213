"""FrameDecoder (devices/scanner/frame_decoder.py): live preview frames on the decoder's own thread."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np

from devices.scanner.cascade import CodeDecoder
from devices.scanner.frame_decoder import FrameDecoder
from core.errors import DeviceProtocolError
from tests.decoder_frames import on_scene, qr_bytes_image

WAIT_S = 5.0


def test_a_code_held_up_is_reported_once_on_the_decoder_thread():
    """GIVEN a running frame decoder WHEN the camera shows a Chinese code for many frames
    THEN on_codes gets it once, on the decoder's thread, and unchanged frames are skipped."""
    got: queue.Queue = queue.Queue()
    threads = set()

    def on_codes(codes):
        threads.add(threading.current_thread().name)
        got.put([c.text for c in codes])

    frame = on_scene(qr_bytes_image("预约码YY202611210004560 李䶮".encode()))
    with FrameDecoder(on_codes=on_codes) as decoder:
        for _ in range(10):
            decoder.submit(frame.copy())
            assert decoder.idle(WAIT_S)
        assert got.get(timeout=WAIT_S) == ["预约码YY202611210004560 李䶮"]
        assert got.empty()
        assert decoder.skipped >= 8
    assert threads == {"device:frame-decoder"}


def test_stale_frames_are_dropped_and_the_newest_is_decoded():
    """GIVEN a decoder busy with a slow frame WHEN frames keep coming THEN the waiting frame is replaced by
    each newer one (dropped, not queued) and the last one shown is the one decoded."""
    got: queue.Queue = queue.Queue()
    rng = np.random.default_rng(2)
    with FrameDecoder(CodeDecoder(budget_ms=300), on_codes=lambda c: got.put([x.text for x in c])) as decoder:
        for _ in range(6):
            decoder.submit(rng.integers(0, 255, (1080, 1920), dtype=np.uint8))  # no code: slow
        decoder.submit(on_scene(qr_bytes_image(b"HALL:R:32010220261121000123")))
        assert decoder.idle(WAIT_S)
        assert got.get(timeout=WAIT_S) == ["HALL:R:32010220261121000123"]
        assert decoder.dropped >= 4
        assert decoder.decoded < decoder.submitted


def test_a_new_code_is_reported_and_the_same_code_again_after_the_repeat_time():
    got: queue.Queue = queue.Queue()
    a = on_scene(qr_bytes_image(b"YY202611210001236"))
    b = on_scene(qr_bytes_image(b"YY202611210004560"), at=(300, 200))
    with FrameDecoder(on_codes=lambda c: got.put(c[0].text), repeat_s=0.3) as decoder:
        for frame in (a, b, a):
            decoder.submit(frame)
            assert decoder.idle(WAIT_S)
        assert [got.get(timeout=WAIT_S) for _ in range(2)] == ["YY202611210001236", "YY202611210004560"]
        assert got.empty()  # a again, within repeat_s: not reported
        time.sleep(0.35)
        decoder.submit(b)
        assert decoder.idle(WAIT_S)
        assert got.get(timeout=WAIT_S) == "YY202611210004560"


def test_a_bad_frame_is_an_error_and_the_decoder_carries_on():
    errors: queue.Queue = queue.Queue()
    got: queue.Queue = queue.Queue()
    with FrameDecoder(on_codes=lambda c: got.put(c[0].text), on_error=errors.put) as decoder:
        decoder.submit(np.zeros((5, 5), np.float64))
        assert isinstance(errors.get(timeout=WAIT_S), DeviceProtocolError)
        decoder.submit(on_scene(qr_bytes_image(b"YY202611210001236")))
        assert got.get(timeout=WAIT_S) == "YY202611210001236"


def test_stop_is_bounded_and_ends_the_thread():
    decoder = FrameDecoder().start()
    decoder.submit(np.random.default_rng(3).integers(0, 255, (1944, 2592), dtype=np.uint8))
    started = time.monotonic()
    decoder.stop(timeout_s=3.0)
    assert time.monotonic() - started < 3.0
    assert not any(t.name == "device:frame-decoder" for t in threading.enumerate())
