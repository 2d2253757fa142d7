"""The TikTok Content Posting API client: one requests.Session, typed errors, token refresh, backoff, rate limits."""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import requests

from core.chunks import ChunkPlan
from core.config import Config
from core.context import TokenSource
from core.errors import ApiError, Cancelled, NetworkError, api_error
from core.models import CreatorInfo, PostSettings
from core.transport import TrackingAdapter, cut_on_cancel, tracking_session

log = logging.getLogger(__name__)

CREATOR_INFO_PATH = "/v2/post/publish/creator_info/query/"
DIRECT_INIT_PATH = "/v2/post/publish/video/init/"
INBOX_INIT_PATH = "/v2/post/publish/inbox/video/init/"
STATUS_PATH = "/v2/post/publish/status/fetch/"
CONTENT_INIT_PATH = "/v2/post/publish/content/init/"
CANCEL_PATH = "/v2/post/publish/cancel/"
USER_INFO_PATH = "/v2/user/info/"

# Documented per-token limits (tiktok-api.md §6): requests per sliding minute.
LIMITS = {"init": 6, "status": 30, "creator_info": 20, "user_info": 600, "cancel": 6}  # cancel: not documented
WINDOW_S = 61.0  # a second more than TikTok's minute, for clock skew
RATE_LIMIT_WAITS = (2.0, 5.0, 10.0, 20.0)  # after each 429 (TikTok sends no Retry-After); ~40 s in all
SERVER_ERROR_WAITS = (1.0, 2.0, 4.0)  # after a 5xx, a timeout or a dropped connection
USER_INFO_FIELDS = ("open_id", "union_id", "avatar_url", "display_name")

Sleep = Callable[[float], None]


