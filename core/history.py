"""The post history: one SQLite row per attempt (WAL, versioned schema), its state machine, duplicate detection.

Each attempt is a core.attempt state machine; `transition()` is the only way its state changes, checked against
core.attempt.TRANSITIONS, and every change adds an event row. Rows left in an active state by a process that
died (kill -9, a power cut) are recovered when the history is next opened by a command or the window.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.attempt import ACTIVE, AT_TIKTOK, RESUMABLE, State, check_move, parse, post_url
from core.errors import ClipshipError
from core.models import PhotoSettings, PostSettings

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
MAX_LOG_IDS = 40  # the most recent TikTok log_ids kept per attempt (for support requests)
FINGERPRINT_SPAN = 1024 * 1024
UPLOAD_URL_TTL_S = 3600.0  # tiktok-api.md 1.3: an upload URL is valid for one hour after init
URL_MARGIN_S = 120.0  # resume only while the URL has at least this long left

_SCHEMA = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    publish_id TEXT UNIQUE,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    file_path TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    account TEXT NOT NULL,
    username TEXT NOT NULL DEFAULT '',
    api_base TEXT NOT NULL,
    sandbox INTEGER NOT NULL,
    draft INTEGER NOT NULL,
    settings_json TEXT NOT NULL,
    request_json TEXT NOT NULL DEFAULT '{}',
    chunk_size INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    fail_reason TEXT,
    error TEXT,
    post_ids_json TEXT NOT NULL DEFAULT '[]',
    log_ids_json TEXT NOT NULL DEFAULT '[]',
    upload_url TEXT,
    upload_expires_at REAL,
    acked_bytes INTEGER NOT NULL DEFAULT 0,
    owner_pid INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'video',
    urls_json TEXT NOT NULL DEFAULT '[]'
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

# Wave 1 (schema 1) statuses, as states: anything unfinished becomes INTERRUPTED (without an upload URL it can
# only be checked with TikTok, never resumed), and its CANCELLED meant "cancelled during the upload".
_V1_STATES = {
    "INITIALIZED": "INTERRUPTED",
    "UPLOADING": "INTERRUPTED",
    "ERROR": "INTERRUPTED",
    "CANCELLED": "INTERRUPTED",
    "PROCESSING_DOWNLOAD": "PROCESSING_UPLOAD",
}


def fingerprint(path: Path) -> str:
    """size + sha256 of the first and last MiB: cheap, and different for any two real videos."""
    size = path.stat().st_size
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read(FINGERPRINT_SPAN))
        if size > FINGERPRINT_SPAN:
            fh.seek(max(FINGERPRINT_SPAN, size - FINGERPRINT_SPAN))
            digest.update(fh.read(FINGERPRINT_SPAN))
    return f"{size}:{digest.hexdigest()}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (always False for 0; only this process is known on Windows)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Attempt:
    """One recorded post attempt. The upload URL (it carries an upload token) stays out of repr and JSON."""

    id: int
    publish_id: str | None
    created_at: float
    updated_at: float
    file_path: str
    file_size: int
    fingerprint: str
    account: str
    username: str
    api_base: str
    sandbox: bool
    draft: bool
    settings: dict[str, Any]
    request: dict[str, Any]
    chunk_size: int
    chunk_count: int
    status: str
    fail_reason: str | None
    error: str | None
    post_ids: tuple[str, ...]
    log_ids: tuple[str, ...]
    upload_url: str | None = field(default=None, repr=False)
    upload_expires_at: float | None = None
    acked_bytes: int = 0
    owner_pid: int = 0
    kind: str = "video"  # "video" (a file), "video_url" or "photos" (PULL_FROM_URL: TikTok downloads them)
    urls: tuple[str, ...] = ()  # the URLs of a PULL_FROM_URL post

    @property
    def state(self) -> State:
        return parse(self.status)

    @property
    def post_url(self) -> str:
        return post_url(self.username, self.post_ids[0]) if self.post_ids else ""

    def url_valid(self, now: float | None = None) -> bool:
        """Whether the upload URL can still take chunks (with a margin for the rest of the upload)."""
        if not self.upload_url or self.upload_expires_at is None:
            return False
        return (now if now is not None else time.time()) < self.upload_expires_at - URL_MARGIN_S

    def resumable(self, now: float | None = None) -> bool:
        return self.state in RESUMABLE and self.publish_id is not None and self.url_valid(now)

    def owned_elsewhere(self) -> bool:
        """Another live process is working on this attempt right now."""
        return self.state in ACTIVE and self.owner_pid != os.getpid() and pid_alive(self.owner_pid)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("upload_url")
        out.pop("owner_pid")
        out["post_ids"] = list(self.post_ids)
        out["log_ids"] = list(self.log_ids)
        out["urls"] = list(self.urls)
        out["post_url"] = self.post_url or None
        out["resumable"] = self.resumable()
        return out


class HistoryError(ClipshipError):
    """The history database could not be opened or written."""


class History:
    """The SQLite history in the data dir. Thread-safe: one connection guarded by a lock (GUI and worker threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice = ""  # what the user should be told about this history (a damaged file set aside)
        memory = str(path) == ":memory:"
        self._lock = threading.RLock()
        try:
            self._open(path, memory)
        except sqlite3.DatabaseError as exc:
            if memory or not _damaged(exc):
                raise _open_error(path, exc) from exc
            self.notice = _set_aside_and_salvage(path, exc)
            log.warning("%s", self.notice)
            try:
                self._open(path, memory)
                _carry_over(self._db, path)
            except (sqlite3.Error, OSError) as again:
                raise _open_error(path, again) from again
        except OSError as exc:
            raise _open_error(path, exc) from exc
        if os.name == "posix" and not memory:
            for private in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                try:
                    os.chmod(private, 0o600)
                except OSError:
                    pass

    def _open(self, path: Path, memory: bool) -> None:
        if not memory:
            path.parent.mkdir(parents=True, exist_ok=True)
            if os.name == "posix" and not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            self._db.execute("SELECT COUNT(*) FROM attempts").fetchone()
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def memory(cls) -> History:
        """A history that lives only as long as this object (tests, and the engine called without one)."""
        return cls(Path(":memory:"))

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
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"The post history was written by a newer Clipship (schema {version}).", "Update Clipship."
                )
            if version == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
            elif version == 1:
                _migrate_v1(db)
            elif version == 2:
                _migrate_v2(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- writing ------------------------------------------------------------------------------------------------

    def create(
        self,
        *,
        path: Path | str,
        file_size: int,
        file_fingerprint: str,
        account: str,
        api_base: str,
        sandbox: bool,
        settings: PostSettings | PhotoSettings,
        chunk_size: int,
        chunk_count: int,
        username: str = "",
        request: PostSettings | PhotoSettings | None = None,
        kind: str = "video",
        urls: tuple[str, ...] = (),
    ) -> Attempt:
        """A new attempt in CHECKING, owned by this process (before any request is made for it)."""
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO attempts (created_at, updated_at, file_path, file_size, fingerprint, account, username,"
                " api_base, sandbox, draft, settings_json, request_json, chunk_size, chunk_count, status, owner_pid,"
                " kind, urls_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now,
                    now,
                    str(path),
                    file_size,
                    file_fingerprint,
                    account,
                    username,
                    api_base,
                    int(sandbox),
                    int(settings.draft),
                    json.dumps(asdict(settings), sort_keys=True),
                    json.dumps(asdict(request or settings), sort_keys=True),
                    chunk_size,
                    chunk_count,
                    State.CHECKING.value,
                    os.getpid(),
                    kind,
                    json.dumps(list(urls)),
                ),
            )
            attempt_id = int(cur.lastrowid or 0)
            db.execute(
                "INSERT INTO events (attempt_id, at, status, detail) VALUES (?, ?, ?, ?)",
                (attempt_id, now, State.CHECKING.value, ""),
            )
        found = self.get_id(attempt_id)
        assert found is not None
        return found

    def transition(
        self,
        attempt_id: int,
        state: State,
        *,
        detail: str = "",
        publish_id: str | None = None,
        upload_url: str | None = None,
        upload_expires_at: float | None = None,
        acked_bytes: int | None = None,
        fail_reason: str | None = None,
        error: str | None = None,
        post_ids: tuple[str, ...] | None = None,
        log_id: str = "",
        username: str | None = None,
        settings: PostSettings | PhotoSettings | None = None,
        claim: bool = False,
    ) -> Attempt:
        """Move one attempt to `state` (checked against the transition table) and record the event."""
        now = time.time()
        with self._tx() as db:
            row = db.execute("SELECT * FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            if row is None:
                raise HistoryError(f"No attempt {attempt_id} in the post history.", "")
            old = parse(row["status"])
            check_move(old, state)
            log_ids = json.loads(row["log_ids_json"])
            if log_id and log_id not in log_ids:
                log_ids = (log_ids + [log_id])[-MAX_LOG_IDS:]
            ids = list(post_ids) if post_ids else json.loads(row["post_ids_json"])
            sets = {
                "status": state.value,
                "updated_at": now,
                "post_ids_json": json.dumps(ids),
                "log_ids_json": json.dumps(log_ids),
            }
            optional = {
                "publish_id": publish_id,
                "upload_url": upload_url,
                "upload_expires_at": upload_expires_at,
                "acked_bytes": acked_bytes,
                "fail_reason": fail_reason,
                "error": error,
                "username": username,
                "settings_json": json.dumps(asdict(settings), sort_keys=True) if settings is not None else None,
                "owner_pid": os.getpid() if claim else None,
            }
            sets.update({k: v for k, v in optional.items() if v is not None})
            columns = ", ".join(f"{k} = ?" for k in sets)
            db.execute(f"UPDATE attempts SET {columns} WHERE id = ?", (*sets.values(), attempt_id))
            if state != old or detail:
                db.execute(
                    "INSERT INTO events (attempt_id, at, status, detail) VALUES (?, ?, ?, ?)",
                    (attempt_id, now, state.value, detail),
                )
        found = self.get_id(attempt_id)
        assert found is not None
        return found

    def recover(self) -> list[Attempt]:
        """Attempts left active by a process that is gone: CHECKING -> ABANDONED (nothing was uploaded),
        INITIATED/UPLOADING -> INTERRUPTED (resumable while the URL lives). Returns the changed attempts."""
        marks = ",".join("?" for _ in ACTIVE)
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, status, owner_pid FROM attempts WHERE status IN ({marks})", tuple(s.value for s in ACTIVE)
            ).fetchall()
        changed = []
        for row in rows:
            if pid_alive(int(row["owner_pid"])):
                continue
            if parse(row["status"]) == State.CHECKING:
                new, detail = State.ABANDONED, "Clipship stopped before the upload began; nothing was uploaded"
            else:
                new, detail = State.INTERRUPTED, "Clipship stopped during the upload"
            changed.append(self.transition(int(row["id"]), new, detail=detail))
        return changed

    # -- reading ------------------------------------------------------------------------------------------------

    def get(self, publish_id: str) -> Attempt | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM attempts WHERE publish_id = ?", (publish_id,)).fetchone()
        return _attempt(row) if row is not None else None

    def get_id(self, attempt_id: int) -> Attempt | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        return _attempt(row) if row is not None else None

    def attempts(self, limit: int = 200) -> list[Attempt]:
        """The most recent attempts first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM attempts ORDER BY created_at DESC, id DESC LIMIT ?", (limit,))
            return [_attempt(r) for r in rows.fetchall()]

    def events(self, publish_id: str | int) -> list[tuple[float, str, str]]:
        """(time, status, detail) for each recorded change of one attempt (by publish_id or id), oldest first."""
        key = "a.id" if isinstance(publish_id, int) else "a.publish_id"
        with self._lock:
            rows = self._db.execute(
                "SELECT e.at, e.status, e.detail FROM events e JOIN attempts a ON a.id = e.attempt_id"
                f" WHERE {key} = ? ORDER BY e.id",
                (publish_id,),
            ).fetchall()
        return [(float(r[0]), str(r[1]), str(r[2])) for r in rows]

    def latest(
        self, file_fingerprint: str, account: str, api_base: str, draft: bool, states: Iterable[State]
    ) -> Attempt | None:
        """The newest attempt of this file to this account (drafts and posts apart) in one of `states`."""
        wanted = tuple(s.value for s in states)
        marks = ",".join("?" for _ in wanted)
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM attempts WHERE fingerprint = ? AND account = ? AND api_base = ? AND draft = ?"
                f" AND status IN ({marks}) ORDER BY created_at DESC, id DESC LIMIT 1",
                (file_fingerprint, account, api_base, int(draft), *wanted),
            ).fetchone()
        return _attempt(row) if row is not None else None

    def posts_since(self, account: str, since: float, draft: bool = False) -> int:
        """Posts (drafts apart) this account made through Clipship since `since` that reached TikTok, for the
        '3 of about 15 today' count beside TikTok's daily caps."""
        wanted = tuple(s.value for s in AT_TIKTOK)
        marks = ",".join("?" for _ in wanted)
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM attempts WHERE account = ? AND draft = ? AND created_at >= ?"
                f" AND status IN ({marks})",
                (account, int(draft), since, *wanted),
            ).fetchone()
        return int(row[0])

    def oldest_since(self, account: str, since: float, draft: bool = False) -> float | None:
        """When the oldest post of this account since `since` that reached TikTok was made (None: there is none)."""
        wanted = tuple(s.value for s in AT_TIKTOK)
        marks = ",".join("?" for _ in wanted)
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(created_at) FROM attempts WHERE account = ? AND draft = ? AND created_at >= ?"
                f" AND status IN ({marks})",
                (account, int(draft), since, *wanted),
            ).fetchone()
        return float(row[0]) if row is not None and row[0] is not None else None

    def find_posted(self, file_fingerprint: str, account: str, api_base: str, draft: bool = False) -> Attempt | None:
        """The latest attempt that got this file to this account (or may have), if any."""
        return self.latest(file_fingerprint, account, api_base, draft, AT_TIKTOK)


