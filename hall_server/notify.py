"""The messages the platform sends an applicant as a case moves (受理, 审核, 办结, 待领取, 已领取…).

    store.notifier = FileNotifier("hall.db.notices.jsonl")     # the demo's: one JSON line per message
    deliver(store.notifier, notice_for(case_view, at=now))     # after the move is committed

A ``Notifier`` sends one ``Notice``: the case number, the state reached, when (ISO 8601, the hall's zone),
the channel (``"sms"``) and the text in Chinese (core/i18n/case_notice.zh_CN.json). A text names the matter
and the case number and never the applicant: no ID number, no name (a case number is not personal data),
and ``core.logs.mask_text`` masks any ID or mobile number a clerk's free text (a refusal's reason) may
carry. Who receives it is the platform's SMS gateway's business (it reads the applicant's mobile number from
the case's record); neither implementation here sends anything off the machine:

- ``LogNotifier`` (the default of a ``HallStore``): each message as one log line;
- ``FileNotifier``: each message as one JSON line appended to a file (the demo's and the tests' outbox of
  text messages; ``kiosk hall-server`` writes ``<database>.notices.jsonl``).

``deliver`` never raises: a failing notifier is logged and the case has moved all the same.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from typing import Protocol

from core.domain.appointments import CaseState
from core.i18n import Translator, keys_for
from core.logs import mask_text

log = logging.getLogger(__name__)
NOTICE_LANGUAGE = "zh_CN"
STATE_KEYS = keys_for("case_notice.state.", CaseState)
WHERE_KEYS = keys_for("case_notice.where.", ("window", "locker", "post"))
WHO_KEYS = keys_for("case_notice.who.", ("applicant", "proxy"))


@dataclass(frozen=True)
class Notice:
    number: str  # the case number (办件编号)
    state: str  # the CaseState reached
    at: str  # ISO 8601, the hall's time zone
    text: str  # Chinese, with no ID number and no name
    channel: str = "sms"


class Notifier(Protocol):
    def send(self, notice: Notice) -> None:
        """Sends one message; raises when it could not (``deliver`` logs it)."""


class LogNotifier:
    """Each message as one log line (INFO, logger ``hall_server.notify``)."""

    def send(self, notice: Notice) -> None:
        log.info("notice: %s", json.dumps(asdict(notice), ensure_ascii=False))


class FileNotifier:
    """Each message as one JSON line appended to ``path`` (created private to its owner on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def send(self, notice: Notice) -> None:
        line = json.dumps(asdict(notice), ensure_ascii=False) + "\n"
        with self._lock:
            created = not self.path.exists()
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
            if created:
                self.path.chmod(0o600)

    def read(self) -> list[dict]:
        """The messages sent so far, oldest first."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]


def for_database(db_path: str | Path, key_path: str | Path | None = None) -> Notifier:
    """The notifier of a server on ``db_path``: ``<database>.notices.jsonl`` beside a SQLite file, or
    ``<database name>.notices.jsonl`` beside the key file of a PostgreSQL database (a database in memory
    logs its messages)."""
    if str(db_path) == ":memory:":
        return LogNotifier()
    if str(db_path).startswith(("postgresql://", "postgres://")) and key_path is not None:
        name = urlsplit(str(db_path)).path.strip("/") or "hall"
        return FileNotifier(Path(key_path).parent / f"{name}.notices.jsonl")
    return FileNotifier(f"{db_path}.notices.jsonl")


def notice_for(case: dict, *, at: datetime) -> Notice:
    """The message for a case (as ``cases.case_view`` gives it) that has just reached its state."""
    tr = Translator(NOTICE_LANGUAGE)
    state = CaseState(case["state"])
    params = {"matter": case["matter_name"], "number": case["tracking"],
              "promised": case.get("promised_on") or tr("case_notice.no_promise"),
              "reason": case.get("refusal_reason") or "", "where": "", "who": ""}
    pickup = case.get("pickup")
    if state is CaseState.READY_FOR_PICKUP and pickup:
        params["where"] = tr(f"case_notice.where.{pickup['method']}", window=pickup.get("window") or "",
                             place=pickup.get("place") or "")
    if state is CaseState.PICKED_UP and case.get("collected_by"):
        params["who"] = tr(f"case_notice.who.{case['collected_by']}")
    text = mask_text(tr(f"case_notice.state.{state.value}", **params))
    return Notice(number=case["tracking"], state=state.value, at=at.isoformat(timespec="seconds"), text=text)


def deliver(notifier: Notifier | None, notice: Notice) -> bool:
    """Sends ``notice``; a notifier that fails is logged (the case stays where it moved). True when sent."""
    if notifier is None:
        return False
    try:
        notifier.send(notice)
    except Exception as exc:  # noqa: BLE001 - whatever a notifier raises, the case has moved
        log.warning("the notice of case %s (%s) was not sent: %s: %s", notice.number, notice.state,
                    type(exc).__name__, exc)
        return False
    return True


def announce(hall_store, view: dict) -> None:
    """Tells the applicant the state ``view`` (a case as ``cases.case_view`` gives it) has reached, through
    the store's ``notifier``, after the change is committed; never raises."""
    try:
        notice = notice_for(view, at=hall_store.clock.now().astimezone(hall_store.tz(hall_store._con())))
    except Exception as exc:  # noqa: BLE001 - a message that cannot be worded never stops the case
        log.warning("the notice of case %s could not be worded: %s: %s", view.get("tracking"),
                    type(exc).__name__, exc)
        return
    deliver(hall_store.notifier, notice)
