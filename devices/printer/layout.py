"""Building ESC/POS jobs through python-escpos, with our own handling of Chinese text.

``JobBuilder`` wraps python-escpos's ``Dummy`` printer (which only collects bytes) and adds what its text
path lacks (docs/printing.md "Chinese text"): every line is encoded here in the printer's encoding and wrapped in
``FS &`` / ``FS .`` (text.py); a line that would not round-trip is printed as a raster image drawn with
the CJK font (glyphs.py). Styles (``GS !`` size, ``ESC E`` bold, ``ESC a`` justification), images
(``GS v 0``), QR codes (``GS ( k``) and the cut (``GS V``) come from python-escpos itself.

    job = JobBuilder(printer_cfg)
    job.text("示例市政务服务中心", align="center", bold=True, height=2)
    job.qr("T-8F3K2", centre=True)
    job.cut()
    data = job.bytes()

Everything here is pure: the same inputs give the same bytes (the golden tests depend on it).
"""

from __future__ import annotations

import copy

from escpos.constants import QR_ECLEVEL_M, QR_MODEL_2
from escpos.printer import Dummy

from devices.printer import glyphs
from devices.printer.text import LF, columns, encode_line, wrap
from core.config import PrinterConfig

# QR module size in dots per printer width: a 20–40 character tracking code (QR version 2–3, 25–29
# modules) stays about 20 mm wide, easy for a phone to scan (docs/printing.md "QR codes": fn 167 size 1–16).
QR_MODULE_DOTS = {58: 5, 80: 6}


class JobBuilder:
    def __init__(self, printer_cfg: PrinterConfig) -> None:
        self.cfg = printer_cfg
        self.dots = printer_cfg.dots
        self.encoding = printer_cfg.encoding
        self._p = Dummy()
        # The profile's data is shared by every printer of that profile: give this one its own copy before
        # telling it the head width (python-escpos needs it to centre images and to reject wide ones).
        self._p.profile.profile_data = copy.deepcopy(self._p.profile.profile_data)
        media = self._p.profile.profile_data.setdefault("media", {})
        media["width"] = {"mm": printer_cfg.width_mm, "pixels": self.dots}
        media["dpi"] = 203
        self._p.hw("INIT")  # ESC @: a known state whatever the previous job left behind

    # --- text -------------------------------------------------------------------------------------

    def style(self, *, align: str = "left", bold: bool = False, width: int = 1, height: int = 1) -> None:
        """Sets size (GS !), bold (ESC E) and justification (ESC a) for the lines that follow."""
        self._p.set(align=align, bold=bold, custom_size=True, width=width, height=height)

    def text(self, text: str, *, align: str = "left", bold: bool = False, width: int = 1,
             height: int = 1) -> None:
        """Prints ``text`` wrapped to the head width at that size; rare characters never become ``?``."""
        self.style(align=align, bold=bold, width=width, height=height)
        for line in wrap(text, columns(self.dots, width)):
            data = encode_line(line, self.encoding)
            if data is None:
                image = glyphs.line_image(line, self.dots, align=align, width_scale=width,
                                          height_scale=height, bold=bold)
                self._p.image(image)
            else:
                self._p._raw(data + LF)

    def rule(self, char: str = "-") -> None:
        """A line across the whole head."""
        self.text(char * columns(self.dots))

    def feed(self, lines: int = 1) -> None:
        self._p.print_and_feed(lines)  # ESC d n

    # --- codes, images, cut --------------------------------------------------------------------------

    def qr(self, data: str, *, image: bool | None = None, module_dots: int | None = None) -> None:
        """A centred QR code (model 2, error correction M).

        Native ``GS ( k`` unless ``image`` (or the printer's ``qr = "image"`` setting) asks for a raster
        image. python-escpos cannot centre a native code (it raises), so justification is set first
        (docs/printing.md "QR codes"). The raster image is centred the same way rather than padded to the full
        head width by python-escpos (``center=True`` would quadruple its bytes on an 80 mm head).
        """
        as_image = self.cfg.qr == "image" if image is None else image
        size = module_dots or QR_MODULE_DOTS.get(self.cfg.width_mm, 6)
        self.style(align="center")
        if as_image:
            self._p.qr(data, ec=QR_ECLEVEL_M, size=size, model=QR_MODEL_2, native=False, center=False)
        else:
            self._p.qr(data, ec=QR_ECLEVEL_M, size=size, model=QR_MODEL_2, native=True)
            self._p._raw(LF)

    def image(self, image) -> None:
        self._p.image(image, center=True)

    def raw(self, data: bytes) -> None:
        self._p._raw(data)

    def cut(self) -> None:
        """Feeds the paper past the cutter and cuts (ESC d 6, then GS V 0 full cut; docs/printing.md "Cutting")."""
        self.style()
        self._p.cut()

    def bytes(self) -> bytes:
        return self._p.output
