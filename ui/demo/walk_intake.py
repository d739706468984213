"""The demo walk's intake steps (``kiosk demo --screenshots``): each page of intake and each paper as printed.

- the kiosk's 办事指南 prints a matter's materials checklist (材料清单);
- a citizen's 自助申报 at the kiosk: the card, the form, the materials, the review, the slip;
- at the window, a one-time notice (一次性告知单) for the matter with materials missing, then an acceptance
  of the rent matter with the card's fields locked in its form, and the receipt (受理回执).

Each step is ``(name, ready, action)`` as in ui/demo/walk.py; the walk saves ``<name>.png`` of a window and
of the printer output (the latest paper any virtual printer printed).
"""

from __future__ import annotations

from core.presenters.pre_application import Step

RENT = "320100-GG-0004"  # 住房公积金提取（租房）: the card fills name and ID number; 自助申报 allowed
RENT_VALUES = (("bank_card", "6222021234567890123"), ("amount", "5000"), ("phone", "13812345678"))
ELDERLY_CARD = "li_yan"


def checklist_steps(walk, citizen, output) -> list:
    """After the guide's matter was shown: 打印材料清单, and the checklist as printed."""
    guide = citizen.guide
    if guide is None or not guide.has_printer:
        return []
    counted = {}
    return [
        ("checklist guide", lambda: citizen.page == "home", citizen.open_guide),
        ("checklist loaded", lambda: guide.book is not None and not guide.loading,
         lambda: (counted.setdefault("n", output.count), guide.choose(RENT))),
        ("checklist shown", lambda: guide.current is not None and citizen.guide_page.print_button.isVisible(),
         guide.print_checklist),
        ("checklist printed", lambda: guide.printed is True and output.count > counted["n"],
         lambda: (walk.save("citizen-guide-checklist", citizen), walk.save("printer-output-checklist", output))),
    ]


def pre_application_steps(walk, citizen, devices, output) -> list:
    """A 自助申报 of the rent matter by the elderly citizen's card, to the slip."""
    if citizen.guide is None or getattr(citizen, "_apply_parts", None) is None or devices is None:
        return []
    counted = {}

    def flow():
        return citizen.apply_flow

    def fill() -> None:
        for path, value in RENT_VALUES:
            flow().form.set(path, value)
        walk.save("citizen-apply-form", citizen)
        flow().next()

    return [
        ("apply guide", lambda: citizen.guide.book is not None and not citizen.guide.loading,
         lambda: (citizen.open_guide() if citizen.page != "guide" else None, citizen.guide.choose(RENT))),
        ("apply open", lambda: citizen.guide.current is not None and citizen.guide.current.code == RENT,
         lambda: (walk.save("citizen-guide-apply", citizen), counted.setdefault("n", output.count),
                  citizen.open_apply())),
        ("apply card", lambda: flow() is not None and flow().step is Step.IDENTIFY,
         lambda: (walk.save("citizen-apply-card", citizen), devices.place("kiosk", ELDERLY_CARD))),
        ("apply form", lambda: flow().step is Step.FORM, fill),
        ("apply materials", lambda: flow().step is Step.MATERIALS,
         lambda: (walk.save("citizen-apply-materials", citizen), flow().next())),
        ("apply review", lambda: flow().step is Step.REVIEW,
         lambda: (walk.save("citizen-apply-review", citizen), flow().submit())),
        ("apply slip", lambda: flow().step is Step.DONE and flow().printed is not None and output.count > counted["n"],
         lambda: (_rating_aside(walk, citizen), walk.save("citizen-apply-done", citizen),
                  walk.save("printer-output-slip", output), citizen.go_home())),
    ]


def _rating_aside(walk, citizen) -> None:
    """The kiosk offers 好差评 of the case over the done page once the slip is done (with the case number):
    its screenshot, then skipped, so the done page shows."""
    rating = getattr(citizen, "rating", None)
    if rating is not None and rating.isVisible():
        walk.save("citizen-rating", citizen)
        rating.presenter.skip()


def window_paper_steps(walk, clerk, output) -> list:
    """At the window (the card of the person served already read): the rent matter accepted with the card's
    fields locked in its form, and its receipt; then the next ticket's matter with materials missing, and
    the one-time notice."""
    page = getattr(clerk, "application_page", None)
    if page is None or getattr(page.panel.presenter, "paper", None) is None:
        return []
    presenter = page.panel.presenter
    counted = {}

    def printed() -> bool:
        result = presenter.paper.result
        return result is not None and not result.printing and output.count > counted["n"]

    def fill_and_accept() -> None:
        for path, value in RENT_VALUES:
            presenter.intake.form.set(path, value)
        for spec in presenter.app.matter.materials:
            if spec.required and spec.id not in presenter.app.provided:
                presenter.mark_original(spec.id)
        walk.save("clerk-application-form", clerk)
        counted["n"] = output.count
        counted["served"] = clerk.status.current.number if clerk.status and clerk.status.current else None
        presenter.accept()

    def next_ticket() -> None:
        # The receipt's case, moved on later (walk_pickup): its number, or its record while the number is owed.
        walk.accepted_case = presenter.paper.result.case_number
        walk.accepted_record = (presenter.paper.service, presenter.paper.result.job.record_id)
        walk.save("clerk-accepted", clerk)
        walk.save("printer-output-receipt", output)
        clerk.show_queue()
        clerk.queue_page.action_buttons["call_next"].click()

    def notice() -> None:
        counted["n"] = output.count
        presenter.give_notice()

    return [
        ("window papers", lambda: presenter.listing is not None, clerk.show_application),
        ("rent", lambda: clerk.page == "application", lambda: presenter.choose_code(RENT)),
        ("rent chosen", lambda: presenter.app is not None and presenter.app.matter.code == RENT
         and presenter.intake is not None and presenter.intake.form is not None, fill_and_accept),
        ("receipt printed", printed, next_ticket),
        ("next ticket", lambda: clerk.status is not None and clerk.status.current is not None
         and clerk.status.current.number != counted.get("served"), clerk.show_application),
        ("notice ready", lambda: clerk.page == "application" and presenter.checklist().can_give_notice, notice),
        ("notice printed", printed,
         lambda: (walk.save("clerk-notice", clerk), walk.save("printer-output-notice", output), clerk.show_queue())),
    ]
