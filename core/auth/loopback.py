"""A one-shot HTTP server on 127.0.0.1 that receives TikTok's redirect with the code for one sign-in attempt."""

from __future__ import annotations

import errno
import html
import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from core.auth.oauth import oauth_error
from core.auth.tokens import split_scopes
from core.errors import AuthError, Cancelled

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never 0.0.0.0: only this machine may deliver the code
CALLBACK_PATH = "/callback/"

# The page the browser shows after TikTok sends it back: one card, light or dark as the system is, no script.
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} - Clipship</title><style>
:root{{color-scheme:light dark;--bg:#f1f1f2;--card:#fff;--text:#161823;--muted:#5c5e66;--line:#e3e3e4}}
@media (prefers-color-scheme:dark){{:root{{--bg:#121212;--card:#1f1f23;--text:#f1f1f2;--muted:#a8a8ae;--line:#34343a}}}}
body{{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"DejaVu Sans",sans-serif}}
main{{box-sizing:border-box;max-width:26em;margin:3em auto;padding:2em;text-align:center;background:var(--card);
border:1px solid var(--line);border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}}
.mark{{display:inline-grid;place-items:center;width:4em;height:4em;border-radius:50%;background:{colour}}}
h1{{font-size:1.4em;margin:.6em 0 .3em}}p{{margin:0;color:var(--muted)}}.app{{margin-top:1.5em;font-size:.85em}}
</style></head><body><main><div class="mark" aria-hidden="true"><svg viewBox="0 0 24 24" width="34" height="34"
fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round">{mark}</svg></div>
<h1>{title}</h1><p>{text}</p>
<p class="app">Clipship</p></main></body></html>"""
OK_MARK = ('<path d="M5 12.5l4.5 4.5L19 7.5"/>', "#1a7f37")  # a white check mark on green (5.1:1)
PROBLEM_MARK = ('<path d="M12 6v8M12 18.5v.01"/>', "#b35900")  # a white "!" on amber (4.6:1)


@dataclass(frozen=True)
class CallbackResult:
    """What the redirect carried for our state: a code (a secret) and the scopes the user granted."""

    code: str = field(repr=False)
    scopes: tuple[str, ...]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = sys.platform != "win32"  # on Windows SO_REUSEADDR would let us steal a busy port
    owner: LoopbackReceiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # an idle speculative browser connection must not hold a thread for long
    server_version = "Clipship"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the query holds the code
        return None

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        status, title, text = self.server.owner.handle(self.path)
        mark, colour = OK_MARK if status == 200 else PROBLEM_MARK
        body = PAGE.format(title=html.escape(title), text=html.escape(text), mark=mark, colour=colour).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_POST(self) -> None:  # noqa: N802
        self.send_error(405)


class LoopbackReceiver:
    """Listens on http://127.0.0.1:PORT/callback/ for exactly one redirect carrying `state`.

    Anything else (other paths, a missing or wrong state, a second request) gets a 400 page and is ignored;
    a wrong state is counted as a possible CSRF attempt. Use as a context manager, then wait().
    """

    def __init__(self, state: str, port: int = 0) -> None:
        self._state = state
        self._port = port
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._result: CallbackResult | None = None
        self._error: AuthError | None = None
        self.wrong_state_count = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"LoopbackReceiver(redirect_uri={self.redirect_uri!r})"

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self) -> LoopbackReceiver:
        try:
            server = _Server((HOST, self._port), _Handler)
        except OSError as exc:
            busy = (
                errno.EADDRINUSE,
                errno.EACCES,
                getattr(errno, "WSAEADDRINUSE", -1),
                getattr(errno, "WSAEACCES", -1),
            )
            if exc.errno in busy:
                raise AuthError(
                    f"Port {self._port} on {HOST} is already in use (or not allowed), so the sign-in "
                    "redirect cannot be received.",
                    "Close the program using it, or choose another port with 'clipship login --port N' "
                    "(it must match a redirect URI registered for the app; 0 picks a free one).",
                ) from None
            raise AuthError(
                f"Could not listen on {HOST} for the sign-in redirect ({exc.strerror or exc}).",
                "Check that the loopback interface works, or try another port with --port.",
            ) from None
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="clipship-oauth-loopback", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            return self._port
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        """The exact string sent in both the authorize and the token request."""
        return f"http://{HOST}:{self.port}{CALLBACK_PATH}"

    # --- requests (called on the server's threads) ---------------------------------------------------
    def handle(self, raw_path: str) -> tuple[int, str, str]:
        """Judge one request: (HTTP status, page title, page text)."""
        parts = urlsplit(raw_path)
        if parts.path != CALLBACK_PATH:
            return 404, "Not found", "This address only receives Clipship's TikTok sign-in."
        query = parse_qs(parts.query, keep_blank_values=True)

        def one(name: str) -> str:
            values = query.get(name) or [""]
            return values[0] if len(values) == 1 else ""

        with self._lock:
            if self._done.is_set():
                return 400, "Sign-in already handled", "This sign-in link was already used. You can close this tab."
            if not query:
                return 400, "Sign-in link incomplete", "This address only receives Clipship's TikTok sign-in."
            if one("state") != self._state:
                self.wrong_state_count += 1
                log.warning("Ignored a sign-in redirect with a wrong state (possible CSRF attempt).")
                return (
                    400,
                    "Sign-in link not recognised",
                    (
                        "This sign-in response does not belong to the sign-in Clipship is waiting for, so it was "
                        "ignored. Start the sign-in from Clipship again if needed."
                    ),
                )
            error = one("error")
            code = one("code")
            if error:
                self._error = oauth_error(error, one("error_description"))
                self._done.set()
                return 400, "Sign-in not completed", f"{self._error.message} You can close this tab."
            if not code:
                return 400, "Sign-in link incomplete", "The sign-in response carried no code; it was ignored."
            self._result = CallbackResult(code=code, scopes=split_scopes(one("scopes") or one("scope")))
            self._done.set()
            return 200, "Signed in", "You can close this tab and return to Clipship."

    # --- waiting ----------------------------------------------------------------------------------
    def wait(self, timeout: float, cancel: threading.Event | None = None) -> CallbackResult:
        """Block until the redirect arrives; AuthError on a callback error or timeout, Cancelled on `cancel`."""
        deadline = time.monotonic() + timeout
        while not self._done.wait(timeout=min(0.1, max(deadline - time.monotonic(), 0))):
            if cancel is not None and cancel.is_set():
                raise Cancelled("Sign-in cancelled.", "Nothing was stored.")
            if time.monotonic() >= deadline:
                extra = ""
                if self.wrong_state_count:
                    extra = (
                        f" {self.wrong_state_count} response(s) with a wrong state were ignored "
                        "(possible CSRF attempt, or a stale tab from an earlier sign-in)."
                    )
                raise AuthError(
                    f"Timed out after {timeout:g} s waiting for TikTok's sign-in page to send you back.{extra}",
                    "Run 'clipship login' again and finish on TikTok's page in the browser "
                    "(use --timeout S for more time).",
                )
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
