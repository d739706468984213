"""Sample staff photos for the demo's evaluation pad: a drawn head-and-shoulders portrait per staff id.

A hall loads its staff's real photos with ``kiosk hall-admin staff-photo`` (hall_server/staff_photos.py);
the demo has no real people, so it draws one portrait per sample clerk — a face, hair and a uniform in
colours taken from the staff id — enough to show where the photo goes and that it travels from the
platform to the pad.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw

SIZE = (240, 300)
UNIFORMS = ((31, 58, 104), (40, 70, 60), (70, 50, 90), (30, 30, 40))
HAIR = ((25, 20, 18), (45, 32, 25), (60, 45, 35))
SKIN = ((236, 200, 170), (225, 185, 150), (214, 172, 138))


def sample_portrait(staff_id: str) -> bytes:
    """A PNG portrait for ``staff_id`` (the same id, the same picture)."""
    pick = hashlib.sha256(f"staff portrait {staff_id}".encode()).digest()
    w, h = SIZE
    image = Image.new("RGB", SIZE, (222, 230, 238))
    draw = ImageDraw.Draw(image)
    uniform, hair, skin = UNIFORMS[pick[0] % 4], HAIR[pick[1] % 3], SKIN[pick[2] % 3]
    draw.ellipse((20, 205, w - 20, h + 120), fill=uniform)  # shoulders
    draw.polygon(((w // 2 - 28, 205), (w // 2, 250), (w // 2 + 28, 205)), fill=(245, 245, 245))  # collar
    draw.rectangle((w // 2 - 18, 170, w // 2 + 18, 215), fill=skin)  # neck
    long_hair = pick[3] % 2 == 1
    if long_hair:
        draw.rounded_rectangle((w // 2 - 62, 60, w // 2 + 62, 225), radius=50, fill=hair)
    draw.ellipse((w // 2 - 50, 60, w // 2 + 50, 190), fill=skin)  # face
    draw.chord((w // 2 - 54, 50, w // 2 + 54, 140), 180, 360, fill=hair)  # hair on top
    for dx in (-20, 20):  # eyes
        draw.ellipse((w // 2 + dx - 5, 118, w // 2 + dx + 5, 126), fill=(40, 30, 30))
    draw.arc((w // 2 - 16, 140, w // 2 + 16, 162), 20, 160, fill=(150, 70, 70), width=3)  # smile
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()

