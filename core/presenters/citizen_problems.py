"""What the citizen kiosk says when something went wrong: which message, and what the person may do next.

Pure functions of the error (core/errors.py), for ``CitizenPresenter`` (core/presenters/citizen.py). The
platform down or slow gets a calm message and a retry (the same request again: never a second number);
a refusal with a reason (cap reached, not found, wrong day) gets its own message and no retry; no printer
able to print is said before a number is taken, with the choice to go on without a slip.
"""

from __future__ import annotations

from core.errors import HardwareFault, KioskError, PlatformError, PlatformUnreachable
from core.presenters.citizen_view import ProblemShown, ScanMessage
from core.presenters.messages import Message


def platform_unreachable(error: BaseException) -> bool:
    """The platform could not be asked (down, slow, an answer that made no sense), as opposed to a
    refusal with a reason (cap reached, not found, wrong day)."""
    return isinstance(error, PlatformUnreachable) or (isinstance(error, PlatformError)
                                                      and getattr(error, "reason", None) is None)


def issue_problem(error: BaseException) -> ProblemShown:
    """What the problem page offers when a number could not be taken."""
    if isinstance(error, HardwareFault):  # no printer can print: told before a number is taken
        return ProblemShown(Message.of_error(error), can_retry=True, can_go_without_print=True)
    if platform_unreachable(error):
        return ProblemShown(Message.of("ui.citizen.platform_down_retry"), can_retry=True,
                            can_go_without_print=False)
    return ProblemShown(Message.of_error(error), can_retry=False, can_go_without_print=False)


def code_problem(error: BaseException, mode: str) -> ScanMessage:
    """What the scan page says when a code could not be resolved (``mode``: checkin or track)."""
    reason = getattr(error, "reason", None)
    if platform_unreachable(error):
        return ScanMessage(Message.of("ui_codes.error.platform_down"), "notice")
    if reason == "not_found":
        return ScanMessage(Message.of(f"ui_codes.error.not_found.{mode}"))
    if reason == "wrong_state":
        return ScanMessage(Message.of("ui_codes.error.wrong_day"))
    if isinstance(error, KioskError):
        return ScanMessage(Message.of_error(error))
    return ScanMessage(Message.of("ui_codes.error.platform_down"), "notice")
