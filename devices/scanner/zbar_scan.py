"""One grey image through libzbar, by pyzbar's ctypes wrapper (``pyzbar.wrapper``), without
``pyzbar.decode``.

pyzbar 0.1.9's ``decode`` raises ``ValueError`` ("4294967295 is not a valid ZBarOrientation") for the
whole image when zbar joins the symbols of a structured-append QR sequence into one result: zbar gives that
result the orientation "unknown" (-1), which the ctypes binding returns unsigned. We do not need the
orientation, so this reads each result's data, type and corners (their convex hull, as pyzbar gives)
and nothing else, with the same calls in the same order as ``pyzbar.decode``.
"""

from __future__ import annotations

from collections.abc import Sequence
from ctypes import c_void_p, cast, string_at

import numpy as np
from pyzbar import wrapper as zb
from pyzbar.locations import convex_hull

_GREY_FOURCC = 808466521  # 'Y800': 8-bit grey


def scan(grey: np.ndarray, symbols: Sequence[zb.ZBarSymbol]) -> list[tuple[bytes, str, tuple]]:
    """``[(data, type name, ((x, y), …)), …]`` for the codes zbar finds in ``grey`` (uint8, 2-D) among
    ``symbols``."""
    pixels = np.ascontiguousarray(grey, dtype=np.uint8).tobytes()
    height, width = grey.shape[:2]
    scanner = zb.zbar_image_scanner_create()
    image = zb.zbar_image_create()
    try:
        for symbol in set(zb.ZBarSymbol).difference(symbols):
            zb.zbar_image_scanner_set_config(scanner, symbol, zb.ZBarConfig.CFG_ENABLE, 0)
        for symbol in symbols:
            zb.zbar_image_scanner_set_config(scanner, symbol, zb.ZBarConfig.CFG_ENABLE, 1)
        zb.zbar_image_set_format(image, _GREY_FOURCC)
        zb.zbar_image_set_size(image, width, height)
        zb.zbar_image_set_data(image, cast(pixels, c_void_p), len(pixels), None)
        if zb.zbar_scan_image(scanner, image) < 0:
            return []
        found = []
        result = zb.zbar_image_first_symbol(image)
        while result:
            data = string_at(zb.zbar_symbol_get_data(result), zb.zbar_symbol_get_data_length(result))
            try:
                name = zb.ZBarSymbol(result.contents.type).name
            except ValueError:  # a symbology this zbar knows and pyzbar does not
                name = str(result.contents.type)
            points = ((zb.zbar_symbol_get_loc_x(result, i), zb.zbar_symbol_get_loc_y(result, i))
                      for i in range(zb.zbar_symbol_get_loc_size(result)))
            found.append((data, name, tuple((int(p.x), int(p.y)) for p in convex_hull(points))))
            result = zb.zbar_symbol_next(result)
        return found
    finally:
        zb.zbar_image_destroy(image)
        zb.zbar_image_scanner_destroy(scanner)
