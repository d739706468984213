"""A problem with a form's data, as the terminal and the platform name it: where, and which message.

Kept apart from the form model (core/services/forms.py, which loads jsonschema) so the sync client can read
the platform's ``form_invalid`` answer without loading the validator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.i18n import keys_for

PROBLEMS = ("required", "type", "too_long", "too_short", "too_small", "too_large", "choice", "id_number",
            "mobile", "region", "date", "too_few", "too_many", "duplicate", "control_characters", "invalid",
            "too_big")
PROBLEM_KEYS = keys_for("form.problem.", PROBLEMS)


@dataclass(frozen=True)
class FormProblem:
    """One problem with the data: where (a path such as ``shareholders[1].id_number``; empty for the whole
    form), the message key (``form.problem.*``) and its parameters."""

    path: str
    key: str
    params: dict = field(default_factory=dict)

    @property
    def field(self) -> str:
        """The top-level field the problem belongs to."""
        return re.split(r"[.\[]", self.path, maxsplit=1)[0]
