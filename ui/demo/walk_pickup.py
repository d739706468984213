"""The demo walk's pickup steps (``kiosk demo --screenshots``): the case the window accepted, to its collection.

The rent matter the walk's clerk accepted for the elderly card (李䶮, walk_intake.window_paper_steps) is moved on
by the back office (审核, 准予许可: ``DemoLink.decide`` on the walk's worker, never on the GUI thread); the
pickup window (the demo's W-03) deposits the result in the smart locker; the kiosk's 办件查询 of the receipt's
code shows the timeline; the same card at the kiosk's 取件 opens the door, the locker simulator's door shuts by
itself, the pickup is recorded, and the timeline then says 已领取. The hall display is saved after them.

Each step is ``(name, ready, action)`` as in ui/demo/walk.py (docs/pickup.md, "The demo").
"""

from __future__ import annotations

import logging
import time

from core.domain.appointments import CaseState
from core.domain.pickup import Size
from core.presenters.pickup_kiosk import Screen
from core.presenters.pickup_window import Step
from ui.pickup_kiosk import PickupPage
from ui.pickup_window import PickupDeskPage

log = logging.getLogger(__name__)

ELDERLY_CARD = "li_yan"


def pickup_steps(walk, citizen, clerk, display, devices) -> list:
    """From the accepted case to 已领取; none without the demo devices, the hall server's link or either
    pickup page (a demo without a locker)."""
    desk, kiosk = clerk.findChild(PickupDeskPage), citizen.findChild(PickupPage)
    if devices is None or walk.link is None or desk is None or kiosk is None:
        return []
    state, asked = {}, {}

    def case():
        return walk.accepted_case

    def known() -> bool:
        """The receipt's case number; one the platform had not given within the receipt's wait is read
        from the window's store on the walk's worker, once a second, until it is there."""
        if case() is not None:
            return True
        if walk.accepted_record is not None and time.monotonic() >= asked.get("next", 0.0):
            asked["next"] = time.monotonic() + 1.0
            service, record_id = walk.accepted_record
            walk.worker.run(service.case_number, record_id, on_done=got, on_error=failed, timeout_s=15.0)
        return False

    def got(number: str | None) -> None:
        if number is not None:
            walk.accepted_case = number

    def failed(exc: BaseException) -> None:
        log.error("demo walk: the case was not read or moved on: %r", exc)

    def decide() -> None:
        walk.worker.run(walk.link.decide, case(), walk.staff, on_done=lambda _r: state.setdefault("decided", True),
                        on_error=failed, timeout_s=15.0)

    def deposit() -> None:
        desk.opener.click()
        desk.presenter.set_tracking(case())
        desk.presenter.deposit(Size.SMALL)

    def track() -> None:
        citizen.go_home()
        citizen.open_scan("track")
        citizen.submit_code(f"HALL:R:{case()}")

    def shown(wanted: CaseState):
        def ready() -> bool:
            shown_case = citizen.tracking_page.case
            return (citizen.page == "tracking" and shown_case is not None and shown_case.tracking == case()
                    and shown_case.state is wanted)
        return ready

    def open_pickup() -> None:
        walk.save("citizen-case-timeline", citizen)
        citizen.go_home()
        kiosk.open_button.click()

    def screen(*wanted: Screen):
        return lambda: citizen.stack.currentWidget() is kiosk and kiosk.presenter.view.screen in wanted

    return [
        ("case accepted", known, decide),
        ("case decided", lambda: "decided" in state, deposit),
        ("deposit open", lambda: desk.presenter.step is Step.DEPOSITING,
         lambda: walk.save("clerk-pickup-deposit", clerk)),
        ("deposited", lambda: desk.presenter.step is Step.DEPOSITED,
         lambda: (walk.save("clerk-pickup-deposited", clerk), clerk.show_queue(), track())),
        ("timeline", shown(CaseState.READY_FOR_PICKUP), open_pickup),
        ("pickup start", screen(Screen.START),
         lambda: (walk.save("citizen-pickup", citizen), devices.place("kiosk", ELDERLY_CARD))),
        ("door open", screen(Screen.TAKE), lambda: walk.save("citizen-pickup-open", citizen)),
        ("collected", screen(Screen.DONE), lambda: (walk.save("citizen-pickup-done", citizen), track())),
        ("timeline collected", shown(CaseState.PICKED_UP),
         lambda: (walk.save("citizen-case-collected", citizen), walk.save("display-pickup", display),
                  citizen.go_home())),
    ]
