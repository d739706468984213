"""The technician window's voice tab (语音): the speaker test.

    add_voice_tab(technician_window)          # ui/technician.py

One button says the hall display's call "请 A012 号到 3 号窗口办理" once on the configured player
(``[voice] sink`` and ``device``: the loudspeaker, or the headset jack), through ``Diagnostics.test_voice``
(the code path of ``kiosk diag voice``) on the window's worker. The summary says whether it was said, how
many parts came from the voice pack's recordings and how many from the speech engine, and what the machine
lacks (no espeak-ng, no pack, no audio player): a missing part is never silent (docs/voice.md).
"""

from __future__ import annotations

from core.ports.voice import VoiceReport
from ui.technician_panel import DevicePanel

TEST_TIMEOUT_S = 30.0  # the call is a few seconds of sound; the player is bounded by its length + 3 s


class VoicePanel(DevicePanel):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setObjectName("voice-panel")
        self.test_button = self.add_button("voice.tab.test", self.test, "voice-test")
        self.buttons.addStretch(1)
        self.layout_.addWidget(self.log, 1)
        self.summary.setText(self.tr_("voice.tab.idle"))
        self.report: VoiceReport | None = None

    def test(self) -> None:
        if not self.test_button.isEnabled():
            return
        self.test_button.setEnabled(False)
        self.summary.setText(self.tr_("voice.tab.busy"))
        self.w.run(self.w.diagnostics.test_voice, on_done=self._done, on_error=self._failed,
                   timeout_s=TEST_TIMEOUT_S)

    def _done(self, report: VoiceReport) -> None:
        self.test_button.setEnabled(True)
        self.report = report
        if report.said:
            text = self.tr_("voice.tab.said", parts=report.parts, recorded=report.recorded,
                            engine=report.parts - report.recorded, seconds=f"{report.seconds:.1f}",
                            where=report.where)
        else:
            text = self.tr_("voice.tab.not_said", problem=report.problem)
        if report.said and report.problem:
            text += "\n" + self.tr_("voice.tab.lacks", problem=report.problem)
        self.summary.setText(text)
        self.note(text)

    def _failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.failed(exc)


def add_voice_tab(window) -> VoicePanel | None:
    """The voice tab of ``window`` (a ``TechnicianWindow``) when its diagnostics can test the voice."""
    if window.diagnostics.voice_test is None:
        return None
    panel = VoicePanel(window)
    window.add_device_tab("voice", panel, window.tr_("voice.tab.title"))
    return panel
