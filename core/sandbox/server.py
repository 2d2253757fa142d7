"""The Sandbox: a local emulator of TikTok's Login Kit and Content Posting API on a loopback HTTP server."""

from __future__ import annotations

import functools
import logging
import secrets
import selectors
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from core.sandbox import content, mediahost, oauth, pages, tlscert, upload
from core.sandbox.config import DEFAULT_SCOPES, SandboxConfig
from core.sandbox.http import ConnectionDropped, Exchange, LoggedRequest, OAuthError, V2Error
from core.sandbox.state import State, file_sha256
from core.sandbox.world import World

log = logging.getLogger(__name__)

Route = Callable[[Exchange], None]

ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/v2/auth/authorize/"): oauth.authorize_page,
    ("POST", "/v2/auth/authorize/"): oauth.authorize_decision,
    ("POST", "/v2/oauth/token/"): oauth.token,
    ("POST", "/v2/oauth/revoke/"): oauth.revoke,
    ("GET", "/v2/user/info/"): content.user_info,
    ("POST", "/v2/post/publish/creator_info/query/"): content.creator_info,
    ("POST", "/v2/post/publish/video/init/"): content.video_init,
    ("POST", "/v2/post/publish/inbox/video/init/"): content.inbox_init,
    ("POST", "/v2/post/publish/content/init/"): content.content_init,
    ("POST", "/v2/post/publish/status/fetch/"): content.status_fetch,
    ("POST", "/v2/post/publish/cancel/"): content.cancel,
    ("PUT", "/upload/"): upload.put_chunk,
    ("GET", "/avatar/"): content.avatar,
    ("GET", "/"): pages.front,
    ("GET", "/profile/"): pages.profile,
    ("GET", "/video/"): pages.video,
}


@dataclass(frozen=True)
class ReceivedFile:
    """The bytes the sandbox has accepted for a publish so far; `sha256` is computed when first asked for."""

    path: Path
    size: int
    complete: bool

    @functools.cached_property
    def sha256(self) -> str:
        """Of the bytes accepted so far, read from disk (OSError once a restart has pruned them)."""
        return file_sha256(self.path, self.size)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, address: tuple[str, int], handler: type[Exchange]) -> None:
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox connection error", exc_info=True)

    def shutdown_request(self, request: Any) -> None:
        handler_cls: type[Exchange] = self.RequestHandlerClass  # type: ignore[assignment]
        handler_cls.sandbox.track_connection(request, add=False)
        super().shutdown_request(request)


class _TlsServer(_Server):
    """The media host's listener: plain accept, then TLS on the connection (its handshake happens in the
    connection's own thread, at the first read, never in the accept loop)."""

    ssl_context: ssl.SSLContext

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        try:
            # SSLSocket leaks (unclosed) a connection whose peer already left when it is wrapped: check first.
            sock.getpeername()
            return self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr
        except OSError:
            sock.close()
            raise


