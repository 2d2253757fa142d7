"""The sandbox's world: everything it knows and remembers, apart from the HTTP server that answers for it.

Accounts, token grants and authorization codes, publishes and their uploads (with which uploads have a
PUT in flight), faults still to fire, rate-limit windows, consent requests awaiting the user's decision.
The endpoint modules reach all of it only through World's methods; the server (server.py) only listens,
dispatches and keeps the request log.

Persistent records live in `state` (state.json, shared with other processes through its lock); the rest
is this process's memory and is forgotten on restart, as short-lived things would be.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.sandbox import grants
from core.sandbox.config import CreatorProfile, SandboxConfig
from core.sandbox.state import DEMO_OPEN_ID, AccessRecord, Account, Publish, State, new_open_id

DAY = 86400.0


@dataclass(frozen=True)
class PendingConsent:
    """A sign-in request shown on the consent page, waiting for the user's Authorize or Cancel."""

    redirect_uri: str
    state: str
    scopes: list[str]
    challenge: str
    expires_at: float


@dataclass(frozen=True)
class Received:
    """A snapshot of what arrived for a publish."""

    path: Path
    size: int
    complete: bool


class _UploadClaims:
    """Which uploads have a PUT in flight: chunks are sequential, one PUT per upload at a time."""

    def __init__(self) -> None:
        self.freed = threading.Condition(threading.Lock())
        self.busy: set[str] = set()

    def claim(self, publish_id: str, wait_s: float) -> bool:
        with self.freed:
            if not self.freed.wait_for(lambda: publish_id not in self.busy, timeout=wait_s):
                return False
            self.busy.add(publish_id)
            return True

    def release(self, publish_id: str) -> None:
        with self.freed:
            self.busy.discard(publish_id)
            self.freed.notify_all()

    def holds(self, publish_id: str) -> bool:
        with self.freed:
            return publish_id in self.busy


