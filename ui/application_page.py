"""Parts of the clerk's application page (ui/materials_panel.py): matter search, the form column, the paper bar.

    search = MatterSearch(texts)         # a line to type in and the matters found (presenter.search / hits)
    search.query.connect(presenter.search); search.chosen.connect(presenter.choose_code)
    column = FormColumn(texts)           # the chosen matter's form (FormView, normal size) or why there is none
    column.show_intake(presenter.intake)
    bar = PaperBar(texts)                # the case number and the receipt's fate, with "reprint"

Views only: what they show is ``ApplicationPresenter``'s (core/presenters/application.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout,
                               QWidget)

from core.presenters.application_form import IntakeForm
from ui.form_view import FormView
from ui.texts import Texts
from ui.widgets import Banner, button, label


class MatterSearch(QFrame):
    """Any matter by characters, pinyin or initials; a click (or Enter) on a hit chooses it."""

    query = Signal(str)
    chosen = Signal(str)  # the matter's code

    def __init__(self, texts: Texts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matter-search")
        self.line = QLineEdit()
        self.line.setObjectName("matter-search-line")
        self.line.setClearButtonEnabled(True)
        texts.bind(self.line, "application.search.placeholder", setter="setPlaceholderText")
        texts.bind(self.line, "application.search.placeholder", setter="setAccessibleName")
        self.hits = QListWidget()
        self.hits.setObjectName("matter-hits")
        self.hits.setMaximumHeight(96)
        self.hits.setWordWrap(True)
        self.hits.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.hits.hide()
        self.none = texts.bind(label("", "muted"), "application.search.none")
        self.none.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.line, self.hits, self.none):
            layout.addWidget(widget)
        self.line.textChanged.connect(self.query.emit)
        self.line.returnPressed.connect(self._first)
        self.hits.itemActivated.connect(self._pick)
        self.hits.itemClicked.connect(self._pick)

    def show_hits(self, hits, searching: bool) -> None:
        self.hits.clear()
        for hit in hits:
            item = QListWidgetItem(hit.text)
            item.setData(Qt.ItemDataRole.UserRole, hit.code)
            self.hits.addItem(item)
        self.hits.setVisible(bool(hits))
        self.none.setVisible(searching and not hits)

    def _first(self) -> None:
        if self.hits.count():
            self._pick(self.hits.item(0))

    def _pick(self, item: QListWidgetItem) -> None:
        code = item.data(Qt.ItemDataRole.UserRole)
        self.line.blockSignals(True)
        self.line.clear()
        self.line.blockSignals(False)
        self.show_hits([], False)
        self.chosen.emit(code)


class FormColumn(QFrame):
    """The chosen matter's form beside the checklist, or why there is none."""

    def __init__(self, texts: Texts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("form-column")
        self.setMinimumWidth(320)
        self.texts = texts
        self.note = label("", "notice")
        self.note.setObjectName("form-note")
        self.note.hide()
        self.view: FormView | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.note)
        self.hide()  # until there is a matter (show_intake)

    def show_intake(self, intake: IntakeForm | None) -> None:
        if self.view is not None:
            self._layout.removeWidget(self.view)
            self.view.hide()
            self.view.deleteLater()
            self.view = None
        if intake is not None and intake.form is not None:
            self.view = FormView(intake.form, texts=self.texts, large=False)
            self._layout.addWidget(self.view, 1)
        self.note_for(intake)

    def note_for(self, intake: IntakeForm | None, extra: str = "") -> None:
        text = extra
        if intake is not None and intake.form is None and not extra:
            key = "application.form.none" if intake.usable else "application.form.unusable"
            text = self.texts(key)
        self.note.setText(text)
        self.note.setVisible(bool(text))
        # Before a matter is chosen there is nothing to show: the camera takes the column's width meanwhile.
        self.setVisible(self.view is not None or bool(text))


class PaperBar(QFrame):
    """After a record was saved: its case number (or 待同步) and the paper's fate; "reprint" on a fault."""

    def __init__(self, texts: Texts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paper-bar")
        self.banner = Banner()
        self.banner.setObjectName("paper-result")
        # The case number and the paper's fate wrap to two or three lines in the narrow column: the bar
        # takes the height its text needs instead of clipping it.
        self.banner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        self.reprint = texts.bind(button("", name="reprint"), "application.action.reprint")
        self.reprint.setProperty("compact", True)
        self.reprint.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner, 1)
        layout.addWidget(self.reprint)
        self.hide()

    def show_result(self, text: str, role: str, can_reprint: bool) -> None:
        if text:
            self.banner.show_text(text, role)
        else:
            self.banner.clear_text()
        self.reprint.setVisible(can_reprint)
        self.setVisible(bool(text))


class ProxyBox(QFrame):
    """代领人: one row (the title and 登记代领人) while nobody is registered, so the column keeps its room for
    the checklist; the people registered, masked, below it; the prompt or the refusal while there is one.
    "register" arms the window's reader for the next card (``ProxyRegister``,
    core/presenters/application_proxy.py)."""

    def __init__(self, texts: Texts, proxies, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("proxy-box")
        self.proxies = proxies
        self.title = texts.bind(label("", "muted", wrap=False), "application.proxy.title")
        self.rows = QListWidget()
        self.rows.setObjectName("proxy-rows")
        self.rows.setMaximumHeight(84)
        self.rows.hide()
        self.prompt = Banner()
        self.prompt.setObjectName("proxy-prompt")
        self.prompt.hide()
        self.add = texts.bind(button("", name="proxy-add"), "application.proxy.add")
        texts.bind(self.add, "application.proxy.none", setter="setToolTip")
        self.cancel = texts.bind(button("", name="proxy-cancel"), "application.proxy.cancel")
        self.remove = texts.bind(button("", name="proxy-remove"), "application.proxy.remove")
        for b in (self.add, self.cancel, self.remove):
            b.setProperty("compact", True)
        self.cancel.hide()
        self.remove.hide()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        for b in (self.add, self.cancel, self.remove):
            head.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.rows)
        layout.addWidget(self.prompt)
        self.add.clicked.connect(proxies.arm)
        self.cancel.clicked.connect(proxies.disarm)
        self.remove.clicked.connect(lambda: proxies.remove(self.rows.currentRow()))
        self.refresh()

    def refresh(self) -> None:
        view = self.proxies.view()
        self.rows.clear()
        self.rows.addItems(list(view.rows))
        self.rows.setVisible(bool(view.rows))
        self.remove.setVisible(bool(view.rows) and not view.waiting)
        self.add.setVisible(not view.waiting)
        self.add.setEnabled(view.can_add)
        self.cancel.setVisible(view.waiting)
        if view.waiting:
            self.prompt.show_text(self.proxies.tr("application.proxy.waiting"), "notice")
        elif view.problem:
            self.prompt.show_text(view.problem, "problem")
        else:
            self.prompt.clear_text()
        self.prompt.setVisible(view.waiting or bool(view.problem))
