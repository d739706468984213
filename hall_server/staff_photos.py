"""Staff photos for the evaluation pad (评价器): the citizen sees who serves them (docs/evaluation.md).

The 好差评 rules ask the pad to show the clerk being evaluated — name, staff number and photo — so the
citizen knows whom they rate. The platform keeps one photo per staff member, set by the hall's admin:

    kiosk hall-admin --db DB staff-photo S1001 photo.jpg      # JPEG or PNG, at most 256 KB
    kiosk hall-admin --db DB staff-photo S1001 --remove

and a clerk terminal fetches the photo of the clerk logged in to it (``GET /v1/clerk/photo``, the
session's own staff member only, as base64 in JSON). The image is checked by its signature and size, not
trusted by its name; a staff member without a photo is answered ``not_found`` (the pad draws a
silhouette). A photo is staff data the pad shows publicly, not citizens' data: it is not sealed.
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

from hall_server.problems import HallError

MAX_BYTES = 256 * 1024
KINDS = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS staff_photos (
    staff_id TEXT PRIMARY KEY, image BLOB NOT NULL, media_type TEXT NOT NULL);
"""


def media_type(image: bytes) -> str:
    """The image's type by its signature. ValueError when it is neither JPEG nor PNG, or too large."""
    if len(image) > MAX_BYTES:
        raise ValueError(f"a staff photo is at most {MAX_BYTES // 1024} KB (this one is {len(image) // 1024} KB)")
    for magic, kind in KINDS.items():
        if image.startswith(magic):
            return kind
    raise ValueError("a staff photo is a JPEG or PNG image")


def set_photo(hall_store, staff_id: str, image: bytes | None) -> None:
    """Keeps (or with None removes) the photo of ``staff_id``. ValueError: no such staff, or not an image."""
    with hall_store._write() as con:
        if con.execute("SELECT 1 FROM staff WHERE staff_id = ?", (staff_id,)).fetchone() is None:
            raise ValueError(f"no staff member {staff_id}")
        if image is None:
            con.execute("DELETE FROM staff_photos WHERE staff_id = ?", (staff_id,))
            return
        con.execute("INSERT INTO staff_photos VALUES (?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET "
                    "image = excluded.image, media_type = excluded.media_type", (staff_id, image, media_type(image)))


def photo_of_session(hall_store, *, terminal_id: str, token: str | None) -> dict:
    """The photo of the clerk whose session this is. ``HallError``: the session's; ``not_found`` without one."""
    with hall_store._write() as con:
        session = hall_store._session(con, terminal_id, token)
    row = hall_store._con().execute("SELECT image, media_type FROM staff_photos WHERE staff_id = ?",
                                    (session["staff_id"],)).fetchone()
    if row is None:
        raise HallError("not_found", "no photo of this staff member")
    return {"staff_id": session["staff_id"], "media_type": row[1], "photo": base64.b64encode(row[0]).decode("ascii")}


def register(sub) -> None:
    parser = sub.add_parser("staff-photo", help="set or remove the photo the evaluation pad shows of a clerk")
    parser.add_argument("staff_id")
    parser.add_argument("file", nargs="?", help="a JPEG or PNG of at most 256 KB")
    parser.add_argument("--remove", action="store_true", help="remove the photo (the pad shows a silhouette)")


def command(store, args: argparse.Namespace) -> int:
    if args.remove == bool(args.file):
        print("error: give a photo file, or --remove", file=sys.stderr)
        return 1
    try:
        image = None if args.remove else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    set_photo(store, args.staff_id, image)
    print(f"{args.staff_id}: photo " + ("removed" if image is None else f"kept ({len(image) // 1024} KB)"))
    return 0
