"""The WLT photo decoder loader: a vendor library loaded with ctypes, or a clear error and no photo.

The vendor decoders are closed binaries, so the success path is exercised with small stand-in libraries
compiled here from C, with the vendor's calling convention (``unpack(wlt, bmp, 602)``, 1 = success):
they turn the 1024 input bytes into a 102 × 126 picture deterministically, which is what the test checks
came through. The failure paths use real files: none, a text file, a library without the function
(libm), and a library of the file-based kind the product refuses.
"""

from __future__ import annotations

import ctypes.util
import io
import logging
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from devices.idcard.photo import BMP_SIZE, PhotoDecoderError, WltDecoder, load_decoder
from devices.idcard.reader import IdCardReader
from simulators.idcard import IdCardSimulator

DECODER_C = r"""
#include <string.h>
#include <stdio.h>
#define W 102
#define H 126
static void put32(unsigned char *p, unsigned v) { p[0]=v; p[1]=v>>8; p[2]=v>>16; p[3]=v>>24; }
#ifdef FILE_BASED
int GetBmp(const char *file, int port) { return 1; }
#else
int unpack(const unsigned char *wlt, unsigned char *out, int flag) {
    if (flag != 602) return -2;
#ifdef FAIL
    return -1;
#endif
    unsigned char *px = out;
#ifdef WITH_HEADER
    memset(out, 0, 54);
    out[0] = 'B'; out[1] = 'M'; put32(out + 2, 38862); put32(out + 10, 54); put32(out + 14, 40);
    put32(out + 18, W); put32(out + 22, H); out[26] = 1; out[28] = 24; put32(out + 34, 308 * H);
    px = out + 54;
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) { int i = (x + y * W) % 1024; px[y*308 + 3*x] = wlt[i];
            px[y*308 + 3*x + 1] = wlt[i]; px[y*308 + 3*x + 2] = wlt[i]; }
        px[y*308 + 306] = px[y*308 + 307] = 0;
    }
#else
    for (int i = 0; i < W * H; i++) px[3*i] = px[3*i+1] = px[3*i+2] = wlt[i % 1024];
#endif
    return 1;
}
#endif
"""


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("no C compiler to build the stand-in decoder libraries")
    folder = tmp_path_factory.mktemp("wlt")
    source = folder / "decoder.c"
    source.write_text(DECODER_C)

    def make(name: str, *defines: str) -> str:
        target = folder / f"lib{name}.so"
        subprocess.run(["gcc", "-shared", "-fPIC", "-O1", *(f"-D{d}" for d in defines), "-o", str(target),
                        str(source)], check=True, capture_output=True, timeout=60)
        return str(target)

    return make


def wlt_sample() -> bytes:
    return bytes((i * 7) % 256 for i in range(1024))


def grey_at(bmp: bytes, x: int, y: int) -> int:
    image = Image.open(io.BytesIO(bmp))
    assert image.size == (102, 126) and image.mode == "RGB"
    return image.getpixel((x, 125 - y))[0]  # bottom-up rows: row y of the data is 125 - y on screen


@pytest.mark.parametrize("defines", [("WITH_HEADER",), ()], ids=["bmp-with-header", "bare-pixels"])
def test_a_vendor_library_turns_the_blob_into_a_102_by_126_bmp(build, defines):
    decoder = WltDecoder.load(build("wlt2bmp_" + "_".join(defines), *defines))
    wlt = wlt_sample()
    bmp = decoder.decode(wlt)
    assert len(bmp) == BMP_SIZE and bmp[:2] == b"BM"
    for x, y in [(0, 0), (101, 0), (5, 7), (101, 125)]:
        assert grey_at(bmp, x, y) == wlt[(x + y * 102) % 1024]


def test_no_library_at_the_path_is_a_clear_error(tmp_path, caplog):
    missing = tmp_path / "libwlt2bmp.so"
    with pytest.raises(PhotoDecoderError) as caught:
        WltDecoder.load(missing)
    assert str(missing) in caught.value.message("technician", "en")
    caplog.set_level(logging.WARNING)
    assert load_decoder(str(missing)) is None and "photos unavailable" in caplog.text
    assert load_decoder("") is None


def test_a_file_that_is_not_a_library_is_a_clear_error(tmp_path):
    fake = tmp_path / "WltRS.dll"
    fake.write_bytes(b"MZ not really a library")
    with pytest.raises(PhotoDecoderError, match="cannot be loaded"):
        WltDecoder.load(fake)


def test_a_library_without_the_decoder_function_is_a_clear_error():
    name = ctypes.util.find_library("m") or "libm.so.6"
    folders = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/lib64", "/lib")
    path = next((Path(f) / name for f in folders if (Path(f) / name).is_file()), None)
    if path is None:
        pytest.skip("no libm on disk to stand for a wrong library")
    with pytest.raises(PhotoDecoderError, match="none of the decoder functions"):
        WltDecoder.load(path)


def test_a_file_based_decoder_is_refused_because_the_photo_must_stay_in_memory(build):
    with pytest.raises(PhotoDecoderError, match="files on disk"):
        WltDecoder.load(build("wltrs", "FILE_BASED"))


def test_a_decoder_that_fails_leaves_the_photo_unavailable(build):
    decoder = WltDecoder.load(build("wlt_fail", "FAIL"))
    with pytest.raises(PhotoDecoderError, match="returned -1"):
        decoder.decode(wlt_sample())
    with pytest.raises(PhotoDecoderError, match="1024 bytes"):
        decoder.decode(b"short")


@pytest.mark.parametrize("library, available", [("ok", True), ("fail", False), (None, False)])
def test_the_reader_delivers_the_picture_only_when_the_decoder_gives_one(build, library, available):
    """GIVEN a reader with a working decoder, a failing one, or none
    WHEN a card is read
    THEN the identity has the picture, or says the photo is unavailable (never guessed); the WLT blob
    is there either way."""
    decoder = None
    if library == "ok":
        decoder = WltDecoder.load(build("wlt2bmp_ok", "WITH_HEADER"))
    elif library == "fail":
        decoder = WltDecoder.load(build("wlt_fail2", "FAIL"))
    with IdCardSimulator("li_yan", thread_name="idcard-sim-test") as sim:
        started = time.monotonic()
        who = IdCardReader(sim.url, photo_decoder=decoder).read_once(5.0)
        assert time.monotonic() - started < 5.0
    assert who.photo_available is available and len(who.photo) == 1024
    if available:
        assert len(who.photo_image) == BMP_SIZE and grey_at(who.photo_image, 3, 2) == who.photo[3 + 2 * 102]
    else:
        assert who.photo_image is None