class Sandbox:
    """The emulator: a World (its state, in world.py) and the servers that answer for it. start() serves on a
    daemon thread; stop() is idempotent. Also a context manager."""

    def __init__(
        self,
        state_dir: Path,
        config: SandboxConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        media_port: int = 0,
    ):
        self.world = World(Path(state_dir), config or SandboxConfig())
        self.host = host
        self.port = port
        self.lock = threading.RLock()  # the request log, the open connections
        self._log: list[LoggedRequest] = []
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._upload_server: _Server | None = None
        self._media_server: _Server | None = None
        self.upload_port = 0
        self.media_port = 0
        self._wanted_media_port = media_port  # 0: ephemeral; a taken port falls back to an ephemeral one
        self.media_ca: str | None = None  # the media host's self-signed certificate (PEM), which clients trust
        self._thread: threading.Thread | None = None
        self.view_key = secrets.token_urlsafe(12)  # opens the demo pages (they show the user's uploads)

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        world = self.world
        world.stopping.clear()
        api_handler = type("SandboxApiExchange", (_Handler,), {"sandbox": self, "world": world, "role": "api"})
        upload_handler = type("SandboxUploadExchange", (_Handler,), {"sandbox": self, "world": world, "role": "upload"})
        self._server = _Server((self.host, self.port), api_handler)
        try:
            # Uploads go to another origin, as TikTok's upload hosts differ from its API host: a client
            # must use upload_url as given, not build it from the API base.
            self._upload_server = _Server((self.host, 0), upload_handler)
        except OSError:
            self._server.server_close()
            self._server = None
            raise
        self.port = self._server.server_address[1]
        self.upload_port = self._upload_server.server_address[1]
        if world.config.media_host:
            self._start_media_server()
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        servers = tuple(s for s in (self._server, self._upload_server, self._media_server) if s is not None)
        self._thread = threading.Thread(target=self._serve, args=(servers,), name="clipship-sandbox", daemon=True)
        self._thread.start()
        log.info("sandbox listening on %s", self.base_url)
        return self

    def _start_media_server(self) -> None:
        """The demo media host for PULL_FROM_URL posts: https://localhost:PORT/ with a self-signed certificate."""
        pair = tlscert.ensure_cert(self.world.state_dir / "tls")
        if pair is None:
            return
        cert, key = pair
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        media_handler = type(
            "SandboxMediaExchange", (_Handler,), {"sandbox": self, "world": self.world, "role": "media"}
        )
        try:
            server = _TlsServer((self.host, self._wanted_media_port), media_handler)
        except OSError:
            server = _TlsServer((self.host, 0), media_handler)
        server.ssl_context = context
        self._media_server = server
        self.media_port = server.server_address[1]
        self.media_ca = str(cert)

    def stop(self) -> None:
        server, upload_server, thread = self._server, self._upload_server, self._thread
        media_server = self._media_server
        if server is None:
            return
        self._server = self._upload_server = self._thread = self._media_server = None
        # Downloads first, while the media host still answers: they end at their next piece. (Cutting a TLS
        # handshake short instead leaks the client's SSLSocket unclosed in CPython's ssl module.)
        self.world.stopping.set()
        for pull_thread in self.world.live_pulls():
            pull_thread.join(timeout=2)
        self._stopping.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if thread is not None:
            thread.join(timeout=5)
        server.server_close()
        if upload_server is not None:
            upload_server.server_close()
        if media_server is not None:
            media_server.server_close()
        self._wake_r.close()
        self._wake_w.close()
        with self.lock:
            live = list(self._connections)
        for sock in live:  # idle keep-alive connections would otherwise hold their threads
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _serve(self, servers: tuple[_Server, ...]) -> None:
        """serve_forever(poll_interval=0.05) for both listeners, plus a wake-up socket so stop() is quick."""
        with selectors.DefaultSelector() as selector:
            for server in servers:
                selector.register(server.socket, selectors.EVENT_READ, server)
            selector.register(self._wake_r, selectors.EVENT_READ, None)
            while not self._stopping.is_set():
                for key, _ in selector.select(0.05):
                    if key.data is not None and not self._stopping.is_set():
                        key.data._handle_request_noblock()
                for server in servers:
                    server.service_actions()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def track_connection(self, sock: socket.socket, add: bool) -> None:
        """Called by the exchanges: open connections are shut down by stop()."""
        with self.lock:
            if add:
                self._connections.add(sock)
            else:
                self._connections.discard(sock)

    # -- public helpers for tests and the app ----------------------------------------------------------

    @property
    def state_dir(self) -> Path:
        return self.world.state_dir

    @property
    def config(self) -> SandboxConfig:
        """The live configuration: faults and limits may be changed at runtime."""
        return self.world.config

    @config.setter
    def config(self, value: SandboxConfig) -> None:
        self.world.config = value

    @property
    def state(self) -> State:
        """The persistent records (accounts, grants, publishes) and their cross-process lock."""
        return self.world.state

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def upload_base_url(self) -> str:
        """Where upload URLs point (another port than base_url, as TikTok's upload hosts differ)."""
        return f"http://{self.host}:{self.upload_port}"

    @property
    def media_base_url(self) -> str:
        """The demo media host (https, a host name as TikTok requires; "" when it is off)."""
        return f"https://localhost:{self.media_port}" if self.media_port else ""

    @property
    def pages_url(self) -> str:
        """The demo pages (accounts, posts, their videos), with the key that opens them."""
        return f"{self.base_url}/?key={self.view_key}"

    @property
    def auth_url(self) -> str:
        return self.base_url + "/v2/auth/authorize/"

    def issue_token(
        self, scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES, open_id: str | None = None
    ) -> dict[str, Any]:
        """Sign an account in without the browser: the same dict /v2/oauth/token/ returns."""
        return self.world.issue_token(self.world.account(open_id).open_id, list(scopes))

    def received(self, publish_id: str) -> ReceivedFile:
        """What arrived for `publish_id` (KeyError if unknown)."""
        got = self.world.received(publish_id)
        return ReceivedFile(got.path, got.size, got.complete)

    def publish_status(self, publish_id: str) -> str:
        return self.world.publish_status(publish_id)

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self.lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self.lock:
            self._log.clear()

    def log_request(self, entry: LoggedRequest) -> None:
        """Called by the exchanges, once per request, before the client sees an answer."""
        with self.lock:
            self._log.append(entry)

    # -- the world's fault and limit helpers, for tests ------------------------------------------------

    def take_fault(self, table: dict[Any, int], key: Any) -> bool:
        """Consume one unit of a counted fault; True when it applies now."""
        return self.world.take_fault(table, key)

    def take_counter(self, name: str) -> bool:
        return self.world.take_counter(name)

    def count_call(self) -> bool:
        return self.world.count_call()

    def rate_ok(self, token_key: str, bucket: str) -> bool:
        return self.world.rate_ok(token_key, bucket)

    def reset_rate_limits(self) -> None:
        self.world.reset_rate_limits()


