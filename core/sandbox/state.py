"""The sandbox's server-side records (accounts, token grants, publishes), kept in state_dir as JSON.

Tokens and codes are stored only as SHA-256 digests, as a real server would: the state file never holds
a usable token.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from core.config import atomic_write_text

try:
    import fcntl
except ImportError:  # Windows: one process per state dir
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

STATE_VERSION = 1
DEMO_OPEN_ID = "-000sandboxDemoCreatorOpenId0001"


def digest(secret: str) -> str:
    """The stored form of a token or code."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def file_sha256(path: Path, size: int) -> str:
    """SHA-256 of the first `size` bytes of `path`, read 1 MiB at a time (computed when asked, not per chunk)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        left = size
        while left > 0:
            data = fh.read(min(1 << 20, left))
            if not data:
                raise OSError(f"{path.name} is shorter than the {size:,} bytes accepted")
            h.update(data)
            left -= len(data)
    return h.hexdigest()


def new_open_id() -> str:
    return "-000" + secrets.token_urlsafe(21).replace("-", "x").replace("_", "y")


@dataclass
class Account:
    open_id: str
    union_id: str
    nickname: str | None = None  # None: the config's creator profile decides
    username: str | None = None
    created_at: float = field(default_factory=time.time)


@dataclass
class AccessRecord:
    open_id: str
    scopes: list[str]
    expires_at: float
    grant_id: str


@dataclass
class RefreshRecord:
    open_id: str
    scopes: list[str]
    expires_at: float
    grant_id: str


@dataclass
class Publish:
    """One init call and everything after it: the upload plan, the bytes received, the outcome."""

    publish_id: str
    open_id: str
    kind: str  # "direct" or "inbox"
    video_size: int
    chunk_size: int
    total_chunk_count: int
    upload_id: str
    upload_token_hash: str
    upload_created_at: float
    file_name: str
    privacy_level: str | None = None  # effective privacy of a direct post
    post_info: dict[str, Any] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)
    next_chunk: int = 0
    received_bytes: int = 0
    last_range: tuple[int, int] | None = None
    completed_at: float | None = None  # when the last chunk arrived
    processing_delay_s: float = 0.0
    moderation_delay_s: float = 0.0
    fail_reason: str | None = None  # decided when the last chunk arrived
    content_type: str = "video/mp4"  # as the PUTs declared it
    post_ids: list[int] = field(default_factory=list)
    # PULL_FROM_URL: the sandbox downloads the URLs itself (core.sandbox.pull); completed_at is when it finished.
    source: str = "FILE_UPLOAD"
    media_type: str = "VIDEO"  # or "PHOTO"
    urls: list[str] = field(default_factory=list)
    downloaded_bytes: int = 0
    puller_pid: int = 0  # the sandbox process downloading it (a download whose process died has failed)

    def chunk_range(self, index: int) -> tuple[int, int]:
        """Inclusive byte range of chunk `index` under the plan declared at init (remainder in the last)."""
        first = index * self.chunk_size
        last = self.video_size - 1 if index == self.total_chunk_count - 1 else first + self.chunk_size - 1
        return first, last

    def status(self, now: float) -> str:
        if self.completed_at is None or now < self.completed_at + self.processing_delay_s:
            return "PROCESSING_DOWNLOAD" if self.source == "PULL_FROM_URL" else "PROCESSING_UPLOAD"
        if self.fail_reason:
            return "FAILED"
        return "PUBLISH_COMPLETE" if self.kind == "direct" else "SEND_TO_USER_INBOX"

    def public_post_ids(self, now: float) -> list[int]:
        if self.status(now) != "PUBLISH_COMPLETE" or self.privacy_level != "PUBLIC_TO_EVERYONE":
            return []
        assert self.completed_at is not None
        if now < self.completed_at + self.processing_delay_s + self.moderation_delay_s:
            return []
        return list(self.post_ids)


def _load(cls: Any, raw: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    values = {k: v for k, v in raw.items() if k in names}
    if "last_range" in values and values["last_range"] is not None:
        values["last_range"] = tuple(values["last_range"])
    return cls(**values)


class _SharedLock:
    """The state's lock: this process's threads first, then other processes using the same state dir (an
    exclusive flock on state.lock), then a reload of whatever another process saved since. So any number of
    `--sandbox` runs (and the window) can share one data dir: each works on the latest state and none overwrites
    another's records. Re-entrant within a thread."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._rlock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def __enter__(self) -> _SharedLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        self._rlock.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                self._lock_file()
                self._state._reload_if_changed()
            except BaseException:
                self._depth -= 1
                self._unlock_file()
                self._rlock.release()
                raise

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._unlock_file()
        self._rlock.release()

    def _lock_file(self) -> None:
        if fcntl is None:
            return
        if self._fd is None:
            self._fd = os.open(self._state.dir / "state.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def _unlock_file(self) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


class State:
    """All records, guarded by one lock shared with other processes; every change is saved atomically."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir
        self.uploads_dir = state_dir / "uploads"
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "state.json"
        self._seen: tuple[int, int, int] | None = None  # (mtime_ns, size, inode) of state.json as last read/written
        self.lock = _SharedLock(self)
        self.accounts: dict[str, Account] = {}
        self.access: dict[str, AccessRecord] = {}  # by digest
        self.refresh: dict[str, RefreshRecord] = {}  # by digest
        self.publishes: dict[str, Publish] = {}
        with self.lock:
            if DEMO_OPEN_ID not in self.accounts:
                self.accounts[DEMO_OPEN_ID] = Account(DEMO_OPEN_ID, "sandbox-union-" + uuid.uuid4().hex[:16])
                self.save()

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _reload_if_changed(self) -> None:
        """Take in what another process saved (records kept by identity: a Publish held by a request handler
        stays the one in the dict, with the fresh values)."""
        seen = self._signature()
        if seen is None or seen == self._seen:
            return
        before: tuple[dict[str, Any], ...] = (self.accounts, self.access, self.refresh, self.publishes)
        self._load()
        self._seen = seen
        after: tuple[dict[str, Any], ...] = (self.accounts, self.access, self.refresh, self.publishes)
        for old, new in zip(before, after, strict=True):
            for key, record in new.items():
                if key in old:
                    old[key].__dict__.update(record.__dict__)
                    new[key] = old[key]

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("sandbox state unreadable (%s); starting afresh", type(exc).__name__)
            return
        if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
            log.warning("sandbox state has an unknown version; starting afresh")
            return
        try:
            self.accounts = {k: _load(Account, v) for k, v in raw.get("accounts", {}).items()}
            self.access = {k: _load(AccessRecord, v) for k, v in raw.get("access", {}).items()}
            self.refresh = {k: _load(RefreshRecord, v) for k, v in raw.get("refresh", {}).items()}
            self.publishes = {k: _load(Publish, v) for k, v in raw.get("publishes", {}).items()}
        except (TypeError, AttributeError) as exc:
            log.warning("sandbox state malformed (%s); starting afresh", type(exc).__name__)
            self.accounts, self.access, self.refresh, self.publishes = {}, {}, {}, {}

    def save(self) -> None:
        """Write everything (tokens only as digests). Caller may hold the lock; this takes it too."""
        with self.lock:
            now = time.time()
            # Expired grants are no use to anyone: drop them so the file stays small.
            self.access = {k: v for k, v in self.access.items() if v.expires_at > now}
            self.refresh = {k: v for k, v in self.refresh.items() if v.expires_at > now}
            doc = {
                "version": STATE_VERSION,
                "accounts": {k: asdict(v) for k, v in self.accounts.items()},
                "access": {k: asdict(v) for k, v in self.access.items()},
                "refresh": {k: asdict(v) for k, v in self.refresh.items()},
                "publishes": {k: asdict(v) for k, v in self.publishes.items()},
            }
            atomic_write_text(self.path, json.dumps(doc, indent=1, sort_keys=True) + "\n", mode=0o600)
            self._seen = self._signature()

    def account(self, open_id: str | None) -> Account:
        """The account `open_id` (created on first use, with a numbered name), or the demo account."""
        with self.lock:
            key = open_id or DEMO_OPEN_ID
            acc = self.accounts.get(key)
            if acc is None:
                n = len(self.accounts) + 1
                acc = Account(
                    key, "sandbox-union-" + uuid.uuid4().hex[:16], f"Sandbox Creator {n}", f"sandbox.creator{n}"
                )
                self.accounts[key] = acc
                self.save()
            return acc

    def prune(self, upload_url_ttl: float, keep_finished: int = 5, keep_days: float = 7.0) -> None:
        """At start: forget publishes older than keep_days; delete bytes no upload can still add to,
        except those of the `keep_finished` newest finished uploads (the demo pages play them).

        Other finished uploads keep their record (status queries still work) but not their
        bytes, so trying Clipship with --sandbox does not fill the disk with copies of videos.
        """
        now = time.time()
        with self.lock:
            old = [k for k, p in self.publishes.items() if p.created_at < now - keep_days * 86400]
            for key in old:
                del self.publishes[key]
            live = {
                p.file_name
                for p in self.publishes.values()
                if p.completed_at is None and now - p.upload_created_at <= upload_url_ttl
            }
            finished = sorted(
                (p for p in self.publishes.values() if p.completed_at is not None),
                key=lambda p: p.completed_at or 0.0,
                reverse=True,
            )
            live.update(p.file_name for p in finished[: max(0, keep_finished)])
            for path in self.uploads_dir.iterdir():
                if path.name not in live:
                    path.unlink(missing_ok=True)
            if old:
                self.save()

    def upload_path(self, publish: Publish) -> Path:
        return self.uploads_dir / publish.file_name