class World:
    """The sandbox's state and its rules of change. Thread-safe: every method takes the locks it needs.

    `config` is the live SandboxConfig (tests change faults and limits on it at runtime); `state` holds
    the persistent records and its cross-process lock.
    """

    def __init__(self, state_dir: Path, config: SandboxConfig) -> None:
        self.state_dir = Path(state_dir)
        self.config = config
        self.state = State(self.state_dir)
        self.state.prune(config.upload_url_ttl, config.keep_finished_uploads)
        self.fail_orphaned_downloads()
        self._codes = grants.Codes()
        self._lock = threading.RLock()  # faults, counters, rate windows, pending consents
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._armed_expiry: int | None = None
        self._calls_left = 0
        self._pending: dict[str, PendingConsent] = {}  # consent requests by id
        self._claims = _UploadClaims()
        self.stopping = threading.Event()  # set by Sandbox.stop(): downloads (core.sandbox.pull) end
        self.pulls: list[threading.Thread] = []
        self._asked: set[str] = set()  # the media host's /once/TOKEN/ paths already served

    # -- accounts --------------------------------------------------------------------------------------

    def account(self, open_id: str | None) -> Account:
        """The account `open_id` (created on first use), or the demo account for None."""
        return self.state.account(open_id)

    def new_account(self) -> Account:
        """Another sandbox account, with a fresh open_id."""
        return self.state.account(new_open_id())

    def has_account(self, open_id: str) -> bool:
        with self.state.lock:
            return open_id in self.state.accounts

    def accounts(self) -> list[Account]:
        with self.state.lock:
            return list(self.state.accounts.values())

    def profile(self, open_id: str) -> CreatorProfile:
        """An account's profile: config.profiles[open_id], else config.creator (renamed for extra accounts)."""
        cfg = self.config
        if open_id in cfg.profiles:
            return cfg.profiles[open_id]
        with self.state.lock:
            acc = self.state.accounts.get(open_id)
        if open_id == DEMO_OPEN_ID or acc is None or acc.nickname is None or acc.username is None:
            return cfg.creator
        return replace(cfg.creator, nickname=acc.nickname, username=acc.username)

    # -- consent requests, codes and tokens -------------------------------------------------------------

    def add_consent(self, pending: PendingConsent) -> str:
        """Remember a consent request (forgetting expired ones); returns its id for the form."""
        request_id = secrets.token_urlsafe(18)
        with self._lock:
            now = time.time()
            self._pending = {k: v for k, v in self._pending.items() if v.expires_at > now}
            self._pending[request_id] = pending
        return request_id

    def take_consent(self, request_id: str) -> PendingConsent | None:
        """The consent request `request_id`, removed (single use), or None when unknown or expired."""
        with self._lock:
            pending = self._pending.pop(request_id, None)
        if pending is None or pending.expires_at <= time.time():
            return None
        return pending

    def issue_code(self, pending: grants.PendingCode) -> str:
        return self._codes.issue(pending)

    def take_code(self, code: str) -> grants.PendingCode | None:
        """The code's record, spent (single use), or None when unknown, used or expired."""
        return self._codes.take(code)

    def issue_token(self, open_id: str, scopes: list[str]) -> dict[str, Any]:
        """A new access + refresh pair for `open_id`; the /v2/oauth/token/ body."""
        return grants.issue(self.state, self.config, open_id, list(scopes))

    def refresh_token(self, refresh_token: str) -> dict[str, Any] | None:
        """Rotate a refresh token (the old one dies at once); None when it is unknown or expired."""
        return grants.rotate(self.state, self.config, refresh_token)

    def lookup_token(self, access_token: str) -> AccessRecord | None:
        """The live grant behind an access token, or None."""
        return grants.lookup(self.state, access_token)

    def revoke(self, access_token: str) -> bool:
        """Remove the app from the token's account: all its tokens die, and its posts still uploading or
        processing end FAILED with auth_removed (TikTok's reason). False when the token is not live."""
        record = grants.lookup(self.state, access_token)
        if record is None or not grants.revoke(self.state, access_token):
            return False
        now = time.time()
        with self.state.lock:
            for pub in self.state.publishes.values():
                if pub.open_id == record.open_id and pub.status(now) == "PROCESSING_UPLOAD":
                    pub.fail_reason = "auth_removed"
                    pub.completed_at = pub.completed_at or now
                    pub.processing_delay_s = 0.0
                    pub.post_ids = []
            self.state.save()
        return True

    # -- publishes and uploads ---------------------------------------------------------------------------

    def add_publish(self, pub: Publish) -> None:
        """Record a new publish and create the (empty) file its upload fills."""
        with self.state.lock:
            self.state.publishes[pub.publish_id] = pub
            self.state.upload_path(pub).touch()
            self.state.save()

    def publish(self, publish_id: str) -> Publish | None:
        with self.state.lock:
            return self.state.publishes.get(publish_id)

    def publish_for_upload(self, upload_id: str) -> Publish | None:
        with self.state.lock:
            return next((p for p in self.state.publishes.values() if p.upload_id == upload_id), None)

    def publishes_of(self, open_id: str) -> list[Publish]:
        """Snapshots of the account's publishes (copies, read consistently), newest first."""
        with self.state.lock:
            pubs = [copy.copy(p) for p in self.state.publishes.values() if p.open_id == open_id]
        return sorted(pubs, key=lambda p: p.created_at, reverse=True)

    def recent_posts(self, open_id: str, kind: str) -> int:
        """Posts of `kind` by this creator in the last 24 h that have not failed."""
        now = time.time()
        with self.state.lock:
            return sum(
                1
                for p in self.state.publishes.values()
                if p.open_id == open_id and p.kind == kind and p.created_at > now - DAY and p.status(now) != "FAILED"
            )

    def active_users(self, open_id: str) -> int:
        """Other creators who posted directly through this (unaudited) client in the last 24 h."""
        now = time.time()
        with self.state.lock:
            return len(
                {p.open_id for p in self.state.publishes.values() if p.kind == "direct" and p.created_at > now - DAY}
                - {open_id}
            )

    def status_report(self, pub: Publish, now: float) -> dict[str, Any]:
        """The status/fetch data of a publish, read consistently."""
        with self.state.lock:
            status = pub.status(now)
            data: dict[str, Any] = {"status": status, "publicaly_available_post_id": pub.public_post_ids(now)}
            if pub.source == "PULL_FROM_URL":
                data["downloaded_bytes"] = pub.downloaded_bytes
            else:
                data["uploaded_bytes"] = pub.received_bytes
            if status == "FAILED":
                data["fail_reason"] = pub.fail_reason
        return data

    def publish_status(self, publish_id: str) -> str:
        """The status of `publish_id` now (KeyError if unknown)."""
        with self.state.lock:
            return self.state.publishes[publish_id].status(time.time())

    def received(self, publish_id: str) -> Received:
        """What arrived for `publish_id` so far (KeyError if unknown)."""
        with self.state.lock:
            pub = self.state.publishes[publish_id]
            return Received(self.state.upload_path(pub), pub.received_bytes, pub.completed_at is not None)

    def upload_path(self, pub: Publish) -> Path:
        return self.state.upload_path(pub)

    @property
    def sink_path(self) -> Path:
        """Where PUT /sink/ writes."""
        return self.state_dir / "sink.bin"

    def claim_upload(self, publish_id: str, wait_s: float) -> bool:
        """Take the upload for one PUT; a PUT still in flight (or a dying connection's) gets `wait_s` to end."""
        return self._claims.claim(publish_id, wait_s)

    def release_upload(self, publish_id: str) -> None:
        self._claims.release(publish_id)

    def upload_in_flight(self, publish_id: str) -> bool:
        """Whether a PUT of this upload is being received now."""
        return self._claims.holds(publish_id)

    def next_chunk(self, pub: Publish, first: int, last: int) -> tuple[int, bool, tuple[int, int] | None]:
        """(index of the next chunk, whether first-last repeats the chunk just accepted, the range expected
        next or None once the upload is complete)."""
        with self.state.lock:
            index = pub.next_chunk
            repeat = pub.last_range == (first, last)
            expected = None if pub.completed_at is not None else pub.chunk_range(index)
        return index, repeat, expected

    def accept_chunk(
        self, pub: Publish, index: int, first: int, last: int, content_type: str, final: bool, media_reason: str | None
    ) -> None:
        """Commit a chunk whose bytes are all on disk; the last one completes the upload (outcome decided now)."""
        cfg = self.config
        with self.state.lock:
            pub.next_chunk = index + 1
            pub.received_bytes = last + 1
            pub.last_range = (first, last)
            pub.content_type = content_type
            if final:
                pub.completed_at = time.time()
                pub.processing_delay_s = cfg.processing_delay_s
                pub.moderation_delay_s = cfg.moderation_delay_s
                pub.fail_reason = cfg.final_fail_reason or media_reason
                if pub.kind == "direct" and not pub.fail_reason:
                    pub.post_ids = [7_000_000_000_000_000_000 + secrets.randbelow(10**18)]
            self.state.save()

    def first_ask(self, token: str) -> bool:
        """True the first time the media host is asked for /once/TOKEN/... (a file that then goes away)."""
        with self._lock:
            first = token not in self._asked
            self._asked.add(token)
            return first

    def add_pull(self, thread: threading.Thread) -> None:
        """A download thread (core.sandbox.pull) to be joined when the sandbox stops."""
        with self._lock:
            self.pulls = [t for t in self.pulls if t.is_alive()] + [thread]

    def live_pulls(self) -> list[threading.Thread]:
        with self._lock:
            return list(self.pulls)

    def download_progress(self, pub: Publish, downloaded: int) -> None:
        """Bytes of a PULL_FROM_URL publish downloaded so far (in memory; saved with the outcome)."""
        with self.state.lock:
            pub.downloaded_bytes = downloaded

    def finish_download(self, pub: Publish, fail_reason: str | None) -> bool:
        """The sandbox's download of a PULL_FROM_URL publish ended (None: every file passed). False when it had
        already ended (cancelled meanwhile)."""
        cfg = self.config
        with self.state.lock:
            if pub.completed_at is not None:
                return False
            pub.completed_at = time.time()
            pub.processing_delay_s = cfg.processing_delay_s
            pub.moderation_delay_s = cfg.moderation_delay_s
            pub.fail_reason = fail_reason or cfg.final_fail_reason
            if pub.media_type == "VIDEO":  # the demo pages play what was downloaded
                pub.video_size = pub.received_bytes = pub.downloaded_bytes
            if pub.kind == "direct" and not pub.fail_reason:
                pub.post_ids = [7_000_000_000_000_000_000 + secrets.randbelow(10**18)]
            self.state.save()
            return True

    def cancel_download(self, pub: Publish) -> bool:
        """publish/cancel/: a PULL_FROM_URL publish still downloading ends FAILED publish_cancelled."""
        with self.state.lock:
            if pub.source != "PULL_FROM_URL" or pub.completed_at is not None:
                return False
            pub.completed_at = time.time()
            pub.processing_delay_s = 0.0
            pub.fail_reason = "publish_cancelled"
            self.state.save()
            return True

    def fail_orphaned_downloads(self) -> None:
        """At start: downloads whose sandbox process is gone failed (as TikTok's would, after its timeout)."""
        from core.history import pid_alive

        with self.state.lock:
            changed = False
            for pub in self.state.publishes.values():
                if pub.source == "PULL_FROM_URL" and pub.completed_at is None and not pid_alive(pub.puller_pid):
                    pub.completed_at = time.time()
                    pub.fail_reason = "photo_pull_failed" if pub.media_type == "PHOTO" else "video_pull_failed"
                    changed = True
            if changed:
                self.state.save()

    # -- faults, counters, rate limits -------------------------------------------------------------------

    def take_fault(self, table: dict[Any, int], key: Any) -> bool:
        """Consume one unit of a counted fault; True when it applies now."""
        with self._lock:
            left = table.get(key, 0)
            if left <= 0:
                return False
            if left == 1:
                table.pop(key, None)
            else:
                table[key] = left - 1
            return True

    def take_counter(self, name: str) -> bool:
        """Consume one unit of an integer fault on the config (init_5xx, drop_init_response)."""
        with self._lock:
            left = int(getattr(self.config, name))
            if left <= 0:
                return False
            setattr(self.config, name, left - 1)
            return True

    def take_hang(self, index: int) -> float:
        """The chunk_hang fault for chunk `index` (seconds, 0 for none), consumed."""
        with self._lock:
            return self.config.chunk_hang.pop(index, 0.0)

    def count_call(self) -> bool:
        """Count an authorized v2 call for token_expire_after_calls; False when the tokens expire now."""
        with self._lock:
            limit = self.config.token_expire_after_calls
            if limit is None:
                self._armed_expiry = None
                return True
            if self._armed_expiry != limit:
                self._armed_expiry, self._calls_left = limit, limit
            if self._calls_left <= 0:
                self.config.token_expire_after_calls = None
                self._armed_expiry = None
                grants.expire_all_access(self.state)
                return False
            self._calls_left -= 1
            return True

    def rate_ok(self, token_key: str, bucket: str) -> bool:
        """Sliding 60 s window per access token; records the call when it is allowed."""
        limit = self.config.rate_limits.get(bucket)
        if not self.config.rate_limits_enabled or limit is None:
            return True
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault((token_key, bucket), deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True

    def reset_rate_limits(self) -> None:
        with self._lock:
            self._windows.clear()
