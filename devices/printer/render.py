"""``render_png(job, width_dots)``: what a thermal printer would put on paper for an ESC/POS job.

An interpreter for the commands our layouts send (commands.py splits the bytes): text in the printer's
encoding with Chinese mode (``FS &`` / ``FS .``), sizes (``ESC !``, ``GS !``), bold (``ESC E``),
justification (``ESC a``), line feeds and spacing (``LF``, ``ESC d``, ``ESC J``, ``ESC 2``/``ESC 3``),
raster images (``GS v 0``), native QR codes (``GS ( k``: the real symbol is drawn with the qrcode
package from the stored data, module size and error correction), and cuts (``GS V``, drawn as a dashed
line). Characters are drawn with the CJK font in the printer's cell grid (glyphs.py), so ``䶮`` renders.

The PNG is exactly ``width_dots`` wide (1 dot = 1 pixel), black on white. The demo shows it as the
ticket that came out; tests decode its QR code and compare its layout. With ``strict`` (the default) a
command the interpreter does not know raises ``DeviceNotSupported`` naming its offset.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import qrcode
from PIL import Image, ImageDraw

from devices.printer import glyphs
from devices.printer.commands import Command, parse
from core.errors import DeviceNotSupported

DEFAULT_LINE_SPACING = 30  # dots per line feed at power-on (ESC 2)
MARGIN = 8  # blank dots above the first line
_QR_EC = {0x30: qrcode.constants.ERROR_CORRECT_L, 0x31: qrcode.constants.ERROR_CORRECT_M,
          0x32: qrcode.constants.ERROR_CORRECT_Q, 0x33: qrcode.constants.ERROR_CORRECT_H}
# Commands that change nothing on paper here (colour, density, font B…): accepted and ignored.
_IGNORED = {"cr", "codepage", "font", "double_strike", "underline", "invert", "smooth", "flip", "density",
            "colour", "char_spacing", "charset", "status", "asb", "hri_position", "hri_font",
            "barcode_height", "barcode_width", "fs_mode", "gs_paren"}


@dataclass
class _State:
    align: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    chinese: bool = False
    spacing: int = DEFAULT_LINE_SPACING
    qr_size: int = 3
    qr_ec: int = 0x30
    qr_data: bytes = b""


@dataclass
class _Paper:
    width: int
    encoding: str
    blocks: list[Image.Image] = field(default_factory=list)
    line: list[Image.Image] = field(default_factory=list)
    x: int = 0
    state: _State = field(default_factory=_State)

    def feed(self, dots: int) -> None:
        if dots > 0:
            self.blocks.append(Image.new("L", (self.width, dots), 255))

    def place(self, image: Image.Image) -> None:
        """A block as wide as it is, justified (ESC a applies to images as to text)."""
        row = Image.new("L", (self.width, image.height), 255)
        free = max(0, self.width - image.width)
        row.paste(image, (free * self.state.align // 2, 0))
        self.blocks.append(row)

    def add_text(self, text: str) -> None:
        s = self.state
        for char in text:
            g = glyphs.glyph(char, s.width, s.height, s.bold)
            if self.x + g.width > self.width:  # the printer wraps a full line by itself
                self.end_line()
            self.line.append(g)
            self.x += g.width

    def end_line(self) -> None:
        """LF: prints the line buffer and feeds one line (at least the height of the tallest character)."""
        height = max((g.height for g in self.line), default=0)
        if self.line:
            strip = Image.new("L", (self.x, height), 255)
            x = 0
            for g in self.line:
                strip.paste(g, (x, height - g.height))
                x += g.width
            self.place(strip)
        self.feed(max(self.state.spacing - height, 0) if self.line else self.state.spacing)
        self.line, self.x = [], 0

    def flush(self) -> None:
        if self.line:
            self.end_line()

    def cut(self) -> None:
        self.flush()
        mark = Image.new("L", (self.width, 9), 255)
        draw = ImageDraw.Draw(mark)
        for x in range(0, self.width, 12):
            draw.line([(x, 4), (x + 6, 4)], fill=0, width=1)
        self.blocks.append(mark)


def _raster(cmd: Command) -> Image.Image:
    m, width_bytes, height = cmd.args
    image = Image.frombytes("1", (width_bytes * 8, height), cmd.data)  # bit 1 = dot = black
    image = Image.eval(image.convert("L"), lambda v: 255 - v)
    if m & 1 or m & 2:
        image = image.resize((image.width * (2 if m & 1 else 1), image.height * (2 if m & 2 else 1)))
    return image


def _qr(state: _State) -> Image.Image:
    code = qrcode.QRCode(box_size=state.qr_size, border=0, error_correction=_QR_EC.get(state.qr_ec, 0))
    code.add_data(state.qr_data)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def _apply(paper: _Paper, cmd: Command, strict: bool) -> None:
    s = paper.state
    name = cmd.name
    if name == "text":
        if s.chinese:
            text = cmd.data.decode(paper.encoding, errors="replace")
        else:
            text = cmd.data.decode("cp437", errors="replace")
        paper.add_text(text)
    elif name == "lf":
        paper.end_line()
    elif name == "init":
        paper.flush()
        paper.state = _State()
    elif name == "align":
        s.align = cmd.args[0] % 48 if cmd.args[0] >= 48 else min(cmd.args[0], 2)
    elif name == "bold":
        s.bold = bool(cmd.args[0] & 1)
    elif name == "print_mode":  # ESC ! n: bit 3 bold, bit 4 double height, bit 5 double width
        n = cmd.args[0]
        s.bold, s.height, s.width = bool(n & 0x08), 2 if n & 0x10 else 1, 2 if n & 0x20 else 1
    elif name == "size":  # GS ! n: high nibble width - 1, low nibble height - 1
        s.width, s.height = (cmd.args[0] >> 4) + 1, (cmd.args[0] & 0x0F) + 1
    elif name == "chinese_on":
        s.chinese = True
    elif name == "chinese_off":
        s.chinese = False
    elif name == "line_spacing":
        s.spacing = DEFAULT_LINE_SPACING if cmd.args[0] < 0 else cmd.args[0]
    elif name == "feed_lines":
        paper.flush()
        paper.feed(cmd.args[0] * s.spacing)
    elif name == "feed_dots":
        paper.flush()
        paper.feed(cmd.args[0])
    elif name == "raster":
        paper.flush()
        paper.place(_raster(cmd))
    elif name == "qr":
        _qr_command(paper, cmd)
    elif name == "cut":
        paper.cut()
    elif name in _IGNORED:
        pass
    elif strict:
        raise DeviceNotSupported(f"cannot render {name} command {cmd.raw[:4].hex(' ')} at byte {cmd.offset}",
                                 device="ticket_printer")


def _qr_command(paper: _Paper, cmd: Command) -> None:
    """GS ( k with cn = 49 (QR): fn 67 size, 69 error correction, 80 store, 81 print (docs/printing.md "QR codes")."""
    s = paper.state
    cn, fn = cmd.args
    if cn != 0x31:
        return
    if fn == 0x43 and cmd.data:
        s.qr_size = cmd.data[0]
    elif fn == 0x45 and cmd.data:
        s.qr_ec = cmd.data[0]
    elif fn == 0x50:
        s.qr_data = cmd.data[1:]  # after m = 0x30
    elif fn == 0x51 and s.qr_data:
        paper.flush()
        paper.place(_qr(s))


def render_image(job: bytes, width_dots: int, *, encoding: str = "gb18030", strict: bool = True) -> Image.Image:
    paper = _Paper(width_dots, encoding)
    paper.feed(MARGIN)
    commands, _ = parse(job)
    for cmd in commands:
        _apply(paper, cmd, strict)
    paper.flush()
    height = sum(b.height for b in paper.blocks)
    image = Image.new("L", (width_dots, max(height, 1)), 255)
    y = 0
    for block in paper.blocks:
        image.paste(block, (0, y))
        y += block.height
    return image


def render_png(job: bytes, width_dots: int, *, encoding: str = "gb18030", strict: bool = True) -> bytes:
    """A PNG of the paper this job would print on a head ``width_dots`` wide (384 or 576)."""
    buffer = io.BytesIO()
    render_image(job, width_dots, encoding=encoding, strict=strict).convert("1").save(buffer, "PNG")
    return buffer.getvalue()
