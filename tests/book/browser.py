"""Open a built page in headless Chromium with networking off and ask the live page what it shows.

A tiny client of the Chrome DevTools Protocol (over ``websocket-client``, already a Jupyter
dependency): start Chromium, open the page, wait until the document has loaded and the widget
manager has rendered, then evaluate JavaScript in the page and return the result as Python data.
Networking is off twice over: every host name resolves to nothing and every proxy request goes to
a closed port, so a page that needs a CDN shows it by failing.

While the page lives, the client records what a reader's browser console would show
(:meth:`Page.problems`): console errors (``console.error``/``console.assert`` and the browser's own
error log entries), uncaught exceptions (``Runtime.exceptionThrown``), requests that failed
(``Network.loadingFailed``) and every request for something outside the book (any URL that is not
``file://``, ``data:``, ``blob:`` or ``about:``). The page tests fail on any of them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

# URL schemes that never leave the machine: anything else is an external request.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

OFFLINE_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--allow-file-access-from-files",
]


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError(
        "Chromium is required for the browser tests: install it (Debian: apt-get install chromium)"
    )


class Page:
    """One page loaded in a headless Chromium; ``evaluate`` runs JavaScript in it."""

    def __init__(self, url: str, width: int = 1280, height: int = 2000):
        self._profile = tempfile.mkdtemp(prefix="cvcourse-chromium-")
        self._proc = subprocess.Popen(
            [
                find_chromium(),
                *OFFLINE_FLAGS,
                f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        port = self._devtools_port()
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list").read())
        page = next(t for t in targets if t["type"] == "page")
        self._ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self._next_id = 0
        self._problems: list[str] = []
        self._urls: dict[str, str] = {}  # requestId -> URL, to name a failed request
        # Every domain whose events we record is enabled before the page starts loading.
        for domain in ("Page", "Runtime", "Log", "Network"):
            self._send(f"{domain}.enable")
        self._send("Page.navigate", url=url)

    def _devtools_port(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        assert self._proc.stderr is not None
        while time.monotonic() < deadline:
            line = self._proc.stderr.readline()
            match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if match:
                return int(match.group(1))
            if not line and self._proc.poll() is not None:
                break
        raise RuntimeError("Chromium did not start its DevTools endpoint")

    def _send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:  # an event that arrived while we waited for our answer
                self._record(message["method"], message.get("params", {}))

    def _record(self, method: str, params: dict[str, Any]) -> None:
        """Keep the events a reader would see as errors, as one line of text each."""
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(_remote_text(arg) for arg in params.get("args", []))
            self._problems.append(f"console.{params['type']}: {text}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            where = f" ({entry['url']})" if entry.get("url") else ""
            self._problems.append(f"browser log error: {entry.get('text', '')}{where}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exception = details.get("exception", {})
            text = exception.get("description") or details.get("text", "")
            self._problems.append(f"uncaught exception: {text.splitlines()[0] if text else ''}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            self._urls[params["requestId"]] = url
            if not url.startswith(LOCAL_SCHEMES):
                self._problems.append(f"external request: {url}")
        elif method == "Network.loadingFailed":
            url = self._urls.get(params["requestId"], "?")
            if not url.startswith(LOCAL_SCHEMES):
                return  # already reported as an external request
            self._problems.append(f"failed request: {url} ({params.get('errorText', '')})")

    def problems(self, settle: float = 0.5) -> list[str]:
        """Console errors, uncaught exceptions, failed and external requests, in arrival order.

        Events are read as they arrive with the answers to our commands; this first waits
        ``settle`` seconds for any still on their way (a late script error, a slow request).
        """
        time.sleep(settle)
        self.evaluate("0")  # a round trip: everything sent before its answer is now recorded
        return list(self._problems)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises are awaited), as Python data."""
        result = self._send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll a JavaScript expression until it is truthy; return its last value either way."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.25)
        return value

    def screenshot(self, path: Path) -> None:
        data = self._send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        import base64

        path.write_bytes(base64.b64decode(data["data"]))

    def close(self) -> None:
        try:
            self._ws.close()
        finally:
            self._proc.kill()
            self._proc.wait(timeout=30)
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remote_text(arg: dict[str, Any]) -> str:
    """A console argument (a DevTools RemoteObject) as text."""
    if "value" in arg:
        return str(arg["value"])
    return str(arg.get("description") or arg.get("type", ""))