def _open_error(path: Path, exc: BaseException) -> HistoryError:
    if isinstance(exc, PermissionError) or "readonly" in str(exc) or "read-only" in str(exc):
        hint = (
            f"Clipship needs to write in {path.parent}: give yourself write permission there "
            "(or set CLIPSHIP_DATA_DIR to a folder of yours)."
        )
    elif "disk" in str(exc).lower() or getattr(exc, "errno", None) == 28:
        hint = f"The disk holding {path.parent} is full: free some space and try again."
    else:
        hint = "Check the free space and permissions of the data dir."
    return HistoryError(f"The post history at {path} could not be opened ({exc}).", hint)


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("malformed", "not a database", "corrupt", "file is encrypted"))


_SALVAGE_SUFFIX = ".salvage"


def _set_aside_and_salvage(path: Path, exc: BaseException) -> str:
    """Rename a damaged history (and its -wal/-shm) with a timestamp; say so."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    path.rename(aside)
    for extra in ("-wal", "-shm"):
        side = Path(f"{path}{extra}")
        if side.exists():
            side.rename(Path(f"{aside}{extra}"))
    Path(f"{path}{_SALVAGE_SUFFIX}").write_text(str(aside), encoding="utf-8")
    return (
        f"The post history was damaged ({exc}). It was kept aside as {aside.name}, and a new one was started "
        "with every record that could still be read."
    )


def _carry_over(db: sqlite3.Connection, path: Path) -> None:
    """Copy the readable attempts (and their events) of the set-aside file into the new history, row by row."""
    marker = Path(f"{path}{_SALVAGE_SUFFIX}")
    try:
        aside = Path(marker.read_text(encoding="utf-8").strip())
    except OSError:
        return
    marker.unlink(missing_ok=True)
    try:
        old = sqlite3.connect(f"file:{aside}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    columns = [r[1] for r in db.execute("PRAGMA table_info(attempts)").fetchall()]
    try:
        top = int(old.execute("SELECT MAX(id) FROM attempts").fetchone()[0] or 0)
        have = [r[1] for r in old.execute("PRAGMA table_info(attempts)").fetchall()]
    except sqlite3.Error:
        old.close()
        return
    shared = [c for c in columns if c in have]
    names = ", ".join(shared)
    marks = ", ".join("?" for _ in shared)
    for attempt_id in range(1, min(top, 1_000_000) + 1):
        try:
            row = old.execute(f"SELECT {names} FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            if row is None:
                continue
            db.execute(f"INSERT OR IGNORE INTO attempts ({names}) VALUES ({marks})", row)
            for event in old.execute(
                "SELECT attempt_id, at, status, detail FROM events WHERE attempt_id = ?", (attempt_id,)
            ).fetchall():
                db.execute("INSERT INTO events (attempt_id, at, status, detail) VALUES (?, ?, ?, ?)", event)
        except (sqlite3.Error, ValueError, TypeError):
            continue
    old.close()


def _migrate_v1(db: sqlite3.Connection) -> None:
    """Schema 1 -> 2: a local id as the key (publish_id may be unknown yet), the state machine's columns."""
    db.execute("DROP INDEX IF EXISTS attempts_fingerprint")
    create = _SCHEMA.split(";")[0].replace("CREATE TABLE attempts", "CREATE TABLE attempts_v2")
    db.execute(create)
    columns = (
        "id, publish_id, created_at, updated_at, file_path, file_size, fingerprint, account, api_base, sandbox,"
        " draft, settings_json, chunk_size, chunk_count, status, fail_reason, error, post_ids_json, log_ids_json"
    )
    db.execute(f"INSERT INTO attempts_v2 ({columns}) SELECT {columns} FROM attempts")
    db.execute("DROP TABLE attempts")  # events keeps its rows: they point at the same ids
    db.execute("ALTER TABLE attempts_v2 RENAME TO attempts")
    db.execute(_SCHEMA.split(";")[1])
    db.execute("UPDATE attempts SET request_json = settings_json")
    for old, new in _V1_STATES.items():
        db.execute("UPDATE attempts SET status = ? WHERE status = ?", (new, old))
    # v1 fingerprints were size:mtime:hash; the mtime made a copied file look new.
    for row in db.execute("SELECT id, fingerprint FROM attempts").fetchall():
        parts = str(row[1]).split(":")
        if len(parts) == 3:
            db.execute("UPDATE attempts SET fingerprint = ? WHERE id = ?", (f"{parts[0]}:{parts[2]}", row[0]))


