"""The photo the evaluation pad shows of the clerk serving (hall_server/staff_photos.py): set by the hall's
admin with ``kiosk hall-admin staff-photo``, fetched by a clerk terminal for the clerk logged in to it
(``GET /v1/clerk/photo``), against the real hall server on loopback; and the pad showing it (offscreen
Qt, real clicks)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from test_services_queue_support import STAFF_PIN
from test_ui_rating_pad import window  # noqa: F401

from core.services.queue import ClerkQueueService
from hall_server.__main__ import main as hall_admin
from hall_server.staff_photos import MAX_BYTES, set_photo
from simulators.staff_photos import sample_portrait

WAIT_MS = 8000


def jpeg(size=(120, 150), colour=(200, 90, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def test_the_admin_sets_a_photo_and_only_the_clerk_logged_in_gets_their_own(hall, tmp_path, capsys):
    """GIVEN S1003's photo set from a file with hall-admin WHEN S1003 logs in at window 3 THEN the terminal
    gets exactly those bytes; WHEN S1004 (no photo) logs in at window 4 THEN None: the pad draws a silhouette.
    WHEN the photo is removed THEN S1003 gets None too."""
    photo = tmp_path / "s1003.jpg"
    photo.write_bytes(jpeg())
    db = str(hall.server.store.db_path)
    assert hall_admin(["--db", db, "staff-photo", "S1003", str(photo)]) == 0
    assert "S1003: photo kept" in capsys.readouterr().out
    w3 = ClerkQueueService(hall.client("W-03"), 3)
    w3.login("S1003", STAFF_PIN)
    assert w3.staff_photo() == photo.read_bytes()
    w4 = ClerkQueueService(hall.client("W-04"), 4)
    w4.login("S1004", STAFF_PIN)
    assert w4.staff_photo() is None
    assert hall_admin(["--db", db, "staff-photo", "S1003", "--remove"]) == 0
    assert w3.staff_photo() is None


@pytest.mark.parametrize("data, reason", [
    (b"GIF89a" + bytes(100), "JPEG or PNG"),
    (b"\xff\xd8\xff" + bytes(MAX_BYTES), "at most 256 KB"),
    (b"", "JPEG or PNG"),
])
def test_what_is_not_a_photo_of_a_sensible_size_is_refused_and_nothing_kept(hall, data, reason):
    with pytest.raises(ValueError, match=reason):
        set_photo(hall.server.store, "S1003", data)
    assert hall.server.store._con().execute("SELECT COUNT(*) FROM staff_photos").fetchone()[0] == 0


def test_a_photo_for_nobody_and_a_missing_file_are_refused_with_a_message(hall, tmp_path, capsys):
    db = str(hall.server.store.db_path)
    assert hall_admin(["--db", db, "staff-photo", "S9999", str(tmp_path / "none.jpg")]) == 1
    assert "none.jpg" in capsys.readouterr().err
    photo = tmp_path / "x.png"
    photo.write_bytes(sample_portrait("S9999"))
    assert hall_admin(["--db", db, "staff-photo", "S9999", str(photo)]) == 2
    assert "no staff member S9999" in capsys.readouterr().err


def test_without_a_session_no_photo_is_given(hall):
    """The photo is the session's clerk's: a terminal nobody is logged in to gets not_logged_in."""
    from core.domain import ClerkSession
    from core.errors import PlatformRejected

    set_photo(hall.server.store, "S1003", jpeg())
    client = hall.client("W-03")
    with pytest.raises(PlatformRejected):
        client.staff_photo(ClerkSession(window=3, staff_id="S1003", staff_name="陈思远", token="f" * 40))


def test_the_pad_shows_the_photo_of_the_clerk_who_logs_in(qtbot, window, hall):  # noqa: F811
    """GIVEN S1003's photo on the platform WHEN S1003 logs in at window 3 THEN the pad's card shows that
    picture (the pixels of the photo, not the silhouette)."""
    set_photo(hall.server.store, "S1003", jpeg(colour=(10, 200, 30)))
    clerk, pad = window, window.pad.view
    clerk.login_page.staff.setText("S1003")
    clerk.login_page.pin.setText(STAFF_PIN)
    qtbot.mouseClick(clerk.login_page.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pad.presenter.staff is not None and pad.presenter.staff.photo is not None,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not pad.idle_page.photo.pixmap().isNull(), timeout=WAIT_MS)
    image = pad.idle_page.photo.pixmap().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert centre.green() > 150 and centre.red() < 80, "the photo's green, not the grey silhouette"
