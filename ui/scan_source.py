"""``ScanSource``: every way a code reaches a window, merged into one ``scanned(str)`` signal.

A code can arrive three ways (docs/codes.md):

- a keyboard-wedge scanner types it: the application's one wedge capture (``ui.wedge.listen_for_scans``,
  ``wedge=True``), already on the GUI thread, while this source's ``window`` has the keyboard focus;
- a serial scanner (``[devices] scanner``, built by ``kiosk.app.build_scanner``) calls back on its own
  owner thread ``device:scanner``: re-emitted here as queued signals;
- a camera's preview frames, while a page asks for them: ``start_camera()`` / ``stop_camera()`` with the
  terminal's camera (a ``DocumentCamera``: its preview listener feeds the decoder on the camera's preview
  thread), or ``feed_frame(frame)`` from a page that has frames of its own (the clerk's live preview). A
  ``FrameDecoder`` on its own thread ``device:frame-decoder`` finds the code (``[devices] decoder`` back
  end); its text is re-emitted as a queued signal. No camera frames are looked at otherwise.

    scans = ScanSource(app, scanner=terminal.scanner)      # kiosk/app.py: terminal.scans
    scans.scanned.connect(window.on_scan)                   # GUI thread; the text is UNTRUSTED: classify it
    scans.start()                                           # starts the serial scanner's thread
    ...
    scans.close()                                           # stops listening, threads joined (bounded)

``state(ScannerState)`` and ``error(DeviceError)`` report the serial scanner (the technician's tab shows
them; a kiosk may say "scanner not available"). ``enabled`` (default True) lets a window ignore scans
while it does something else; nothing is queued meanwhile. ``window`` (default None) binds the wedge
scans to a window: several sources share the application's one wedge capture, and a burst goes to the
source of the window it was typed into (a source bound to no window gets the bursts of windows nobody
listens for).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from core.ports.scanner import ScannerState

log = logging.getLogger(__name__)


class ScanSource(QObject):
    scanned = Signal(str)
    state = Signal(object)  # ScannerState of the serial scanner
    error = Signal(object)  # DeviceError of the serial scanner or the frame decoder
    _from_thread = Signal(str)  # queued hop from a device thread to the GUI thread

    def __init__(self, app: QObject | None = None, *, scanner=None, wedge: bool = True,
                 frame_decoder_factory=None, camera=None, parent: QObject | None = None) -> None:
        """``scanner``: a ``CodeScanner`` (not started) or None; ``wedge``: listen on the keyboard-wedge
        capture of ``app`` (the QApplication; made by the first listener); ``frame_decoder_factory(on_codes, on_error)``: builds a
        ``FrameDecoder`` when the first frame is fed (``kiosk.app.build_frame_decoder_factory``; None:
        frames are ignored); ``camera``: the terminal's started ``DocumentCamera`` for ``start_camera``."""
        super().__init__(parent)
        self.scanner = scanner
        self.enabled = True
        self._window = None
        self._closed = False
        self._started = False
        self.current_state = scanner.state if scanner is not None else ScannerState.STOPPED
        self._frame_decoder = None
        self._frame_decoder_factory = frame_decoder_factory
        self.camera = camera
        self._camera_on = False
        self._from_thread.connect(self._deliver)
        self.wedge = None  # a ui.wedge.WedgeListener on the application's one wedge capture
        if wedge and app is not None:
            from ui.wedge import listen_for_scans

            self.wedge = listen_for_scans(app, self._deliver)
        if scanner is not None:
            scanner.on_scan = self._on_thread_scan
            scanner.on_state = self._on_thread_state
            scanner.on_error = self._on_thread_error
        self.state.connect(self._remember_state)

    @property
    def window(self):
        """The window whose wedge scans this source delivers (None: bursts typed where nobody listens)."""
        return self._window

    @window.setter
    def window(self, window) -> None:
        self._window = window
        if self.wedge is not None:
            self.wedge.window = window

    @property
    def has_serial(self) -> bool:
        return self.scanner is not None

    @property
    def can_decode_frames(self) -> bool:
        return self._frame_decoder_factory is not None

    @property
    def has_camera(self) -> bool:
        """A camera whose frames ``start_camera`` can read codes from."""
        return self.camera is not None and self._frame_decoder_factory is not None

    def start(self) -> ScanSource:
        """Starts the serial scanner's owner thread (once; the window has connected ``scanned``)."""
        if self.scanner is not None and not self._started and not self._closed:
            self._started = True
            self.scanner.start()
        return self

    # --- camera frames --------------------------------------------------------------------------

    def _decoder(self):
        if self._frame_decoder is None and self._frame_decoder_factory is not None and not self._closed:
            self._frame_decoder = self._frame_decoder_factory(self._on_thread_codes, self._on_thread_error)
            self._frame_decoder.start()
        return self._frame_decoder

    def feed_frame(self, frame) -> None:
        """A camera frame (numpy uint8 RGB or grey) in which to look for a code, from the GUI thread; never
        blocks (the decoder keeps only the newest frame). The decoder thread starts with the first frame."""
        if self._closed or not self.enabled:
            return
        decoder = self._decoder()
        if decoder is not None:
            decoder.submit(frame)

    def start_camera(self) -> bool:
        """Reads codes from the terminal's camera's preview frames until ``stop_camera`` (the "please scan
        your code" page is shown). False when there is no camera."""
        if not self.has_camera or self._closed:
            return False
        if not self._camera_on:
            self._decoder()
            self._camera_on = True
            self.camera.set_preview_listener(self._on_preview, max_size=(1280, 720))
        return True

    def preview_tap(self):
        """For a page that shows the camera's live preview itself (the kiosk's scan page): a function to
        give every preview frame to (``CameraPreview(tap=…)``), which looks for codes in them until
        ``stop_camera``. None when there is no camera."""
        if not self.has_camera or self._closed:
            return None
        self._decoder()
        return self._on_preview

    def _on_preview(self, preview) -> None:  # the camera's preview thread
        decoder = self._frame_decoder
        if decoder is not None and self.enabled and not self._closed:
            decoder.submit(preview.image)

    def stop_camera(self, timeout_s: float = 3.0) -> None:
        """Stops reading codes from frames (the page that asked for it is gone); joins the decoder's
        thread (bounded)."""
        if self._camera_on:
            self._camera_on = False
            try:
                self.camera.set_preview_listener(None)
            except Exception:  # a camera that failed must not stop the page from closing
                log.exception("detaching from the camera")
        decoder, self._frame_decoder = self._frame_decoder, None
        if decoder is not None:
            decoder.stop(timeout_s)

    # --- callbacks on device threads --------------------------------------------------------------

    def _emit(self, signal, value) -> None:
        if self._closed:
            return
        try:
            signal.emit(value)
        except RuntimeError:  # the QObject is gone (window closed)
            pass

    def _on_thread_scan(self, payload: str) -> None:
        self._emit(self._from_thread, payload)

    def _on_thread_codes(self, codes) -> None:
        for code in codes:
            self._emit(self._from_thread, code.text)

    def _on_thread_state(self, state: ScannerState) -> None:
        self._emit(self.state, state)

    def _on_thread_error(self, error) -> None:
        self._emit(self.error, error)

    # --- GUI thread -------------------------------------------------------------------------------

    def _remember_state(self, state: ScannerState) -> None:
        self.current_state = state

    def _deliver(self, payload: str) -> None:
        if self._closed or not self.enabled:
            return
        self.scanned.emit(payload)

    def inject(self, payload: str) -> None:
        """A code typed on a window's keypad: delivered like a scan (GUI thread)."""
        self._deliver(payload)

    def close(self, timeout_s: float = 3.0) -> None:
        """Stops listening for wedge scans (the last listener removes the capture) and stops the serial
        scanner and frame decoder (bounded waits)."""
        if self._closed:
            return
        self._closed = True
        if self.wedge is not None:
            self.wedge.close()
            self.wedge = None
        self.stop_camera(timeout_s)
        if self.scanner is not None and self._started:
            try:
                self.scanner.stop(timeout_s)
            except Exception:  # closing must go on
                log.exception("stopping the code scanner")
        if self.scanner is not None:
            self.scanner.on_scan = self.scanner.on_state = self.scanner.on_error = None

