"""What a presenter says, as data: a message key and its parameters (or an error), rendered by the window.

A presenter decides *which* message a person sees; the window decides *in which language*, at the
moment it draws (and again after the language switches). So presenters hand out ``Message`` values
instead of strings, and tests check the rule (the key) without a catalogue.

    Message.of("ui.identity.greeting_elderly", name="李*", age=70).render(Translator("zh_CN"))
    Message.of_error(exc).render(tr)                    # the error's citizen text (core/errors.py)
    Message.of("codes.not_recognised", then=Message.of("codes.not_recognised.hint"))   # two lines
    Message.of("technician.status.hall_age", age=age_message(90.0))   # a parameter rendered first
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class Translate(Protocol):
    """``core.i18n.Translator`` (or anything that looks keys up the same way)."""

    language: str

    def __call__(self, key: str, /, **params: Any) -> str: ...


@dataclass(frozen=True)
class Message:
    """A message key with its ``str.format`` parameters, or an error whose text the catalogues give for
    ``audience``; ``then`` is a further line below it."""

    key: str = ""
    params: tuple[tuple[str, Any], ...] = ()
    error: BaseException | None = None
    audience: str = "citizen"
    then: Message | None = None

    @classmethod
    def of(cls, key: str, /, *, then: Message | None = None, **params: Any) -> Message:
        return cls(key, tuple(sorted(params.items())), then=then)

    @classmethod
    def of_error(cls, error: BaseException, audience: str = "citizen") -> Message:
        return cls(error=error, audience=audience)

    def param(self, name: str) -> Any:
        return dict(self.params).get(name)

    def render(self, tr: Translate) -> str:
        if self.error is not None:
            message = getattr(self.error, "message", None)
            text = message(self.audience, tr.language) if callable(message) else tr("error.unexpected")
        else:
            params = {k: v.render(tr) if isinstance(v, Message) else v for k, v in self.params}
            text = tr(self.key, **params)
        return text if self.then is None else text + "\n" + self.then.render(tr)


def age_message(seconds: float) -> Message:
    """How long ago, in the largest whole unit: "3 分钟", "2 hours" (the sync.age.* keys)."""
    seconds = max(0, int(seconds))
    for key, size in (("sync.age.days", 86400), ("sync.age.hours", 3600), ("sync.age.minutes", 60)):
        if seconds >= size:
            return Message.of(key, n=seconds // size)
    return Message.of("sync.age.seconds", n=seconds)
