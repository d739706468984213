"""Voice guidance on the kiosk: what is said, and what is never said (docs/voice.md).

``VoiceGuide`` speaks through a ``Voice`` (core/ports/voice.py) for one citizen window:

- ``page(name)``: where the person is and what they can do ("voice.page.<name>"), on each page's arrival;
- ``focus(label)``: the accessible name of the control that got the focus (keypad operation);
- ``ticket(ticket)``: the number, the people ahead and, once known, the window;
- ``say_key(key, **params)``: any catalogue message (the idle warning);
- ``toggle()``: the person's one touch (or key) that turns it on or off; ``reset()`` turns it back to the
  terminal's default for the next person.

Guidance is off until the person turns it on (``[voice] enabled`` may make it the default). Whatever the
guide is asked, it never speaks personal data (docs/voice.md, "Privacy"): in a label, everything from the
first word that holds an ID number, a mobile number, a long run of digits, a name the session registered
(core/logs.py) or a masked value ("王*明", "110101********1234", "●●●●") on is left out and "content
hidden" said instead; a secret field (a PIN) is announced by its label alone, without any word that has
a digit. A new page cuts off what was being said; so does a focus move, except the first after a page's
arrival, which is read once the page's prompt has been said (keypad focus lands on a page's first control
as it opens).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.i18n import keys_for
from core.logs import mask_text
from core.ports.voice import Code, Count, Key, Text, Voice
from core.domain import Ticket

PAGES = ("home", "services", "confirm", "busy", "result", "problem", "scan", "tracking", "guide", "apply")
PAGE_KEYS = keys_for("voice.page.", PAGES)
CALL_KEYS = ("queue.call.announce", "queue.call.recall", "queue.call.backlog")
# Every fixed prompt the generated voice pack holds (devices/audio/build.py renders each of them).
PROMPT_KEYS = (*PAGE_KEYS, "voice.on", "voice.off", "voice.ticket.number", "voice.ticket.ahead",
               "voice.ticket.next_up", "voice.ticket.window", "voice.focus.hidden", "voice.focus.secret",
               "ui.idle.warning", *CALL_KEYS)

MASKS = "*＊●•·○◯×"
_WORD = re.compile(r"[^\s:：,，;；/|()（）\[\]【】]+")
_DIGIT_RUN = re.compile(r"\d{6,}")


def _personal(word: str, secret: bool) -> bool:
    return (any(ch in MASKS for ch in word) or bool(_DIGIT_RUN.search(word)) or mask_text(word) != word
            or secret and any(ch.isdigit() for ch in word))


def speakable(text: str, *, secret: bool = False) -> tuple[str, bool]:
    """``text`` up to its first word that holds personal data, and whether anything was left out.
    ``secret``: the label of a PIN or password field, where any word with a digit is left out too."""
    for match in _WORD.finditer(text):
        if _personal(match.group(), secret) or mask_text(text[: match.end()]) != text[: match.end()]:
            return text[: match.start()].rstrip(" :：,，;；/|"), True
    return text, False


def _safe(value: object) -> object:
    """A prompt's value as it may be spoken: text cut by ``speakable``, a code or a count with a long run of
    digits (an ID or phone number passed by mistake) dropped."""
    if isinstance(value, (str, Text)):
        return Text(speakable(value if isinstance(value, str) else value.text)[0])
    if isinstance(value, (Code, Count)) and _DIGIT_RUN.search(value.text if isinstance(value, Code) else str(value.n)):
        return Text("")
    return value


class VoiceGuide:
    def __init__(self, voice: Voice, *, language: Callable[[], str] | None = None, default_on: bool = False) -> None:
        self.voice = voice
        self.language = language or (lambda: voice.language)
        self.default_on = default_on
        self.current_page = "home"
        self.current_params: dict[str, object] = {}  # the page's own words (the service, the problem)
        self.last_ticket: Ticket | None = None  # the result page's number (read again when the voice is turned on)
        self._page_said = False  # a page's prompt was said and no focus has been read since
        voice.enabled = default_on

    @property
    def enabled(self) -> bool:
        return self.voice.enabled

    def _ready(self, *, after_page: bool = False) -> bool:
        """Voice on: it speaks the window's language and what it was saying is cut off (``after_page``: the
        page's prompt is let finish, and what comes next waits for it)."""
        if not self.voice.enabled:
            return False
        self.voice.language = self.language()
        if not after_page:
            self.voice.stop()
        return True

    def toggle(self) -> bool:
        """On → off (says so, then silence) or off → on (says so, then where the person is). The new state."""
        if self.voice.enabled:
            self.voice.stop()
            self.voice.language = self.language()
            self.voice.say_key("voice.off")
            self.voice.enabled = False
        else:
            self.voice.enabled = True
            self._ready()
            self.voice.say_segments([Key("voice.on"), *self._page_segments(self.current_page, **self.current_params)])
            self._page_said = True
        return self.voice.enabled

    def set_on(self, on: bool) -> None:
        """Turns the guidance on or off as ``toggle`` does (said), when it is not so already."""
        if on != self.voice.enabled:
            self.toggle()

    def reset(self) -> None:
        """The next person starts with the terminal's default; what is being said stops."""
        self.voice.stop()
        self.voice.enabled = self.default_on

    def _page_segments(self, page: str, **params: object) -> list[Key]:
        if page == "result":  # the result page is its number
            return self._ticket_segments(self.last_ticket) if self.last_ticket is not None else []
        if page not in PAGES:
            return []
        params = {name: _safe(value) for name, value in params.items()}
        if page in ("confirm", "problem"):  # the chosen service's name; what went wrong, as the screen says it
            params.setdefault("service" if page == "confirm" else "detail", Text(""))
        return [Key(f"voice.page.{page}", params)]

    def page(self, page: str, **params: object) -> None:
        """The person arrived on ``page`` (confirm: ``service=`` the chosen service's name; problem:
        ``detail=`` the screen's message)."""
        self.current_page, self.current_params = page, params
        segments = self._page_segments(page, **params)
        if segments and self._ready():
            self.voice.say_segments(segments)
            self._page_said = True

    def focus(self, label: str, *, secret: bool = False) -> None:
        """The control named ``label`` got the focus: its name is said (never a value it shows, see the
        module's docstring; ``secret``: a PIN or password field, whose label alone is said). The first focus
        after a page's arrival waits for the page's prompt to end; later ones cut off what is being said."""
        after_page, self._page_said = self._page_said, False
        if not self._ready(after_page=after_page):
            return
        said, hidden = speakable(label, secret=secret)
        if secret:
            self.voice.say_key("voice.focus.secret", label=Text(said))
        elif hidden:
            self.voice.say_key("voice.focus.hidden", label=Text(said))
        elif said.strip():
            self.voice.say_text(said)

    def say_key(self, key: str, **params: object) -> None:
        """Says the catalogue message ``key`` (its values are kept to what ``_safe`` lets through)."""
        if self._ready():
            self.voice.say_key(key, **{name: _safe(value) for name, value in params.items()})

    def ticket(self, ticket: Ticket) -> None:
        """The number just taken: its number, the people ahead, the window once known, what to do next."""
        self.current_page, self.current_params, self.last_ticket = "result", {}, ticket
        if self._ready():
            self.voice.say_segments(self._ticket_segments(ticket))
            self._page_said = True

    @staticmethod
    def _ticket_segments(ticket: Ticket) -> list[Key]:
        segments = [Key("voice.ticket.number", {"number": Code(ticket.number)})]
        if ticket.people_ahead > 0:
            segments.append(Key("voice.ticket.ahead", {"n": Count(ticket.people_ahead)}))
        else:
            segments.append(Key("voice.ticket.next_up"))
        if ticket.window:
            segments.append(Key("voice.ticket.window", {"window": Count(ticket.window)}))
        segments.append(Key("voice.page.result"))
        return segments
