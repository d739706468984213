"""The capture panel's rules without Qt: what a captured picture becomes, and the page list.

``CaptureSteps`` keeps the steps of one set of materials (``MaterialSet``):

- a picture taken normally becomes a new page; while a page is being retaken it replaces that page (or
  becomes a new one if the page was deleted meanwhile);
- an ID-card copy takes two pictures on purpose, the photo side then the emblem side, and adds them as one
  A4 page (``MaterialSet.add_id_card_copy``); meanwhile auto-capture pauses and pictures are taken in
  colour, and the prompt says which side comes next;
- moving a page moves it one place up or down the set.

Texts (``prompt()``, ``captured_text()``, ``page_rows()``, ``title()``) come in the panel's language.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.i18n import Translator
from core.ports.camera import Cleanup
from core.services.materials import MaterialSet

PROMPTS = {1: "camera.id_copy.front_first", 2: "camera.id_copy.back_next"}


@dataclass(frozen=True)
class PageRow:
    page_id: int
    text: str


class CaptureSteps:
    def __init__(self, materials: MaterialSet, *, language: str = "zh_CN") -> None:
        self.materials = materials
        self.tr = Translator(language)
        self.id_step = 0  # 0: not copying an ID card; 1: photo side next; 2: emblem side next
        self._id_front: np.ndarray | None = None
        self.retake_id: int | None = None

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)

    # --- capturing ---------------------------------------------------------------------------------

    def auto_capture(self, wanted: bool) -> bool:
        """Auto-capture runs when wanted, except during the two steps of an ID-card copy."""
        return wanted and self.id_step == 0

    def cleanup(self, chosen: Cleanup) -> Cleanup:
        """An ID card's sides are taken in colour, whatever the page setting."""
        return Cleanup.COLOUR if self.id_step else chosen

    def start_id_copy(self) -> None:
        self.id_step, self._id_front = 1, None

    def retake(self, page_id: int) -> None:
        self.retake_id = page_id

    def picture_taken(self, image: np.ndarray) -> bool:
        """What the picture becomes (see the module's rules). True when the set gained or changed a page;
        False when it was the photo side of an ID card, waiting for the emblem side."""
        if self.id_step == 1:
            self._id_front, self.id_step = image, 2
            return False
        if self.id_step == 2:
            self.materials.add_id_card_copy(self._id_front, image)
            self._id_front, self.id_step = None, 0
        elif self.retake_id is not None:
            try:
                self.materials.retake(self.retake_id, image)
            except KeyError:  # deleted meanwhile: keep the picture as a new page
                self.materials.add(image)
            self.retake_id = None
        else:
            self.materials.add(image)
        return True

    def move(self, page_id: int, step: int) -> None:
        ids = [p.id for p in self.materials.pages]
        self.materials.move(page_id, ids.index(page_id) + step)

    # --- what the panel says -----------------------------------------------------------------------

    def prompt(self) -> str:
        """Which side of the ID card comes next ("" when not copying one)."""
        key = PROMPTS.get(self.id_step)
        return self.tr(key) if key else ""

    def captured_text(self) -> str:
        return self.tr("camera.preview.captured", n=len(self.materials))

    def title(self) -> str:
        n = len(self.materials)
        return self.tr("camera.pages.title", n=n) if n else self.tr("camera.pages.empty")

    def page_rows(self, pages: list | None = None) -> list[PageRow]:
        """One row per page of ``pages`` (the set's pages now when not given), numbered from 1."""
        pages = self.materials.pages if pages is None else pages
        return [PageRow(page.id, self.tr("camera.pages.id_copy" if page.kind == "id_copy" else "camera.pages.page",
                                         n=n))
                for n, page in enumerate(pages, start=1)]
