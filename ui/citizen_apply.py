"""The kiosk's self-service pre-application page (自助申报): card → form → materials → review → submit → slip.

A view over ``core.presenters.pre_application.PreApplicationPresenter``: each step is one widget of a
stack; the form is ``FormView(large=True)`` with this page's own back/next (one pair of buttons for the
whole flow), and the on-screen keyboard (ui/pinyin_keyboard.py) below it while a text field has the focus;
the materials step holds the capture panel over the kiosk's document camera (ui/capture_panel.py, a new one
for each pre-application, shut down when it ends) beside the list of materials, and takes e-licence codes
from the scanners. The page redraws the part
the presenter names and tells the window (``home``) when the flow has ended.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QScroller, QStackedWidget,
                               QVBoxLayout, QWidget)

from core.i18n import keys_for
from core.presenters import Changed
from core.presenters.pre_application import PreApplicationPresenter, Step
from ui.form_view import FormView
from ui.texts import Texts
from ui.theme import TOUCH_PX
from ui.widgets import Banner, Page, button, clear_layout, label

CENTER = Qt.AlignmentFlag.AlignCenter
STEP_KEYS = keys_for("pre_apply.step.", Step)
# The steps a citizen counts ("第 2 步，共 5 步"); submitting, done and the problem page are not counted.
COUNTED = (Step.IDENTIFY, Step.FORM, Step.MATERIALS, Step.REVIEW)


class ApplyPage(Page):
    name = "apply"
    home = Signal()  # the flow ended (cancel, done, another person's card): the window goes home

    def __init__(self, texts: Texts, presenter: PreApplicationPresenter, *, camera=None) -> None:
        """``camera``: the kiosk's document camera (None: materials by e-licence code, or at the window)."""
        super().__init__()
        self.texts, self.presenter, self.camera = texts, presenter, camera
        self.form_view: FormView | None = None
        self.capture = None  # ui.capture_panel.CapturePanel of the current pre-application
        self._camera_on = False
        self.title = label("", "subtitle")
        self.title.setObjectName("apply-title")
        self.step_line = label("", "muted")
        self.step_line.setObjectName("apply-step")
        self.cancel_button = texts.bind(button("", name="apply-cancel"), "pre_apply.cancel")
        self.cancel_button.setMaximumWidth(260)
        self.cancel_button.clicked.connect(self._cancel)
        # One line on top (what, which step, cancel): the steps below get the height of a 1280×800 screen.
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.step_line)
        top.addSpacing(16)
        top.addWidget(self.cancel_button)
        self.status = Banner()
        self.views = QStackedWidget()
        self.step_widgets = {Step.IDENTIFY: self._build_identify(), Step.FORM: self._build_form(),
                             Step.MATERIALS: self._build_materials(), Step.REVIEW: self._build_review(),
                             Step.SUBMITTING: self._build_submitting(), Step.DONE: self._build_done(),
                             Step.PROBLEM: self._build_problem()}
        for widget in self.step_widgets.values():
            self.views.addWidget(widget)
        self.back_button = texts.bind(button("", name="apply-back"), "pre_apply.back")
        self.next_button = button("", "primary", name="apply-next")
        self.back_button.clicked.connect(presenter.back)
        self.next_button.clicked.connect(presenter.next)
        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        for widget in (self.back_button, self.next_button):
            widget.setMinimumHeight(TOUCH_PX)
        self.cancel_button.setProperty("compact", True)
        self.box.setContentsMargins(40, 4, 40, 8)
        self.box.setSpacing(10)
        self.box.addLayout(top)
        self.box.addWidget(self.status)
        self.box.addWidget(self.views, 1)
        self.box.addLayout(nav)
        self._unsubscribe = presenter.events.subscribe(self._changed)
        texts.changed.connect(self._language_changed)

    # --- building ------------------------------------------------------------------------------------

    def _build_identify(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        self.identify_text = self.texts.bind(label("", "title", align=CENTER), "pre_apply.identify.title")
        self.identify_hint = self.texts.bind(label("", "muted", align=CENTER), "pre_apply.identify.hint")
        box.addWidget(self.identify_text)
        box.addWidget(self.identify_hint)
        box.addStretch(2)
        return page

    def _build_form(self) -> QWidget:
        page = QWidget()
        self.form_box = QVBoxLayout(page)
        self.form_box.setContentsMargins(0, 0, 0, 0)
        # Below the form: the on-screen keyboard (a kiosk has no keyboard of its own), shown while one of the
        # form's text fields has the focus, hidden by its 完成 or when the step changes.
        from ui.pinyin_keyboard import OnScreenKeyboard

        self.keyboard = OnScreenKeyboard(self.texts)
        self.keyboard.setStyleSheet("QPushButton { padding: 0px 4px; }")  # ten keys a row fit 1280 px
        self.keyboard.hide()
        self.keyboard.installEventFilter(self)  # while it shows, it takes the place of back/next
        self.form_box.addWidget(self.keyboard)
        self.keyboard.follow(page)
        return page

    def _build_materials(self) -> QWidget:
        page = QWidget()
        box = QHBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        side = QVBoxLayout()
        self.materials_hint = self.texts.bind(label("", "muted", wrap=True), "pre_apply.materials.hint")
        side.addWidget(self.materials_hint)
        # The materials, one button each, scrolled by touch when a matter lists more than fit.
        listing = QWidget()
        self.material_list = QVBoxLayout(listing)
        self.material_list.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(listing)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
        side.addWidget(scroll, 1)
        self.scan_message = Banner()
        self.scan_message.setObjectName("apply-scan-message")
        side.addWidget(self.scan_message)
        box.addLayout(side, 2 if self.camera is not None else 3)
        self.capture_box = QVBoxLayout()
        if self.camera is None:
            self.no_camera = self.texts.bind(label("", "muted", align=CENTER), "pre_apply.materials.no_camera")
            self.capture_box.addWidget(self.no_camera)
        box.addLayout(self.capture_box, 3 if self.camera is not None else 2)
        self.material_buttons: dict[str, QPushButton] = {}
        return page

    def _build_review(self) -> QWidget:
        self.review_text = QLabel()
        self.review_text.setObjectName("apply-review")
        self.review_text.setWordWrap(True)
        self.review_text.setTextFormat(Qt.TextFormat.RichText)
        self.review_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.review_text.setStyleSheet("font-size: 18pt;")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.review_text)
        return scroll

    def _build_submitting(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.texts.bind(label("", "title", align=CENTER), "pre_apply.submitting"))
        box.addStretch(1)
        return page

    def _build_done(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.texts.bind(label("", "title", align=CENTER), "pre_apply.done.title"))
        self.done_number = label("", "title", align=CENTER)
        self.done_number.setObjectName("apply-number")
        self.done_slip = label("", "muted", align=CENTER)
        self.done_slip.setObjectName("apply-slip")
        self.done_next = self.texts.bind(label("", align=CENTER), "pre_apply.done.next")
        for widget in (self.done_number, self.done_slip, self.done_next):
            box.addWidget(widget)
        row = QHBoxLayout()
        self.reprint_button = self.texts.bind(button("", name="apply-reprint"), "pre_apply.done.reprint")
        self.reprint_button.clicked.connect(self.presenter.reprint)
        self.finish_button = self.texts.bind(button("", "primary", name="apply-finish"), "pre_apply.done.finish")
        self.finish_button.clicked.connect(self._cancel)
        row.addWidget(self.reprint_button)
        row.addWidget(self.finish_button)
        box.addLayout(row)
        box.addStretch(1)
        return page

    def _build_problem(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        self.problem_text = label("", "problem", align=CENTER)
        self.problem_text.setObjectName("apply-problem")
        box.addWidget(self.problem_text)
        self.retry_button = self.texts.bind(button("", "primary", name="apply-retry"), "pre_apply.retry")
        self.retry_button.clicked.connect(self.presenter.submit)
        box.addWidget(self.retry_button)
        box.addStretch(1)
        return page

    # --- the flow's life -----------------------------------------------------------------------------

    def started(self) -> None:
        """A new pre-application began: a fresh form view and capture panel over its presenter's parts."""
        self._drop_parts()
        p = self.presenter
        self.form_view = FormView(p.form, texts=self.texts, large=True, nav=False)
        # The kiosk theme's entries are 56 px of text plus padding and border; here they are touch-sized.
        self.form_view.setStyleSheet(f"QLineEdit, QComboBox {{ min-height: {TOUCH_PX - 12}px; }}")
        self.form_box.insertWidget(0, self.form_view, 1)
        if p.form.steps == 1 and not p.form.step_title(0):
            self.form_view.step_title.hide()  # "第 1/1 步" of an untitled one-step form says nothing
        if self.camera is not None:
            from ui.capture_panel import CapturePanel

            self.capture = CapturePanel(self.camera, p.materials, self.texts, compact=True)
            # A citizen takes pages, retakes or deletes one; reordering and black-and-white are the clerk's.
            for widget in (self.capture.up_button, self.capture.down_button, self.capture.bw_button):
                widget.hide()
            for widget in self.capture.findChildren(QPushButton):
                widget.setProperty("compact", True)  # the theme's 60 px: the page fits a 1280×800 screen
            self.capture_box.addWidget(self.capture)
        self.redraw()

    def close_parts(self) -> None:
        """The session ended: the form view and capture panel of the last pre-application go."""
        self._drop_parts()

    def _drop_parts(self) -> None:
        if self.form_view is not None:
            self.form_view.setParent(None)
            self.form_view.deleteLater()
            self.form_view = None
        self._camera_on = False
        if self.capture is not None:
            self.capture.shutdown()
            self.capture.setParent(None)
            self.capture.deleteLater()
            self.capture = None

    def close(self) -> None:  # noqa: A003 (the page's own close: it stops listening and releases its parts)
        self._unsubscribe()
        self._drop_parts()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.keyboard and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._draw_nav()
            if event.type() == QEvent.Type.Show:
                QTimer.singleShot(0, self, self._show_focused)  # once the form has its smaller height
        return False

    def _show_focused(self) -> None:
        """Scrolls the form so that the field being typed into stays above the keyboard."""
        focused = QApplication.focusWidget()
        scroll = self.form_view.pages.currentWidget() if self.form_view is not None else None
        if focused is not None and scroll is not None and scroll.isAncestorOf(focused):
            scroll.ensureWidgetVisible(focused)

    def _cancel(self) -> None:
        self.presenter.wipe()

    # --- drawing -------------------------------------------------------------------------------------

    def _changed(self, event) -> None:
        if not isinstance(event, Changed):
            return
        if event.part == "ended":
            self._drop_parts()
            self.home.emit()
        elif event.part == "step" and self.presenter.form is not None and (
                self.form_view is None or self.form_view.presenter is not self.presenter.form):
            self.started()  # the form was begun again (back to the card): a view over the new one
        else:
            self.redraw()

    def _language_changed(self, _language: str) -> None:
        if self.presenter.step is not None:
            self.presenter.set_language(self.texts.language)

    def redraw(self) -> None:
        p, t = self.presenter, self.texts
        if p.step is None:
            return
        name = p.guide.data.get("name_en") if t.language.startswith("en") and p.guide.data.get("name_en") else p.guide.name
        self.title.setText(t("pre_apply.title", matter=name))
        if p.step in COUNTED:
            self.step_line.setText(t("pre_apply.step_line", n=COUNTED.index(p.step) + 1, total=len(COUNTED),
                                     step=t(f"pre_apply.step.{p.step.value}")))
        else:  # the page itself says it is done; submitting and a problem are named here
            self.step_line.setText("" if p.step is Step.DONE else t(f"pre_apply.step.{p.step.value}"))
        self.views.setCurrentWidget(self.step_widgets[p.step])
        if p.step is not Step.FORM:
            self.keyboard.hide()
        self._draw_nav()
        self._draw_camera()
        if p.step is Step.MATERIALS:
            self._draw_materials()
        elif p.step is Step.REVIEW:
            self.review_text.setText(self._review_html())
        elif p.step is Step.DONE:
            self._draw_done()
        elif p.step is Step.PROBLEM:
            self.problem_text.setText(t("pre_apply.problem", reason=t.error(p.problem, "citizen")))
        self.status.clear_text()

    def _draw_nav(self) -> None:
        p, t = self.presenter, self.texts
        if p.step is None:
            return
        # On a 1280×800 screen the keyboard and the form share the height: while it shows, the header and
        # back/next give way, and come back with its 完成.
        typing = self.keyboard.isVisible()
        for widget in (self.title, self.step_line):
            widget.setVisible(not typing)
        moving = p.step in (Step.FORM, Step.MATERIALS, Step.REVIEW) and not typing
        self.back_button.setVisible(moving or p.step is Step.PROBLEM)
        self.next_button.setVisible(moving)
        key = "pre_apply.submit" if p.step is Step.REVIEW else "pre_apply.next"
        self.next_button.setText(t(key))
        self.cancel_button.setVisible(p.step not in (Step.SUBMITTING, Step.DONE) and not typing)

    def _draw_camera(self) -> None:
        """The camera streams only while the materials step is on screen."""
        if self.capture is None:
            return
        wanted = self.presenter.step is Step.MATERIALS
        if wanted and not self._camera_on:
            self.capture.start()
        elif not wanted and self._camera_on:
            self.capture.preview.stop()
        self._camera_on = wanted

    def _draw_materials(self) -> None:
        p, t = self.presenter, self.texts
        clear_layout(self.material_list)
        self.material_buttons = {}
        for material_id, name, provided, required in p.material_rows():
            need = t("pre_apply.materials.required") if required else t("pre_apply.materials.optional")
            text = f"{name}（{need}）" + (f"\n✓ {provided}" if provided else "")
            # The material the next pages go to stands out as the primary button.
            b = button(text, "primary" if material_id == p.current_material else "", name=f"apply-material-{material_id}")
            b.setAccessibleDescription(t("pre_apply.materials.chosen") if material_id == p.current_material else "")
            b.setProperty("compact", True)
            b.setStyleSheet("text-align: left; font-size: 16pt;")
            b.clicked.connect(lambda _=False, m=material_id: p.choose_material(m))
            self.material_list.addWidget(b)
            self.material_buttons[material_id] = b
        self.material_list.addStretch(1)
        if p.message_key:
            role = "good" if p.message_key == "materials.scan.matched" else "problem"
            self.scan_message.show_text(t(p.message_key, **p.message_params), role)
        else:
            self.scan_message.clear_text()

    def _review_html(self) -> str:
        p, t = self.presenter, self.texts
        identity = p.identity
        parts = [f"<p><b>{escape(t('pre_apply.review.applicant'))}</b>：{escape(identity.masked_name)}　"
                 f"{escape(identity.masked_id_number)}</p>",
                 f"<h3>{escape(t('pre_apply.review.form'))}</h3>"]
        parts += [f"<p><b>{escape(label_)}</b>：{escape(value)}</p>" for label_, value in p.review_rows()]
        parts.append(f"<h3>{escape(t('pre_apply.review.materials'))}</h3><ul>")
        for _id, name, provided, required in p.material_rows():
            if provided:
                parts.append(f"<li>{escape(name)}：{escape(provided)}</li>")
            elif required:
                parts.append(f"<li>{escape(name)}：{escape(t('pre_apply.review.bring'))}</li>")
        parts.append("</ul>")
        parts.append(f"<p>{escape(t('pre_apply.review.promise'))}</p>")
        return "".join(parts)

    def _draw_done(self) -> None:
        p, t = self.presenter, self.texts
        if p.case_number:
            self.done_number.setText(t("pre_apply.done.case_number", number=p.case_number))
        else:
            self.done_number.setText(t("pre_apply.done.pending", short_id=p.short_id))
        if p.printing:
            slip = t("pre_apply.done.printing")
        elif p.printed is not None and p.printed.printed:
            slip = t("pre_apply.done.printed")
        else:
            slip = t(p.printed.problem_key if p.printed is not None else "pre_apply.print.failed",
                     short_id=p.short_id)
        self.done_slip.setText(slip)
        self.reprint_button.setVisible(not p.printing and p.printed is not None and not p.printed.printed
                                       and p.printed.problem_key != "pre_apply.print.no_printer")


def build_apply(window, application, *, papers=None, camera=None) -> tuple[PreApplicationPresenter, ApplyPage]:
    """The pre-application's presenter and page for the kiosk ``window`` (a ``CitizenWindow``): its own
    worker (waiting for a case number never holds up the hall's calls), the slip printed through ``papers``
    (a ``PaperPrinter`` or a provider of one; None: no slip), pages taken with ``camera``."""
    from core.clock import hall_now
    from core.services.slip import SlipService
    from ui.worker import Worker

    worker = Worker(window, name="apply", max_workers=1)
    window.at_shutdown(worker.shutdown)

    def now():
        hall = window.hall_view.info if window.hall_view is not None else None
        return hall_now(hall, window.service.clock)

    presenter = PreApplicationPresenter(application, SlipService(application, papers), worker.run, now=now,
                                        language=window.texts.language, call_timeout_s=window.call_timeout_s)
    page = ApplyPage(window.texts, presenter, camera=camera)
    window.at_shutdown(page.close)
    window.at_shutdown(lambda: presenter.wipe(announce=False))
    return presenter, page
