"""A real headless browser for tests: Debian's Chromium driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: JSON messages ended by a NUL byte, commands on the browser's fd 3, answers and
events on its fd 4), so no driver and no Python package beyond the standard library is needed.

    with Browser.launch(tmp_path) as browser:     # pytest.skip/fail as ``chromium_or_skip`` says
        browser.open("http://127.0.0.1:8765/fleet/login")
        browser.evaluate("document.title")
        browser.submit_form("#login", staff_id="T01", pin="13572468")   # types, submits, waits for the next page
        png = browser.screenshot()

``chromium_or_skip()``: the browser's path; a test skips (with the reason) only when it is missing and the
tests do not run as root: as root (CI, ``./dev test``) ``./dev setup`` installs it, so missing is a failure.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

TIMEOUT_S = 20.0


def chromium_or_skip() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.geteuid() != 0:
        pytest.skip("LOUD SKIP: no Chromium on this machine, so the fleet page is not tested in a real browser; "
                    "install it with `sudo apt-get install -y chromium` (./dev setup does it as root)")
    pytest.fail("Chromium is missing although the tests run as root: run ./dev setup (it installs chromium)")


class Browser:
    def __init__(self, process: subprocess.Popen, to_browser: int, from_browser: int) -> None:
        self._process = process
        self._out = to_browser
        self._in = from_browser
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        self.session = ""

    @classmethod
    def launch(cls, profile_dir: Path, *, width: int = 1280, height: int = 720, language: str = "zh-CN") -> Browser:
        binary = chromium_or_skip()
        commands_r, commands_w = os.pipe()
        answers_r, answers_w = os.pipe()

        def child_fds() -> None:  # the browser reads commands on fd 3 and writes answers on fd 4
            os.dup2(commands_r, 3)
            os.dup2(answers_w, 4)

        process = subprocess.Popen(
            [binary, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
             f"--user-data-dir={profile_dir}", f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_r)
        os.close(answers_w)
        browser = cls(process, commands_w, answers_r)
        try:
            target = browser.call("Target.createTarget", {"url": "about:blank"}, session=None)["targetId"]
            browser.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                           session=None)["sessionId"]
            browser.call("Page.enable")
            agent = browser.call("Browser.getVersion", session=None)["userAgent"]
            browser.call("Emulation.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": language})
            browser.call("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            browser.close()
            raise
        return browser

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)

    # --- the protocol ---------------------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("the browser did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError("the browser closed its pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, *, session: str | None | bool = True) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session is True:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._out, data):]
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._events.append(answer)

    def wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method:
                    return self._events.pop(i)
            self._events.append(self._read_message(deadline))

    # --- what a test does -----------------------------------------------------------------------------

    def open(self, url: str) -> None:
        self._events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def submit_form(self, form: str, **fields: str) -> None:
        """Types each field's value into the input of that id and presses the submit button of the form
        ``form`` (a CSS selector)."""
        self._events.clear()
        for name, value in fields.items():
            self.evaluate(f"document.getElementById({json.dumps(name)}).value = {json.dumps(value)}")
        self.evaluate(f"document.querySelector({json.dumps(form + ' [type=submit]')}).click()")
        self.wait_event("Page.loadEventFired")

    def click(self, selector: str) -> None:
        self._events.clear()
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_event("Page.loadEventFired")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])
