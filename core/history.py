"""The post history: one SQLite row per attempt (WAL, versioned schema), its status changes, duplicate detection."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.errors import ClipshipError
from core.models import PostSettings

SCHEMA_VERSION = 1
MAX_LOG_IDS = 40  # the most recent TikTok log_ids kept per attempt (for support requests)
FINGERPRINT_SPAN = 1024 * 1024
# Statuses meaning the video reached TikTok (or may have): posting the same file again would duplicate it.
POSTED_STATUSES = ("UPLOADED", "PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD", "SEND_TO_USER_INBOX", "PUBLISH_COMPLETE")
TERMINAL_STATUSES = ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX", "FAILED", "CANCELLED", "ERROR")

_SCHEMA = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    publish_id TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    file_path TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    account TEXT NOT NULL,
    api_base TEXT NOT NULL,
    sandbox INTEGER NOT NULL,
    draft INTEGER NOT NULL,
    settings_json TEXT NOT NULL,
    chunk_size INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    fail_reason TEXT,
    error TEXT,
    post_ids_json TEXT NOT NULL DEFAULT '[]',
    log_ids_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX attempts_fingerprint ON attempts (fingerprint, account, api_base);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL REFERENCES attempts (id),
    at REAL NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_attempt ON events (attempt_id);
"""


def fingerprint(path: Path) -> str:
    """size + mtime + sha256 of the first and last MiB: cheap, and different for any two real videos."""
    st = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read(FINGERPRINT_SPAN))
        if st.st_size > FINGERPRINT_SPAN:
            fh.seek(max(FINGERPRINT_SPAN, st.st_size - FINGERPRINT_SPAN))
            digest.update(fh.read(FINGERPRINT_SPAN))
    return f"{st.st_size}:{st.st_mtime_ns}:{digest.hexdigest()}"


@dataclass(frozen=True)
class Attempt:
    """One recorded post attempt, as `history` lists it."""

    publish_id: str
    created_at: float
    updated_at: float
    file_path: str
    file_size: int
    fingerprint: str
    account: str
    api_base: str
    sandbox: bool
    draft: bool
    settings: dict[str, Any]
    chunk_size: int
    chunk_count: int
    status: str
    fail_reason: str | None
    error: str | None
    post_ids: tuple[str, ...]
    log_ids: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["post_ids"] = list(self.post_ids)
        out["log_ids"] = list(self.log_ids)
        return out


class HistoryError(ClipshipError):
    """The history database could not be opened or written."""


