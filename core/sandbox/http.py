"""The request handler base of the sandbox: response helpers (v2 envelope, OAuth errors, HTML), connection resets."""

from __future__ import annotations

import json
import secrets
import socket
import struct
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from core.sandbox.server import Sandbox
    from core.sandbox.world import World

MAX_API_BODY = 1024 * 1024

MESSAGES: dict[str, str] = {
    "ok": "",
    "access_token_invalid": "The access token is invalid or not found in the request.",
    "scope_not_authorized": "The user did not authorize the scope required for completing this request.",
    "scope_permission_missed": "The fields requested need additional scopes.",
    "rate_limit_exceeded": "The API rate limit was exceeded. Please try again later.",
    "internal_error": "Something went wrong. Please try again later.",
    "invalid_publish_id": "The publish_id is invalid or does not exist.",
    "token_not_authorized_for_specified_publish_id": "The access token is not authorized for the publish_id.",
    "privacy_level_option_mismatch": "The privacy_level is not one of the creator's privacy_level_options.",
    "spam_risk_too_many_posts": "The creator has reached the daily cap of posts made through the API.",
    "spam_risk_too_many_pending_share": "The creator has too many pending shares in the inbox.",
    "spam_risk_user_banned_from_posting": "The creator is banned from posting.",
    "reached_active_user_cap": "The daily cap of active posting users for this client has been reached.",
    "unaudited_client_can_only_post_to_private_accounts": "Unaudited clients can only post to private accounts.",
    "url_ownership_unverified": "The domain or URL prefix of the media URL has not been verified.",
}


class V2Error(Exception):
    """An error answered in the v2 envelope: {"data": {}, "error": {code, message, log_id}}."""

    def __init__(self, status: int, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, code)


class OAuthError(Exception):
    """An error answered in the flat OAuth format: {"error", "error_description", "log_id"}."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


class ConnectionDropped(Exception):
    """The handler reset the connection on purpose (a fault); nothing more can be sent."""


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the sandbox saw it: the path has no query string (it may hold upload tokens)."""

    method: str
    path: str
    status: int  # 0 when the connection was dropped on purpose
    error_code: str | None  # v2 error.code ("ok" on success), OAuth "error", else None


def new_log_id() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


class Exchange(BaseHTTPRequestHandler):
    """One HTTP/1.1 connection. The server sets `world` (the state endpoints work on, through its methods) and
    `sandbox` (the server: its URLs, view key, request log) on the subclass it builds."""

    protocol_version = "HTTP/1.1"
    server_version = "ClipshipSandbox/1"
    sandbox: Sandbox
    world: World

    def setup(self) -> None:
        self.request.settimeout(self.world.config.socket_timeout_s)
        try:  # headers and body go out in separate writes: without this, Nagle adds 40 ms per answer
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().setup()
        self.sandbox.track_connection(self.connection, add=True)

    def finish(self) -> None:
        if getattr(self, "_dropped", False):
            return
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return None  # the request log records method, path (no query) and status instead

    # -- request ---------------------------------------------------------------------------------------

    def parse_target(self) -> None:
        parts = urlsplit(self.path)
        self.url_path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.status_sent = 0
        self.error_code: str | None = None
        self._dropped = False
        self._logged = False
        self.body_read = False

    def record(self) -> None:
        """Add this request to the sandbox's log, once, before the client can see any answer."""
        if self._logged:
            return
        self._logged = True
        code = "connection_dropped" if self._dropped else self.error_code
        self.sandbox.log_request(LoggedRequest(self.command, self.url_path, self.status_sent, code))

    def query_one(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def content_length(self) -> int | None:
        raw = self.headers.get("Content-Length")
        if raw is None:
            return None
        raw = raw.strip()
        if not (raw.isascii() and raw.isdigit()):
            return -1
        return int(raw)

    def read_small_body(self) -> bytes:
        """The whole body of an API call (bounded); chunked transfer is not accepted."""
        self.body_read = True
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise V2Error(400, "invalid_params", "Transfer-Encoding is not supported; send Content-Length.")
        length = self.content_length()
        if length is None:
            return b""
        if length < 0 or length > MAX_API_BODY:
            self.close_connection = True
            raise V2Error(400, "invalid_params", "The Content-Length header is invalid.")
        data = self.rfile.read(length)
        if len(data) != length:
            self.close_connection = True
            raise V2Error(400, "invalid_params", "The request body is shorter than Content-Length.")
        return data

    # -- responses -------------------------------------------------------------------------------------

    def send_response(self, code: int, message: str | None = None) -> None:
        self.status_sent = code
        super().send_response(code, message)

    def send_bytes(
        self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-tt-logid", new_log_id())
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.record()
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def send_stream(
        self, status: int, content_type: str, headers: dict[str, str], path: Path, offset: int, length: int
    ) -> None:
        """Answer with `length` bytes of the file at `path` from `offset` (headers must hold Content-Length)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for key, value in headers.items():
            self.send_header(key, value)
        self.record()
        self.end_headers()
        if self.command == "HEAD":
            return
        with path.open("rb") as fh:
            fh.seek(offset)
            left = length
            while left > 0:
                data = fh.read(min(1024 * 1024, left))
                if not data:
                    self.close_connection = True
                    return
                self.wfile.write(data)
                left -= len(data)

    def send_json(self, status: int, obj: Any) -> None:
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        self.send_bytes(status, body, "application/json; charset=UTF-8")

    def send_v2(self, status: int, data: dict[str, Any], code: str = "ok", message: str | None = None) -> None:
        self.error_code = code
        error = {
            "code": code,
            "message": MESSAGES.get(code, "") if message is None else message,
            "log_id": new_log_id(),
        }
        self.send_json(status, {"data": data, "error": error})

    def send_oauth(self, obj: dict[str, Any]) -> None:
        self.error_code = None
        self.send_json(200, obj)

    def send_oauth_error(self, exc: OAuthError) -> None:
        self.error_code = exc.error
        body = {"error": exc.error, "error_description": exc.description, "log_id": new_log_id()}
        self.send_json(self.world.config.oauth_errors_http_status, body)

    def send_html(self, status: int, html: str) -> None:
        self.send_bytes(status, html.encode("utf-8"), "text/html; charset=utf-8")

    def redirect(self, location: str) -> None:
        self.send_bytes(302, b"", None, {"Location": location, "Cache-Control": "no-store"})

    def drop_connection(self) -> None:
        """Reset the TCP connection at once (RST, no response); the handler must stop afterwards."""
        self._dropped = True
        self.close_connection = True
        self.status_sent = 0
        self.record()
        sock: socket.socket = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for stream in (self.rfile, self.wfile):
            try:
                stream.close()
            except OSError:
                pass
        try:
            sock.close()
        except OSError:
            pass
        raise ConnectionDropped()
