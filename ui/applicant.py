"""The clerk's applicant panel: the card the person at the window placed on the reader.

Masked by default (GB/T 35273-2020: names keep their first character, numbers their first and last four,
the birth date its year); the clerk, who must check the card against the person (a 2016 notice of eight
ministries, docs/privacy.md "The rules"), **presses and holds** "show" to see the full values and
the photo; letting go masks them again. The panel shows the card type, the validity (长期 = no expiry) and
warns about an expired card. It never stores anything: ``show_identity(None)`` forgets what it showed.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout

from core.domain import Identity
from core.services.identity import applicant_fields
from ui.texts import Texts
from ui.widgets import Banner, button, label

# (field label key, ApplicantFields attribute); rows with an empty value are hidden
ROWS = (
    ("idcard.field.card_type", "card_type"),
    ("idcard.field.name", "name"),
    ("idcard.field.english_name", "english_name"),
    ("idcard.field.id_number", "id_number"),
    ("idcard.field.sex", "sex"),
    ("idcard.field.birth_date", "birth_date"),
    ("idcard.field.nationality", "nationality"),
    ("idcard.field.pass_number", "pass_number"),
    ("idcard.field.valid_to", "validity"),
)


class ApplicantPanel(QFrame):
    def __init__(self, texts: Texts, today) -> None:
        """``today``: a callable giving the hall's date (for the expiry check)."""
        super().__init__()
        self.setObjectName("applicant-panel")
        self.texts = texts
        self.today = today
        self.identity: Identity | None = None
        self.unmasked = False
        self.status_text = ""  # the reader's state or last error, when no card is shown
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 4)
        top = QHBoxLayout()
        self.title = texts.bind(label("", "muted"), "ui.applicant.title")
        self.show_button = texts.bind(button("", name="applicant-show"), "ui.applicant.show")
        self.show_button.setProperty("compact", True)
        self.show_button.setAutoRepeat(False)
        self.show_button.pressed.connect(lambda: self._set_unmasked(True))
        self.show_button.released.connect(lambda: self._set_unmasked(False))
        top.addWidget(self.title, 1)
        top.addWidget(self.show_button)
        box.addLayout(top)
        self.warning = Banner()
        self.warning.setObjectName("applicant-warning")
        box.addWidget(self.warning)
        body = QHBoxLayout()
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(2)
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for row, (key, attr) in enumerate(ROWS):
            name = texts.bind(label("", "muted", wrap=False), key)
            value = label("", "", wrap=False)
            value.setObjectName(f"applicant-{attr}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)  # no copying
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(value, row, 1)
            self.labels[attr], self.values[attr] = name, value
        body.addLayout(self.grid, 1)
        self.photo = label("", "muted", align=Qt.AlignmentFlag.AlignCenter)
        self.photo.setObjectName("applicant-photo")
        self.photo.setFixedSize(120, 148)
        self.photo.setWordWrap(True)
        body.addWidget(self.photo)
        box.addLayout(body)
        self.empty = label("", "notice")
        self.empty.setObjectName("applicant-empty")
        self.empty.setWordWrap(True)
        box.addWidget(self.empty)
        texts.changed.connect(lambda _: self._refresh())
        self._refresh()

    def show_identity(self, identity: Identity | None) -> None:
        """Shows a newly placed card masked (None: clears the panel)."""
        self.identity = identity
        self.unmasked = False
        self._refresh()

    def show_status(self, text: str) -> None:
        """The reader's state or last error, shown while no card is on the panel."""
        self.status_text = text
        self._refresh()

    def _set_unmasked(self, unmasked: bool) -> None:
        self.unmasked = unmasked and self.identity is not None
        self._refresh()

    def _refresh(self) -> None:
        t = self.texts
        identity = self.identity
        self.show_button.setEnabled(identity is not None)
        has_card = identity is not None
        for attr in self.values:
            self.labels[attr].setVisible(has_card)
            self.values[attr].setVisible(has_card)
        self.photo.setVisible(has_card)
        self.empty.setVisible(not has_card)
        if identity is None:
            self.empty.setText(self.status_text or t("ui.applicant.empty"))
            self.warning.clear_text()
            self.photo.clear()
            for value in self.values.values():
                value.setText("")
            return
        f = applicant_fields(identity, self.today(), unmasked=self.unmasked)
        validity = t("ui.applicant.validity", start=f.valid_from or "—",
                     end=f.valid_to if f.valid_to is not None else t("idcard.no_expiry"))
        shown = {
            "card_type": t(f.card_type_key), "name": f.name, "english_name": f.english_name,
            "id_number": f.id_number, "sex": t(f.sex_key), "birth_date": f.birth_date,
            "nationality": f.nationality, "pass_number": f.pass_number, "validity": validity,
        }
        for attr, text in shown.items():
            self.values[attr].setText(text)
            visible = bool(text)
            self.labels[attr].setVisible(visible)
            self.values[attr].setVisible(visible)
        if f.expired:
            self.warning.show_text(t("ui.applicant.expired", date=f.valid_to), "problem")
        else:
            self.warning.clear_text()
        self._show_photo(identity)

    def _show_photo(self, identity: Identity) -> None:
        """The card's photo only while unmasked (it is sensitive personal data); "unavailable" without
        a configured vendor decoder."""
        if not identity.photo_available:
            self.photo.setPixmap(QPixmap())
            self.photo.setText(self.texts("idcard.photo.unavailable"))
            return
        if not self.unmasked:
            self.photo.setPixmap(QPixmap())
            self.photo.setText("")
            return
        picture = QPixmap()
        if picture.loadFromData(identity.photo_image):
            self.photo.setPixmap(picture.scaled(self.photo.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.SmoothTransformation))
        else:
            self.photo.setText(self.texts("idcard.photo.unavailable"))