class RateLimiter:
    """A sliding-window limiter: at most `limit` acquisitions in any `window` seconds. Thread-safe."""

    def __init__(self, limit: int, window: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._stamps: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Seconds until a slot frees (0 when one is free now)."""
        with self._lock:
            now = self._clock()
            while self._stamps and now - self._stamps[0] >= self.window:
                self._stamps.popleft()
            if len(self._stamps) < self.limit:
                return 0.0
            return self._stamps[0] + self.window - now

    def acquire(self, wait: Sleep) -> None:
        """Take a slot, calling wait(seconds) while none is free."""
        while True:
            with self._lock:
                now = self._clock()
                while self._stamps and now - self._stamps[0] >= self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.limit:
                    self._stamps.append(now)
                    return
                pause = self._stamps[0] + self.window - now
            wait(max(pause, 0.01))


_limiters: dict[tuple[str, str, str], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(api_base: str, token: str, kind: str) -> RateLimiter:
    """The process-wide limiter for one endpoint kind and one token (keyed by a hash; the token is not kept)."""
    key = (api_base, hashlib.sha256(token.encode()).hexdigest()[:24], kind)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = RateLimiter(LIMITS[kind])
        return limiter


@dataclass(frozen=True)
class InitResult:
    """What video init returned. The upload URL carries an upload token, so it stays out of repr."""

    publish_id: str
    upload_url: str = field(repr=False)
    log_id: str = ""


@dataclass(frozen=True)
class StatusResult:
    """One status/fetch answer."""

    status: str
    fail_reason: str | None
    post_ids: tuple[str, ...]
    uploaded_bytes: int | None
    log_id: str = ""
    downloaded_bytes: int | None = None  # PULL_FROM_URL


def _post_ids(data: dict[str, Any]) -> tuple[str, ...]:
    raw = data.get("publicaly_available_post_id")
    if raw is None:
        raw = data.get("publicly_available_post_id")
    if not isinstance(raw, list):
        return ()
    return tuple(str(x) for x in raw if x is not None and str(x) != "")


def direct_post_info(settings: PostSettings) -> dict[str, Any]:
    """The post_info object of a direct-post init, from the user's settings."""
    if not settings.privacy_level:
        raise ValueError("privacy_level is required for a direct post")
    info: dict[str, Any] = {
        "privacy_level": settings.privacy_level,
        "disable_comment": settings.disable_comment,
        "disable_duet": settings.disable_duet,
        "disable_stitch": settings.disable_stitch,
        "brand_content_toggle": settings.brand_content_toggle,
        "brand_organic_toggle": settings.brand_organic_toggle,
        "is_aigc": settings.is_aigc,
    }
    if settings.title:
        info["title"] = settings.title
    if settings.video_cover_timestamp_ms is not None:
        info["video_cover_timestamp_ms"] = settings.video_cover_timestamp_ms
    return info


def source_info(plan: ChunkPlan) -> dict[str, Any]:
    return {
        "source": "FILE_UPLOAD",
        "video_size": plan.video_size,
        "chunk_size": plan.chunk_size,
        "total_chunk_count": plan.count,
    }


def api_session() -> tuple[requests.Session, TrackingAdapter]:
    """The API's session: redirects are never followed (a 3xx must not carry the bearer token elsewhere)."""
    return tracking_session()


class TikTokClient:
    """Calls TikTok's v2 API for one account. Every failure is a ClipshipError; tokens never reach a log.

    Retries: 429 waits `rate_limit_waits` in turn; 5xx, timeouts and dropped connections wait `server_error_waits`.
    That is safe for every call here: creator_info and status are reads, and a FILE_UPLOAD init whose answer was
    lost posts nothing (no bytes were sent to its upload URL). The upload itself is core.upload's business.
    """

    def __init__(
        self,
        config: Config,
        tokens: TokenSource,
        session: requests.Session | None = None,
        *,
        timeout: tuple[float, float] = (10.0, 30.0),
        rate_limit_waits: tuple[float, ...] = RATE_LIMIT_WAITS,
        server_error_waits: tuple[float, ...] = SERVER_ERROR_WAITS,
        sleep: Sleep | None = None,
    ) -> None:
        self.config = config
        self.tokens = tokens
        self._own_session = session is None
        self._adapter: TrackingAdapter | None = None
        if session is None:
            session, self._adapter = api_session()
        self.session = session
        self.timeout = timeout
        self.rate_limit_waits = rate_limit_waits
        self.server_error_waits = server_error_waits
        self._sleep = sleep
        self.api_base = config.api_base.rstrip("/")

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> TikTokClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TikTokClient(api_base={self.api_base!r})"

    # -- public calls -------------------------------------------------------------------------------------------

    def creator_info(self, cancel: threading.Event | None = None) -> CreatorInfo:
        """Fresh creator_info/query. A non-ok code on HTTP 200 (daily caps, bans) raises: cannot post now."""
        data, _ = self._call("POST", CREATOR_INFO_PATH, "creator_info", body=None, cancel=cancel)
        options = data.get("privacy_level_options") or []
        try:
            return CreatorInfo(
                nickname=str(data.get("creator_nickname") or ""),
                username=str(data.get("creator_username") or ""),
                avatar_url=str(data.get("creator_avatar_url") or ""),
                privacy_level_options=tuple(str(o) for o in options),
                comment_disabled=bool(data.get("comment_disabled", False)),
                duet_disabled=bool(data.get("duet_disabled", False)),
                stitch_disabled=bool(data.get("stitch_disabled", False)),
                max_video_post_duration_sec=int(data.get("max_video_post_duration_sec") or 0),
            )
        except (TypeError, ValueError) as exc:
            raise ApiError("bad_response", "TikTok's creator info could not be read.", hint="Try again later.") from exc

    def user_info(
        self, fields: tuple[str, ...] = USER_INFO_FIELDS, cancel: threading.Event | None = None
    ) -> dict[str, Any]:
        """GET user/info with the given fields; returns data.user."""
        data, _ = self._call("GET", USER_INFO_PATH, "user_info", params={"fields": ",".join(fields)}, cancel=cancel)
        user = data.get("user")
        return dict(user) if isinstance(user, dict) else {}

    def init_direct(self, settings: PostSettings, plan: ChunkPlan, cancel: threading.Event | None = None) -> InitResult:
        """Direct Post init (FILE_UPLOAD) with every post_info field."""
        body = {"post_info": direct_post_info(settings), "source_info": source_info(plan)}
        return self._init(DIRECT_INIT_PATH, body, cancel)

    def init_inbox(self, plan: ChunkPlan, cancel: threading.Event | None = None) -> InitResult:
        """Inbox (draft) init: only source_info; the creator finishes the post in the TikTok app."""
        return self._init(INBOX_INIT_PATH, {"source_info": source_info(plan)}, cancel)

    def init_video_url(
        self, settings: PostSettings, video_url: str, cancel: threading.Event | None = None
    ) -> InitResult:
        """Video init with source PULL_FROM_URL: direct (post_info) or, for a draft, inbox (source_info only)."""
        source = {"source": "PULL_FROM_URL", "video_url": video_url}
        if settings.draft:
            return self._init(INBOX_INIT_PATH, {"source_info": source}, cancel, upload=False)
        body = {"post_info": direct_post_info(settings), "source_info": source}
        return self._init(DIRECT_INIT_PATH, body, cancel, upload=False)

    def init_photos(self, body: dict[str, Any], cancel: threading.Event | None = None) -> InitResult:
        """content/init for a photo post (the body from core.urlpost.photo_body)."""
        return self._init(CONTENT_INIT_PATH, body, cancel, upload=False)

    def cancel_publish(self, publish_id: str) -> str:
        """POST publish/cancel/ for an in-flight URL download; returns the log_id. Not cancellable with an event:
        it is what a cancel sends."""
        _, log_id = self._call("POST", CANCEL_PATH, "cancel", body={"publish_id": publish_id}, cancel=None)
        return log_id

    def fetch_status(self, publish_id: str, cancel: threading.Event | None = None) -> StatusResult:
        data, log_id = self._call("POST", STATUS_PATH, "status", body={"publish_id": publish_id}, cancel=cancel)
        status = str(data.get("status") or "")
        if not status:
            raise ApiError("bad_response", "TikTok's status answer had no status.", log_id, hint="Try again later.")
        uploaded = data.get("uploaded_bytes")
        downloaded = data.get("downloaded_bytes")
        return StatusResult(
            status=status,
            fail_reason=str(data["fail_reason"]) if data.get("fail_reason") else None,
            post_ids=_post_ids(data),
            uploaded_bytes=int(uploaded) if isinstance(uploaded, int | float) else None,
            log_id=log_id,
            downloaded_bytes=int(downloaded) if isinstance(downloaded, int | float) else None,
        )

    # -- machinery ----------------------------------------------------------------------------------------------

    def _init(self, path: str, body: dict[str, Any], cancel: threading.Event | None, upload: bool = True) -> InitResult:
        data, log_id = self._call("POST", path, "init", body=body, cancel=cancel, once=not upload)
        publish_id = str(data.get("publish_id") or "")
        upload_url = str(data.get("upload_url") or "")
        if not upload and publish_id:
            return InitResult(publish_id, "", log_id)
        if not publish_id or not upload_url.startswith(("http://", "https://")):
            raise ApiError(
                "bad_response", "TikTok's init answer had no publish id or upload URL.", log_id, hint="Try again later."
            )
        return InitResult(publish_id, upload_url, log_id)

    def wait(self, seconds: float, cancel: threading.Event | None = None) -> None:
        """Sleep, waking early (and raising Cancelled) when `cancel` is set."""
        if cancel is not None:
            if cancel.wait(seconds):
                raise Cancelled("Cancelled.", "Nothing more will be sent.")
        elif self._sleep is not None:
            self._sleep(seconds)
        else:
            time.sleep(seconds)

    def _call(
        self,
        method: str,
        path: str,
        kind: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        cancel: threading.Event | None = None,
        once: bool = False,
    ) -> tuple[dict[str, Any], str]:
        """One API call with its retries. once=True: no retry after a request that may have reached TikTok (a
        PULL_FROM_URL init whose answer was lost may have started a download that will post)."""
        url = self.api_base + path
        refreshed = False
        limited = 0
        failures = 0
        token = self.tokens.access_token()
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("Cancelled.", "Nothing more will be sent.")
            limiter_for(self.api_base, token, kind).acquire(lambda s: self.wait(s, cancel))
            headers = {"Authorization": f"Bearer {token}"}
            data: bytes | None = None
            if method == "POST":
                headers["Content-Type"] = "application/json; charset=UTF-8"
                data = json.dumps(body).encode() if body is not None else None
            try:
                with cut_on_cancel(self._adapter, cancel) if self._adapter is not None else nullcontext():
                    resp = self.session.request(
                        method,
                        url,
                        headers=headers,
                        data=data,
                        params=params,
                        timeout=self.timeout,
                        allow_redirects=False,
                    )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Cancelled.", "Nothing more will be sent.") from None
                if failures < len(self.server_error_waits) and not once:
                    log.info("%s %s: %s; retrying", method, path, type(exc).__name__)
                    self.wait(self._jitter(self.server_error_waits[failures]), cancel)
                    failures += 1
                    continue
                raise NetworkError(
                    f"Could not reach TikTok ({type(exc).__name__}).",
                    "Check the internet connection and try again.",
                ) from None
            except requests.RequestException as exc:
                raise NetworkError(f"The request to TikTok failed ({type(exc).__name__}).", "Try again.") from None
            if 300 <= resp.status_code < 400:
                resp.close()
                raise NetworkError(
                    f"TikTok's API answered with a redirect (HTTP {resp.status_code}); Clipship does not follow it, "
                    "as it would carry your access token to another address.",
                    "Check the API address (CLIPSHIP_API_BASE) and try again.",
                )
            with resp:
                status = resp.status_code
                code, message, log_id, payload = self._envelope(resp)
            log.debug("%s %s -> %s %s log_id=%s", method, path, status, code, log_id)
            if status == 200 and code == "ok":
                return payload, log_id
            if status == 401 and code == "access_token_invalid" and not refreshed:
                refreshed = True
                token = self.tokens.refresh(token)
                continue
            if status == 429 or code == "rate_limit_exceeded":
                if limited < len(self.rate_limit_waits):
                    log.info("%s %s: rate limited; backing off %.1f s", method, path, self.rate_limit_waits[limited])
                    self.wait(self._jitter(self.rate_limit_waits[limited]), cancel)
                    limited += 1
                    continue
            elif status >= 500 and failures < len(self.server_error_waits) and not once:
                self.wait(self._jitter(self.server_error_waits[failures]), cancel)
                failures += 1
                continue
            if not code or code == "ok":
                code = "internal_error" if status >= 500 else f"http_{status}"
            raise api_error(code, message, log_id, status)

    @staticmethod
    def _jitter(seconds: float) -> float:
        return seconds * random.uniform(1.0, 1.25)

    @staticmethod
    def _envelope(resp: requests.Response) -> tuple[str, str, str, dict[str, Any]]:
        """(code, message, log_id, data) from the v2 envelope; empty strings when the body is not one."""
        try:
            body = resp.json()
        except ValueError:
            return "", "", resp.headers.get("x-tt-logid", ""), {}
        if not isinstance(body, dict):
            return "", "", "", {}
        raw_error, raw_data = body.get("error"), body.get("data")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        log_id = str(error.get("log_id") or error.get("logid") or resp.headers.get("x-tt-logid", ""))
        return str(error.get("code") or ""), str(error.get("message") or ""), log_id, data