UPLOAD_ROUTES = (upload.put_chunk, upload.sink)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _loopback_host(host: str | None) -> bool:
    """Whether a Host header names this machine's loopback (None: an HTTP/1.0 client that sent none)."""
    if host is None:
        return True
    name = host.strip().lower()
    if name.startswith("["):
        name = name[: name.find("]") + 1]
    else:
        name = name.rsplit(":", 1)[0]
    return name in LOOPBACK_HOSTS


class _Handler(Exchange):
    """Routes each request and records it in the request log. `role`: "api" or "upload" listener."""

    role = "api"

    def _dispatch(self) -> None:
        self.parse_target()
        if self.role == "media":
            self._dispatch_media()
            return
        if not _loopback_host(self.headers.get("Host")):  # a page on another site resolving to 127.0.0.1
            if not self.body_read:
                self._drain()
            self.send_v2(421, {}, "invalid_params", "This server answers only to 127.0.0.1 and localhost.")
            return
        route = ROUTES.get(("GET" if self.command == "HEAD" else self.command, self.url_path))
        sink = self.url_path.startswith("/sink/") and self.command in ("PUT", "POST")
        if route is None and sink and self.world.config.enable_sink:
            route = upload.sink  # curl -T FILE .../sink/ appends the file name
        if route is not None and route is not upload.sink and (route in UPLOAD_ROUTES) != (self.role == "upload"):
            route = None  # each listener serves only its own paths
        try:
            if route is None:
                known = any(
                    path == self.url_path and (r in UPLOAD_ROUTES) == (self.role == "upload")
                    for (_, path), r in ROUTES.items()
                )
                raise V2Error(405 if known else 404, "invalid_params", "Unknown method or path.")
            route(self)
        except V2Error as exc:
            if not self.body_read:  # never parse an unread body as the next request
                self._drain()
            self.send_v2(exc.status, {}, exc.code, exc.message)
        except OAuthError as exc:
            self.send_oauth_error(exc)
        except ConnectionDropped:
            pass
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            self.status_sent = 0
            self.error_code = "connection_lost"
        except Exception as exc:  # the server must keep running whatever a handler does
            # One line (a full disk fails every chunk: no wall of tracebacks); the traceback with --debug.
            log.warning("sandbox: %s %s failed (%s)", self.command, self.url_path, exc, exc_info=log.isEnabledFor(10))
            self.close_connection = True
            if not self.status_sent:
                try:
                    self.send_v2(500, {}, "internal_error")
                except OSError:
                    pass
        finally:
            self.record()  # when no answer was sent (lost connection); otherwise already recorded

    def _dispatch_media(self) -> None:
        try:
            if self.command in ("GET", "HEAD"):
                mediahost.serve(self)
            else:
                self._drain()
                self.send_bytes(405, b"", None)
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True
        finally:
            self.record()

    def _drain(self) -> None:
        """Read and drop a small unread body (a bigger one, or chunked: the connection closes instead)."""
        self.body_read = True
        length = self.content_length()
        if self.headers.get("Transfer-Encoding") or (length is not None and not 0 <= length <= 1024 * 1024):
            self.close_connection = True
            return
        if length and len(self.rfile.read(length)) != length:
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()
