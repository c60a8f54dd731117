"""A tiny W3C WebDriver client (urllib only) driving the system's headless Chromium.

Enough for the report test: open a page, run a script, read the browser console
and the network log, take a screenshot. ``browser()`` skips the test when
Chromium or chromedriver is missing (``tests/browser/install.sh`` installs them).
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

# Headless as root in a closed network: no sandbox, no GPU, and no background
# traffic (its connections would be refused and logged as console errors).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,1600",
]


class Browser:
    """One WebDriver session."""

    def __init__(self, base: str, session: str) -> None:
        self.base, self.session = base, session

    def _call(self, method: str, path: str, body: dict | None = None):
        return _request(method, f"{self.base}/session/{self.session}{path}", body)

    def open(self, url: str) -> None:
        """Navigate and wait for the load event; the logs then hold only this page's entries."""
        self._call("POST", "/url", {"url": "about:blank"})  # leave the start page first
        for kind in ("browser", "performance"):
            self.log(kind)  # reading a log empties it: drop the start page's entries
        self._call("POST", "/url", {"url": url})

    def run(self, script: str, *args):
        """Run JavaScript in the page and return its value."""
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def log(self, kind: str) -> list[dict]:
        """Entries of the ``browser`` (console) or ``performance`` (DevTools events) log."""
        return self._call("POST", "/se/log", {"type": kind})

    def requests(self) -> list[str]:
        """URLs of every request the page made (from the DevTools network events)."""
        urls = []
        for entry in self.log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def resize(self, width: int, height: int) -> None:
        """Set the window size (the screenshot's size)."""
        self._call("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path) -> None:
        """Write a PNG of the viewport to ``path``."""
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))


def _request(method: str, url: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as response:
        return json.loads(response.read() or b"null").get("value")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def browser():
    """A fresh headless Chromium session with console and network logging."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("chromium and chromedriver are not installed (tests/browser/install.sh)")
    port = _free_port()
    process = subprocess.Popen(
        [driver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    profile = tempfile.mkdtemp(prefix="ftdata-chromium-")
    try:
        _wait_ready(base)
        caps = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [*CHROMIUM_ARGS, f"--user-data-dir={profile}"],
            },
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
        }
        session = _request("POST", f"{base}/session", {"capabilities": {"alwaysMatch": caps}})[
            "sessionId"
        ]
        try:
            yield Browser(base, session)
        finally:
            _request("DELETE", f"{base}/session/{session}")
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if _request("GET", f"{base}/status").get("ready"):
                return
        time.sleep(0.1)
    raise RuntimeError("chromedriver did not start")
