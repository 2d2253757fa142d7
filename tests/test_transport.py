"""The transport under the API client and the uploader: redirects never followed, cancel cuts a silent server."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.api import TikTokClient
from core.auth.oauth import OAuthClient
from core.chunks import plan_chunks
from core.config import Config
from core.context import StaticToken
from core.errors import Cancelled, ClipshipError, NetworkError
from core.upload import Uploader
from tests.engine_helpers import make_video


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, bytes]] = []
    redirect_to = ""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).seen.append((self.path, body + self.headers.get("Authorization", "").encode()))
        if type(self).redirect_to:
            self.send_response(307)
            self.send_header("Location", type(self).redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, *args: Any) -> None:
        pass


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> tuple[http.server.HTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def redirector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """A server that answers every request with 307 to a second server, which records what reaches it."""
    elsewhere = type("Elsewhere", (_Recorder,), {"seen": [], "redirect_to": ""})
    other, other_url = _serve(elsewhere)
    front = type("Front", (_Recorder,), {"seen": [], "redirect_to": other_url})
    server, url = _serve(front)
    yield url, elsewhere.seen
    for s in (server, other):
        s.shutdown()
        s.server_close()


def test_api_calls_never_follow_a_redirect(redirector: tuple[str, list[Any]], tmp_path: Path) -> None:
    url, elsewhere = redirector
    with (
        TikTokClient(Config(api_base=url, data_dir=tmp_path), StaticToken("act.secret-token")) as client,
        pytest.raises(NetworkError) as info,
    ):
        client.fetch_status("p1")
    assert "redirect" in info.value.message and "act.secret-token" not in info.value.user_text()
    assert elsewhere == []


def test_oauth_never_follows_a_redirect(redirector: tuple[str, list[Any]]) -> None:
    url, elsewhere = redirector
    with (
        OAuthClient(api_base=url, client_key="key", client_secret="the-client-secret") as oauth,
        pytest.raises(ClipshipError) as info,
    ):
        oauth.refresh("rft.the-refresh-token")
    assert "redirect" in info.value.message and "the-client-secret" not in info.value.user_text()
    assert elsewhere == []


def test_upload_never_follows_a_redirect(redirector: tuple[str, list[Any]], tmp_path: Path) -> None:
    url, elsewhere = redirector
    video = make_video(tmp_path / "v.mp4", 1_000_000)
    uploader = Uploader()
    with pytest.raises(ClipshipError):
        uploader.upload(url + "/upload/?upload_token=t", video, plan_chunks(1_000_000))
    uploader.close()
    assert elsewhere == []


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections, reads what comes, never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conns.append(conn)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    acceptor.join(2)
    for conn in conns:
        conn.close()
    listener.close()


def _cancel_after(seconds: float) -> threading.Event:
    cancel = threading.Event()
    threading.Timer(seconds, cancel.set).start()
    return cancel


def test_cancel_cuts_an_api_call_to_a_server_that_never_answers(silent_server: str, tmp_path: Path) -> None:
    client = TikTokClient(Config(api_base=silent_server, data_dir=tmp_path), StaticToken("t"), timeout=(5.0, 60.0))
    cancel = _cancel_after(0.3)
    started = time.monotonic()
    with client, pytest.raises(Cancelled):
        client.fetch_status("p1", cancel)
    assert time.monotonic() - started < 1.3


def test_cancel_cuts_an_upload_the_server_stopped_reading(silent_server: str, tmp_path: Path) -> None:
    """A 60 MB chunk to a server that reads nothing: send() blocks once the socket buffers are full."""
    video = make_video(tmp_path / "v.mp4", 60_000_000)
    uploader = Uploader(timeout=(5.0, 60.0))
    cancel = _cancel_after(0.5)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        uploader.upload(silent_server + "/upload/", video, plan_chunks(60_000_000), cancel=cancel)
    uploader.close()
    assert time.monotonic() - started < 1.5 and not uploader.all_sent