def _migrate_v2(db: sqlite3.Connection) -> None:
    """Schema 2 -> 3: what kind of post an attempt is, and the URLs of posts TikTok downloads itself."""
    db.execute("ALTER TABLE attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'video'")
    db.execute("ALTER TABLE attempts ADD COLUMN urls_json TEXT NOT NULL DEFAULT '[]'")


def _json(text: Any, default: Any) -> Any:
    """A JSON column, or `default` when the row holds something unreadable (one bad row never blocks a post)."""
    try:
        value = json.loads(text or "null")
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


def _attempt(row: sqlite3.Row) -> Attempt:
    return Attempt(
        id=int(row["id"]),
        publish_id=row["publish_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        file_path=row["file_path"],
        file_size=row["file_size"],
        fingerprint=row["fingerprint"],
        account=row["account"],
        username=row["username"] or "",
        api_base=row["api_base"],
        sandbox=bool(row["sandbox"]),
        draft=bool(row["draft"]),
        settings=_json(row["settings_json"], {}),
        request=_json(row["request_json"], {}),
        chunk_size=row["chunk_size"],
        chunk_count=row["chunk_count"],
        status=row["status"],
        fail_reason=row["fail_reason"],
        error=row["error"],
        post_ids=tuple(str(x) for x in _json(row["post_ids_json"], [])),
        log_ids=tuple(str(x) for x in _json(row["log_ids_json"], [])),
        upload_url=row["upload_url"],
        upload_expires_at=row["upload_expires_at"],
        acked_bytes=int(row["acked_bytes"] or 0),
        owner_pid=int(row["owner_pid"] or 0),
        kind=str(row["kind"] or "video"),
        urls=tuple(str(x) for x in _json(row["urls_json"], [])),
    )