class History:
    """The SQLite history in the data dir. Thread-safe: one connection guarded by a lock (GUI and worker threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise HistoryError(
                f"The post history at {path} could not be opened ({exc}).", "Check the data dir."
            ) from exc
        if os.name == "posix":
            os.chmod(path, 0o600)

    @classmethod
    def in_dir(cls, data_dir: Path) -> History:
        return cls(data_dir / "history.db")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise HistoryError(
                        f"The post history at {self.path} could not be written ({exc}).",
                        "Check the free space and permissions of the data dir.",
                    ) from exc
                raise

    def _migrate(self) -> None:
        with self._tx() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version > SCHEMA_VERSION:
                raise HistoryError(
                    f"The post history was written by a newer Clipship (schema {version}).", "Update Clipship."
                )

    # -- writing ------------------------------------------------------------------------------------------------

    def record_attempt(
        self,
        *,
        publish_id: str,
        path: Path,
        file_size: int,
        file_fingerprint: str,
        account: str,
        api_base: str,
        sandbox: bool,
        settings: PostSettings,
        chunk_size: int,
        chunk_count: int,
        status: str = "INITIALIZED",
        log_id: str = "",
    ) -> None:
        """Record a new attempt the moment init returned its publish_id."""
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO attempts (publish_id, created_at, updated_at, file_path, file_size, fingerprint, account,"
                " api_base, sandbox, draft, settings_json, chunk_size, chunk_count, status, log_ids_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    publish_id,
                    now,
                    now,
                    str(path),
                    file_size,
                    file_fingerprint,
                    account,
                    api_base,
                    int(sandbox),
                    int(settings.draft),
                    json.dumps(asdict(settings), sort_keys=True),
                    chunk_size,
                    chunk_count,
                    status,
                    json.dumps([log_id] if log_id else []),
                ),
            )
            db.execute(
                "INSERT INTO events (attempt_id, at, status, detail) VALUES (?, ?, ?, ?)",
                (cur.lastrowid, now, status, ""),
            )

    def update(
        self,
        publish_id: str,
        status: str,
        *,
        detail: str = "",
        fail_reason: str | None = None,
        error: str | None = None,
        post_ids: tuple[str, ...] | None = None,
        log_id: str = "",
    ) -> bool:
        """Record a status change (an event row is added only when the status changes). False if unknown."""
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                "SELECT id, status, log_ids_json, post_ids_json FROM attempts WHERE publish_id = ?", (publish_id,)
            ).fetchone()
            if row is None:
                return False
            log_ids = json.loads(row["log_ids_json"])
            if log_id and log_id not in log_ids:
                log_ids = (log_ids + [log_id])[-MAX_LOG_IDS:]
            ids = list(post_ids) if post_ids else json.loads(row["post_ids_json"])
            db.execute(
                "UPDATE attempts SET status = ?, updated_at = ?, fail_reason = COALESCE(?, fail_reason),"
                " error = COALESCE(?, error), post_ids_json = ?, log_ids_json = ? WHERE id = ?",
                (status, now, fail_reason, error, json.dumps(ids), json.dumps(log_ids), row["id"]),
            )
            if status != row["status"] or detail:
                db.execute(
                    "INSERT INTO events (attempt_id, at, status, detail) VALUES (?, ?, ?, ?)",
                    (row["id"], now, status, detail),
                )
        return True

    # -- reading ------------------------------------------------------------------------------------------------

    def get(self, publish_id: str) -> Attempt | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM attempts WHERE publish_id = ?", (publish_id,)).fetchone()
        return _attempt(row) if row is not None else None

    def attempts(self, limit: int = 200) -> list[Attempt]:
        """The most recent attempts first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM attempts ORDER BY created_at DESC, id DESC LIMIT ?", (limit,))
            return [_attempt(r) for r in rows.fetchall()]

    def events(self, publish_id: str) -> list[tuple[float, str, str]]:
        """(time, status, detail) for each recorded change of one attempt, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT e.at, e.status, e.detail FROM events e JOIN attempts a ON a.id = e.attempt_id"
                " WHERE a.publish_id = ? ORDER BY e.id",
                (publish_id,),
            ).fetchall()
        return [(float(r[0]), str(r[1]), str(r[2])) for r in rows]

    def find_posted(self, file_fingerprint: str, account: str, api_base: str) -> Attempt | None:
        """The latest attempt that got this file to this account (or may have), if any."""
        marks = ",".join("?" for _ in POSTED_STATUSES)
        with self._lock:
            row = self._db.execute(
                f"SELECT * FROM attempts WHERE fingerprint = ? AND account = ? AND api_base = ? AND status IN ({marks})"
                " ORDER BY created_at DESC LIMIT 1",
                (file_fingerprint, account, api_base, *POSTED_STATUSES),
            ).fetchone()
        return _attempt(row) if row is not None else None


def _attempt(row: sqlite3.Row) -> Attempt:
    return Attempt(
        publish_id=row["publish_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        file_path=row["file_path"],
        file_size=row["file_size"],
        fingerprint=row["fingerprint"],
        account=row["account"],
        api_base=row["api_base"],
        sandbox=bool(row["sandbox"]),
        draft=bool(row["draft"]),
        settings=json.loads(row["settings_json"]),
        chunk_size=row["chunk_size"],
        chunk_count=row["chunk_count"],
        status=row["status"],
        fail_reason=row["fail_reason"],
        error=row["error"],
        post_ids=tuple(json.loads(row["post_ids_json"])),
        log_ids=tuple(json.loads(row["log_ids_json"])),
    )
