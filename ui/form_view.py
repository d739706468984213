"""A matter's form on screen: ``FormView`` over a ``FormPresenter`` (core/presenters/form.py).

The view draws one box per field (label and unit, the lock mark and "来自身份证" when the value came from
the ID card, the editor of its kind (ui/form_fields.py), the problem text under it), one page per step with
back/next, and the rows of repeatable groups with add/remove. It holds no state of its own: every change
goes to the presenter, and every ``Changed`` event redraws what it names. ``large=True`` gives the larger
controls of the kiosk's step-by-step pre-application; the clerk's desktop uses the default.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QScrollArea, QStackedWidget, QVBoxLayout, QWidget)

from core.presenters import Changed
from core.presenters.form import FormPresenter
from ui.form_fields import Editor, editor
from ui.texts import Texts
from ui.theme import TOUCH_PX, restyle
from ui.widgets import button, clear_layout, label

# The mark before a prefilled, locked field's source ("✓ 来自身份证"; the editor itself is greyed out): a
# symbol the CJK fonts the product installs all draw — an emoji lock is an empty box without an emoji font,
# which halls rarely install (tests/test_fonts.py checks the mark against the installed font).
LOCK_MARK = "✓"


def _show(widget: QWidget, shown: bool) -> None:
    """Shows or hides a widget only when that changes (a form redraws every field on every keystroke)."""
    if widget.isHidden() == shown:
        widget.setVisible(shown)


class FieldBox(QFrame):
    """One field: label (with unit), lock and source, editor, problem."""

    def __init__(self, view: FormView, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view, self.path = view, path
        presenter = view.presenter
        state = presenter.field(path)
        self.setObjectName(f"box-{path}")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 4)
        box.setSpacing(4)
        head = QHBoxLayout()
        self.caption = label(self._caption(state), wrap=True)
        self.lock = label("", "muted", wrap=False)
        self.lock.setObjectName(f"form-{path}-lock")
        head.addWidget(self.caption, 1)
        head.addWidget(self.lock)
        box.addLayout(head)
        self.editor: Editor = editor(presenter, path, view.texts, state.label, state.kind, state.unit)
        self.caption.setBuddy(self.editor.focus_widget())
        box.addWidget(self.editor)
        self.problem = label("", "problem")
        self.problem.setObjectName(f"form-{path}-problem")
        self.problem.hide()
        box.addWidget(self.problem)
        if view.large:
            for widget in self.editor.findChildren(QWidget):
                widget.setMinimumHeight(TOUCH_PX)
        self.editor.show_value(presenter.value(path))
        self.refresh()

    def _caption(self, state) -> str:
        required = self.view.texts("ui_form.required_mark") if state.required else ""
        return f"{state.label}{required}"

    def refresh(self) -> None:
        state = self.view.presenter.field(self.path)
        self.caption.setText(self._caption(state))
        _show(self, state.shown)
        self.editor.setEnabled(state.enabled)
        self.lock.setText(f"{LOCK_MARK} {state.source}" if state.locked else "")
        _show(self.lock, state.locked)
        if self.problem.text() != state.problem:
            self.problem.setText(state.problem)
        _show(self.problem, bool(state.problem))

    def show_value(self) -> None:
        self.editor.show_value(self.view.presenter.value(self.path))


class GroupBox(QFrame):
    """A repeatable group: its rows of sub-fields, each with "remove this row", and "add a row"."""

    def __init__(self, view: FormView, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view, self.name = view, name
        self.setObjectName(f"form-{name}")
        self.setAccessibleName(view.presenter.label(name))
        self.boxes: list[FieldBox] = []
        self._rows = -1
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 4)
        self.caption = label(view.presenter.label(name), "subtitle")
        box.addWidget(self.caption)
        self.rows_box = QVBoxLayout()
        box.addLayout(self.rows_box)
        self.add = view.texts.bind(button(role="secondary", name=f"form-{name}-add"), "ui_form.add_row")
        self.add.clicked.connect(lambda: view.presenter.add_row(name))
        box.addWidget(self.add)
        self.problem = label("", "problem")
        self.problem.setObjectName(f"form-{name}-problem")
        box.addWidget(self.problem)
        self.refresh()

    def rebuild(self) -> None:
        presenter = self.view.presenter
        for old in self.findChildren(QWidget):
            if old.objectName().startswith(f"form-{self.name}["):
                old.setObjectName("")  # on its way out (deleted later): not to be found by name
        clear_layout(self.rows_box)
        self.boxes = []
        for row in range(presenter.rows(self.name)):
            head = QHBoxLayout()
            head.addWidget(label(presenter.row_label(self.name, row)), 1)
            remove = button(self.view.texts("ui_form.remove_row"), "secondary", name=f"form-{self.name}[{row}]-remove")
            remove.clicked.connect(lambda _=False, row=row: presenter.remove_row(self.name, row))
            head.addWidget(remove)
            self.rows_box.addLayout(head)
            for sub in presenter.sub_fields(self.name):
                field_box = FieldBox(self.view, f"{self.name}[{row}].{sub.name}", self)
                self.boxes.append(field_box)
                self.rows_box.addWidget(field_box)
        self._rows = presenter.rows(self.name)

    def refresh(self) -> None:
        presenter = self.view.presenter
        if presenter.rows(self.name) != self._rows:
            self.rebuild()
        state = presenter.field(self.name)
        _show(self, state.shown)
        self.setEnabled(state.enabled)
        self.problem.setText(state.problem)
        _show(self.problem, bool(state.problem))
        for field_box in self.boxes:
            field_box.refresh()

    def show_value(self) -> None:
        for field_box in self.boxes:
            field_box.show_value()


class FormView(QWidget):
    def __init__(self, presenter: FormPresenter, *, texts: Texts | None = None, large: bool = False,
                 nav: bool = True, parent: QWidget | None = None) -> None:
        """``nav=False``: no back/next of its own (a page that steps through the form with its own buttons,
        as the kiosk's pre-application does, over the same presenter)."""
        super().__init__(parent)
        self.presenter = presenter
        self.nav = nav
        self.texts = texts or Texts(presenter.language, self)
        self.large = large
        self.setObjectName("form-view")
        self.setProperty("large", large)
        outer = QVBoxLayout(self)
        self.step_title = label("", "subtitle")
        self.step_title.setObjectName("form-step")
        outer.addWidget(self.step_title)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages, 1)
        self.boxes: dict[str, FieldBox | GroupBox] = {}
        self._built: set[int] = set()
        for step in range(presenter.steps):
            self.pages.addWidget(self._scroll(step))
        nav = QHBoxLayout()
        self.back = self.texts.bind(button(role="secondary", name="form-back"), "ui_form.back")
        self.next = self.texts.bind(button(role="primary", name="form-next"), "ui_form.next")
        self.back.clicked.connect(presenter.back)
        self.next.clicked.connect(presenter.next)
        nav.addWidget(self.back)
        nav.addWidget(self.next)
        outer.addLayout(nav)
        self.back.setVisible(self.nav)
        if large:
            for widget in (self.back, self.next):
                widget.setMinimumHeight(TOUCH_PX)
        self.texts.changed.connect(self._language_changed)
        self._unsubscribe = presenter.events.subscribe(self._on_event)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self._show_step()

    def _scroll(self, step: int) -> QScrollArea:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setObjectName(f"form-step-{step}")
        return scroll

    def build(self, step: int) -> None:
        """Builds a step's fields; a step is built when first shown, so a long form opens at once."""
        if step in self._built:
            return
        self._built.add(step)
        content = QWidget()
        box = QVBoxLayout(content)
        box.setSpacing(12 if self.large else 6)
        for name in self.presenter.fields(step):
            kind = GroupBox if self.presenter.spec(name).kind == "group" else FieldBox
            field_box = kind(self, name, content)
            self.boxes[name] = field_box
            box.addWidget(field_box)
        box.addStretch(1)
        self.pages.widget(step).setWidget(content)

    def box(self, path: str) -> FieldBox | GroupBox | None:
        """The box of a field (a row's sub-field included), None while its step is not built."""
        if path in self.boxes:
            return self.boxes[path]
        for group in self.boxes.values():
            if isinstance(group, GroupBox):
                for field_box in group.boxes:
                    if field_box.path == path:
                        return field_box
        return None

    def _on_event(self, event: Changed) -> None:
        if event.part == "step":
            self._show_step()
            return
        for field_box in self.boxes.values():
            field_box.refresh()
            if event.part == "values":
                field_box.show_value()

    def _language_changed(self, language: str) -> None:
        """The window switched language: every built step is drawn again in it (values stay in the presenter)."""
        self.presenter.set_language(language)
        for step in list(self._built):
            old = self.pages.widget(step).takeWidget()
            for widget in old.findChildren(QWidget):
                widget.setObjectName("")  # deleted later: not to be found by name meanwhile
            old.deleteLater()
        self._built.clear()
        self.boxes.clear()
        self._show_step()

    def _show_step(self) -> None:
        presenter = self.presenter
        step = presenter.step
        self.build(step)
        self.pages.setCurrentIndex(step)
        self.step_title.setText(self.texts("ui_form.step", n=step + 1, total=presenter.steps,
                                           title=presenter.step_title(step)))
        self.back.setEnabled(step > 0)
        self.next.setVisible(self.nav and step + 1 < presenter.steps)
        restyle(self.step_title)
