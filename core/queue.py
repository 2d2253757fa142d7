"""The posting queue: videos waiting for their time, each posted exactly once by whichever runner claims it.

The queue lives in the history database (one SQLite file, table `queue`), beside the attempts it leads to. An item
is claimed atomically (one runner, the window or `queue run`, owns it: its pid), linked to its attempt before any
request is made for it, and finished from that attempt's state. A runner killed at any instant leaves an item
that the next runner takes up where it stopped: an attempt TikTok has is only polled, an interrupted upload is
resumed, one that never started is posted. Every time rule reads an injectable clock, so tests never sleep.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.attempt import AT_TIKTOK, PENDING_AT_TIKTOK, State
from core.errors import ApiError, InputError
from core.history import Attempt, History, fingerprint, pid_alive
from core.models import PostSettings

log = logging.getLogger(__name__)

Clock = Callable[[], float]

# TikTok's posting caps (tiktok-api.md §6): the item waits, and is tried again after this long.
CAP_CODES = ("spam_risk_too_many_posts", "spam_risk_too_many_pending_share", "reached_active_user_cap")
CAP_RETRY_S = 3600.0
RATE_LIMIT_PAUSE_S = 61.0  # TikTok's windows are a minute long (tiktok-api.md §6)
LATE_GRACE_S = 300.0  # an item posted within this long after its time is on time
DAILY_POST_CAP = 15  # about 15 direct posts per creator per 24 h (tiktok-api.md §6)
PENDING_SHARE_CAP = 5  # pending inbox drafts per creator per 24 h

QUEUE_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    at REAL,
    position INTEGER NOT NULL,
    path TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    account TEXT NOT NULL,
    settings_json TEXT NOT NULL,
    chunk_size INTEGER NOT NULL DEFAULT 0,
    force INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    attempt_id INTEGER,
    publish_id TEXT,
    status TEXT,
    fail_reason TEXT,
    error TEXT,
    retry_at REAL,
    owner_pid INTEGER NOT NULL DEFAULT 0
)
"""

# Posting order: items with a time by that time (a missed one first), then the others in the order added or as
# the user arranged them (position).
ORDER = "(at IS NULL), at, position, created_at"

# Stored states; `queued` and `scheduled` are both PENDING (due now, or later).
PENDING, POSTING, PUBLISHED, INBOX, FAILED, WAITING, CANCELLED = (
    "pending",
    "posting",
    "published",
    "inbox",
    "failed",
    "waiting",
    "cancelled",
)
FINISHED = (PUBLISHED, INBOX, FAILED, CANCELLED)


@dataclass(frozen=True)
class QueueItem:
    id: str
    created_at: float
    at: float | None
    position: int
    path: str
    file_size: int
    mtime_ns: int
    fingerprint: str
    account: str
    settings: PostSettings
    chunk_size: int
    force: bool
    stored_state: str
    attempt_id: int | None
    publish_id: str | None
    status: str | None
    fail_reason: str | None
    error: str | None
    retry_at: float | None
    owner_pid: int

    def state(self, now: float) -> str:
        """queued (due), scheduled (later), posting, published, inbox, failed, waiting or cancelled."""
        if self.stored_state == PENDING:
            return "scheduled" if self.at is not None and self.at > now else "queued"
        if self.stored_state == WAITING and self.retry_at is not None and self.retry_at <= now:
            return "queued"
        return self.stored_state

    def late_by(self, now: float, grace_s: float = LATE_GRACE_S) -> float:
        """Seconds past its time when it was missed (the computer was off or asleep): 0 when not late."""
        if self.stored_state != PENDING or self.at is None:
            return 0.0
        late = now - self.at
        return late if late > grace_s else 0.0

    def due(self, now: float) -> bool:
        if self.stored_state == PENDING:
            return self.at is None or self.at <= now
        return self.stored_state == WAITING and (self.retry_at or 0) <= now

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "state": self.state(now),
            "at": iso_utc(self.at),
            "account": self.account or None,
            "publish_id": self.publish_id,
            "status": self.status,
            "fail_reason": self.fail_reason,
            "error": self.error,
            "retry_at": iso_utc(self.retry_at),
            "title": self.settings.title,
            "draft": self.settings.draft,
        }


def iso_utc(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_RELATIVE = re.compile(r"\+\s*(\d+(?:\.\d+)?)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_when(text: str, now: float) -> float:
    """WHEN as a POSIX time: ISO 8601 with an offset, a local "YYYY-MM-DD HH:MM", or "+90s", "+15m", "+2h".

    A local time that does not exist (a daylight-saving gap) is refused, as is an ambiguous-looking or unknown form.
    """
    raw = text.strip()
    rel = _RELATIVE.fullmatch(raw)
    if rel:
        return now + float(rel.group(1)) * _UNITS[rel.group(2)]
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{text!r} is not a time Clipship understands.",
            'Use "2026-12-24T18:00:00+01:00", a local "2026-12-24 18:00", or "+90s", "+15m", "+2h".',
        ) from None
    if dt.tzinfo is not None:
        return dt.timestamp()
    ts = dt.timestamp()  # naive: the local time zone
    if datetime.fromtimestamp(ts).replace(microsecond=dt.microsecond) != dt:
        raise InputError(
            f"{raw} does not exist in this time zone (the clocks skip it for daylight saving).",
            "Choose a time outside the skipped hour.",
        )
    return ts


class QueueError(InputError):
    """A queue request that cannot be done (unknown id, an item already posting or posted)."""


class Queue:
    """The queue table of one history database. Thread-safe through the history's lock."""

    def __init__(self, history: History, clock: Clock = time.time) -> None:
        self.history = history
        self.clock = clock
        with history._tx() as db:
            db.execute(QUEUE_SCHEMA)

    # -- adding and editing ---------------------------------------------------------------------------------

    def add(
        self,
        path: Path,
        settings: PostSettings,
        *,
        account: str = "",
        chunk_size: int | None = None,
        force: bool = False,
        at: float | None = None,
    ) -> QueueItem:
        """Remember the file as it is now (size, mtime, fingerprint) and queue it."""
        path = path.resolve()
        st = path.stat()
        item_id = secrets.token_hex(4)
        now = self.clock()
        with self.history._tx() as db:
            position = int(db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM queue").fetchone()[0])
            db.execute(
                "INSERT INTO queue (id, created_at, at, position, path, file_size, mtime_ns, fingerprint, account,"
                " settings_json, chunk_size, force, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item_id,
                    now,
                    at,
                    position,
                    str(path),
                    st.st_size,
                    st.st_mtime_ns,
                    fingerprint(path),
                    account,
                    json.dumps(dataclasses.asdict(settings), sort_keys=True),
                    chunk_size or 0,
                    int(force),
                    PENDING,
                ),
            )
        item = self.get(item_id)
        assert item is not None
        return item

    def get(self, item_id: str) -> QueueItem | None:
        with self.history._lock:
            row = self.history._db.execute("SELECT * FROM queue WHERE id = ?", (item_id,)).fetchone()
        return _item(row) if row is not None else None

    def items(self, include_finished: bool = True) -> list[QueueItem]:
        """In posting order: items with a time by that time, then the others as added (or as reordered)."""
        with self.history._lock:
            rows = self.history._db.execute("SELECT * FROM queue ORDER BY " + ORDER).fetchall()
        items = [_item(r) for r in rows]
        return items if include_finished else [i for i in items if i.stored_state not in FINISHED]

    def remove(self, item_id: str) -> QueueItem:
        """Cancel an item that has not started posting."""
        with self.history._tx() as db:
            row = db.execute("SELECT * FROM queue WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise QueueError(f"No queued item {item_id!r}.", "See 'clipship queue list'.")
            item = _item(row)
            if item.stored_state == POSTING and pid_alive(item.owner_pid):
                raise QueueError(f"Item {item_id} is being posted right now.", "Let it finish.")
            if item.stored_state in (PUBLISHED, INBOX) or (item.attempt_id is not None and self._reached(item)):
                raise QueueError(f"Item {item_id} was already posted.", "Nothing to remove.")
            if item.stored_state in FINISHED:
                raise QueueError(f"Item {item_id} already ended ({item.stored_state}).", "Nothing to remove.")
            db.execute("UPDATE queue SET state = ?, owner_pid = 0 WHERE id = ?", (CANCELLED, item_id))
        out = self.get(item_id)
        assert out is not None
        return out

    def _reached(self, item: QueueItem) -> bool:
        attempt = self.history.get_id(item.attempt_id) if item.attempt_id is not None else None
        return attempt is not None and attempt.state in AT_TIKTOK

    def update(self, item_id: str, **fields: Any) -> QueueItem:
        """Edit a pending item (settings, time); refused once it started."""
        allowed = {"at", "settings_json", "chunk_size", "force", "account"}
        sets = {k: v for k, v in fields.items() if k in allowed}
        with self.history._tx() as db:
            row = db.execute("SELECT state FROM queue WHERE id = ?", (item_id,)).fetchone()
            if row is None or row[0] not in (PENDING, WAITING):
                raise QueueError(f"Item {item_id} can no longer be changed.", "")
            if sets:
                columns = ", ".join(f"{k} = ?" for k in sets)
                db.execute(f"UPDATE queue SET {columns} WHERE id = ?", (*sets.values(), item_id))
        out = self.get(item_id)
        assert out is not None
        return out

    def reorder(self, ids: Iterable[str]) -> None:
        """Give these items positions in this order (the window's drag and drop)."""
        with self.history._tx() as db:
            for position, item_id in enumerate(ids, start=1):
                db.execute("UPDATE queue SET position = ? WHERE id = ?", (position, item_id))

    # -- running --------------------------------------------------------------------------------------------

    def recover(self) -> None:
        """Items claimed by a runner that is gone go back to pending, keeping their attempt."""
        with self.history._tx() as db:
            rows = db.execute("SELECT id, owner_pid FROM queue WHERE state = ?", (POSTING,)).fetchall()
            for row in rows:
                if not pid_alive(int(row[1])):
                    db.execute("UPDATE queue SET state = ?, owner_pid = 0 WHERE id = ?", (PENDING, row[0]))

    def claim_next(self, skip_accounts: Iterable[str] = ()) -> QueueItem | None:
        """Atomically take the first due item (not of a skipped account) for this process."""
        skip = set(skip_accounts)
        now = self.clock()
        with self.history._tx() as db:
            rows = db.execute(
                "SELECT * FROM queue WHERE state IN (?, ?) ORDER BY " + ORDER,
                (PENDING, WAITING),
            ).fetchall()
            for row in rows:
                item = _item(row)
                if item.due(now) and item.account not in skip:
                    db.execute(
                        "UPDATE queue SET state = ?, owner_pid = ?, retry_at = NULL WHERE id = ?",
                        (POSTING, os.getpid(), item.id),
                    )
                    break
            else:
                return None
        return self.get(item.id)

    def link(self, item_id: str, attempt: Attempt) -> None:
        with self.history._tx() as db:
            db.execute(
                "UPDATE queue SET attempt_id = ?, publish_id = ?, status = ? WHERE id = ?",
                (attempt.id, attempt.publish_id, attempt.status, item_id),
            )

    def finish(self, item_id: str, state: str, *, attempt: Attempt | None = None, error: str | None = None) -> None:
        with self.history._tx() as db:
            db.execute(
                "UPDATE queue SET state = ?, owner_pid = 0, error = COALESCE(?, error),"
                " publish_id = COALESCE(?, publish_id), status = COALESCE(?, status),"
                " fail_reason = COALESCE(?, fail_reason) WHERE id = ?",
                (
                    state,
                    error,
                    attempt.publish_id if attempt else None,
                    attempt.status if attempt else None,
                    attempt.fail_reason if attempt else None,
                    item_id,
                ),
            )

    def retry(self, item_id: str) -> QueueItem:
        """A failed (or removed) item goes back to the queue, due now; its earlier attempt stays linked (an upload
        TikTok already has is then only followed, never sent twice)."""
        with self.history._tx() as db:
            row = db.execute("SELECT state FROM queue WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise QueueError(f"No queued item {item_id!r}.", "See 'clipship queue list'.")
            if row[0] not in (FAILED, CANCELLED):
                raise QueueError(f"Item {item_id} has not failed ({row[0]}).", "Only a failed item can be retried.")
            db.execute(
                "UPDATE queue SET state = ?, at = NULL, error = NULL, fail_reason = NULL, retry_at = NULL,"
                " owner_pid = 0 WHERE id = ?",
                (PENDING, item_id),
            )
        out = self.get(item_id)
        assert out is not None
        return out

    def hold(self, item_id: str, retry_at: float, reason: str) -> None:
        """Held back by a posting cap: waiting until `retry_at`, never dropped."""
        with self.history._tx() as db:
            db.execute(
                "UPDATE queue SET state = ?, owner_pid = 0, retry_at = ?, error = ? WHERE id = ?",
                (WAITING, retry_at, reason, item_id),
            )

    def release(self, item_id: str, error: str | None = None) -> None:
        """Give an item back (the runner stopped): pending, its attempt kept for the next runner."""
        with self.history._tx() as db:
            db.execute(
                "UPDATE queue SET state = ?, owner_pid = 0, error = COALESCE(?, error) WHERE id = ?",
                (PENDING, error, item_id),
            )

    def next_due_at(self) -> float | None:
        times = [
            (i.at if i.stored_state == PENDING else i.retry_at) or 0.0
            for i in self.items(include_finished=False)
            if i.stored_state in (PENDING, WAITING)
        ]
        return min(times) if times else None

    def file_problem(self, item: QueueItem) -> str | None:
        """Why the file is no longer the one queued (moved, deleted, changed), or None."""
        path = Path(item.path)
        try:
            st = path.stat()
        except OSError:
            return f"The file was moved or deleted after it was queued: {item.path}"
        if st.st_size != item.file_size or st.st_mtime_ns != item.mtime_ns:
            return f"The file changed after it was queued: {item.path}"
        try:
            if fingerprint(path) != item.fingerprint:
                return f"The file changed after it was queued: {item.path}"
        except OSError:
            return f"The file cannot be read any more: {item.path}"
        return None


def _item(row: Any) -> QueueItem:
    raw = json.loads(row["settings_json"])
    fields = {f.name for f in dataclasses.fields(PostSettings)}
    return QueueItem(
        id=row["id"],
        created_at=row["created_at"],
        at=row["at"],
        position=row["position"],
        path=row["path"],
        file_size=row["file_size"],
        mtime_ns=row["mtime_ns"],
        fingerprint=row["fingerprint"],
        account=row["account"],
        settings=PostSettings(**{k: v for k, v in raw.items() if k in fields}),
        chunk_size=row["chunk_size"],
        force=bool(row["force"]),
        stored_state=row["state"],
        attempt_id=row["attempt_id"],
        publish_id=row["publish_id"],
        status=row["status"],
        fail_reason=row["fail_reason"],
        error=row["error"],
        retry_at=row["retry_at"],
        owner_pid=int(row["owner_pid"] or 0),
    )


# -- the runner ---------------------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    """What one `queue run` handled: item id -> its final state, and the exit code that follows."""

    outcomes: dict[str, str] = dataclasses.field(default_factory=dict)
    exit_code: int = 0


Event = Callable[[QueueItem, str], None]  # (item, what happened), for the CLI's lines and the window


def attempt_outcome(attempt: Attempt) -> str | None:
    """The item state an attempt's state ends in (None while TikTok still decides or the upload can continue)."""
    if attempt.state == State.PUBLISHED:
        return PUBLISHED
    if attempt.state == State.INBOX:
        return INBOX
    if attempt.state == State.FAILED and attempt.publish_id is not None and attempt.fail_reason:
        return FAILED
    return None


def run_queue(
    session: Any,
    queue: Queue,
    *,
    once: bool,
    cancel: threading.Event,
    on_event: Event | None = None,
    on_progress: Callable[[QueueItem, int, int], None] | None = None,
    on_stage: Callable[[QueueItem, str, str], None] | None = None,
    poll_s: float = 2.0,
    idle_s: float = 5.0,
    link_wait_s: float = 600.0,
) -> RunSummary:
    """Post due items one at a time (upload k+1 while TikTok processes k), each exactly as `post` would.

    `session` is a core.session.Session. Returns when nothing is due and nothing is in flight (once=True), or when
    `cancel` is set. Auth and network failures stop the run (exit 3 / 4) and give the item back.
    """
    from core.errors import AuthError, Cancelled, ClipshipError, DuplicateError, NetworkError
    from core.pipeline import apply_status, reconcile
    from core.session import Callbacks, PostRequest

    summary = RunSummary()
    blocked: set[str] = set()
    in_flight: dict[str, tuple[QueueItem, Attempt]] = {}
    links: dict[str, tuple[QueueItem, Attempt, float]] = {}  # published public posts still without their link
    last_poll = 0.0
    last_link_poll = 0.0

    def say(item: QueueItem, what: str) -> None:
        if on_event is not None:
            on_event(item, what)

    def settle(item: QueueItem, attempt: Attempt) -> None:
        """Record an attempt's outcome on its item, or keep polling it."""
        queue.link(item.id, attempt)
        outcome = attempt_outcome(attempt)
        if outcome is not None:
            if item.id not in summary.outcomes:
                queue.finish(item.id, outcome, attempt=attempt)
                summary.outcomes[item.id] = outcome
                say(item, outcome if outcome != FAILED else f"failed ({attempt.fail_reason})")
            in_flight.pop(item.id, None)
            public = attempt.settings.get("privacy_level") == "PUBLIC_TO_EVERYONE"
            if outcome == PUBLISHED and not attempt.post_ids and public and not once:
                links.setdefault(item.id, (item, attempt, time.monotonic() + link_wait_s))
            elif item.id in links and attempt.post_ids:
                links.pop(item.id, None)
                say(item, f"link {attempt.post_url}")
        elif attempt.state in PENDING_AT_TIKTOK:
            in_flight[item.id] = (item, attempt)

    def poll_all() -> None:
        nonlocal last_poll
        last_poll = time.monotonic()
        for item, attempt in list(in_flight.values()):
            with session.client(item.account or None) as client:
                fresh = reconcile(client, session.history, attempt, cancel)
            settle(item, fresh)

    def post(item: QueueItem) -> None:
        problem = queue.file_problem(item)
        if problem:
            queue.finish(item.id, FAILED, error=problem)
            summary.outcomes[item.id] = FAILED
            say(item, f"failed: {problem}")
            return
        earlier = session.history.get_id(item.attempt_id) if item.attempt_id is not None else None
        if earlier is not None:  # a runner stopped with this item: take it up where it stopped
            if earlier.publish_id is not None:  # TikTok may have more than the record says (killed mid-answer)
                with session.client(item.account or None) as client:
                    earlier = reconcile(client, session.history, earlier, cancel)
            if earlier.state in AT_TIKTOK or attempt_outcome(earlier) is not None:
                say(item, "already at TikTok; following it")
                settle(item, earlier)
                return
        say(item, "posting")
        request = PostRequest(
            path=Path(item.path),
            settings=item.settings,
            account=item.account or None,
            chunk_size=item.chunk_size or None,
            wait=False,
            force=item.force,
        )
        linked = {"done": False}

        def on_attempt(attempt: Attempt) -> None:
            if not linked["done"]:
                queue.link(item.id, attempt)
                linked["done"] = True

        callbacks = Callbacks(
            on_stage=(lambda stage, detail: on_stage(item, str(stage), detail)) if on_stage is not None else None,
            on_progress=(lambda done, total: on_progress(item, done, total)) if on_progress is not None else None,
            on_attempt=on_attempt,
        )
        try:
            result = session.publish(request, callbacks, cancel)
        except DuplicateError as exc:
            own = exc.attempt if isinstance(exc.attempt, Attempt) else None
            if own is not None and own.id == item.attempt_id:  # this item's own upload, found at TikTok: follow it
                settle(item, own)
                return
            queue.finish(item.id, FAILED, error=exc.message)
            summary.outcomes[item.id] = FAILED
            say(item, f"failed: {exc.message}")
            return
        except ApiError as exc:
            if exc.code in CAP_CODES:
                retry = queue.clock() + CAP_RETRY_S
                queue.hold(item.id, retry, exc.message)
                blocked.add(item.account)
                summary.outcomes[item.id] = WAITING
                say(item, f"waiting until {iso_utc(retry)}: {exc.message}")
                return
            if exc.code == "rate_limit_exceeded":  # still limited after the client's own backoff (another runner
                queue.release(item.id)  # on the same token?): give the item back, wait a window, go on
                say(item, "TikTok's rate limit: waiting a minute before going on")
                cancel.wait(RATE_LIMIT_PAUSE_S)
                return
            if isinstance(exc, AuthError | NetworkError) or exc.retryable:
                queue.release(item.id, exc.message)
                raise
            queue.finish(item.id, FAILED, error=exc.message)
            summary.outcomes[item.id] = FAILED
            say(item, f"failed: {exc.message}")
            return
        except (Cancelled, AuthError, NetworkError) as exc:
            queue.release(item.id, None if isinstance(exc, Cancelled) else exc.message)
            raise
        except ClipshipError as exc:
            queue.finish(item.id, FAILED, error=exc.message)
            summary.outcomes[item.id] = FAILED
            say(item, f"failed: {exc.message}")
            return
        attempt = session.history.get(result.publish_id)
        if attempt is not None:
            settle(item, attempt)

    def poll_links() -> None:
        """Ask for the post ids of published public posts, every 30 s, for a bounded time."""
        nonlocal last_link_poll
        last_link_poll = time.monotonic()
        for item_id, (item, attempt, deadline) in list(links.items()):
            if time.monotonic() > deadline:
                links.pop(item_id, None)
                continue
            with session.client(item.account or None) as client:
                st = client.fetch_status(attempt.publish_id or "", cancel)
            fresh = apply_status(session.history, attempt, st)
            links[item_id] = (item, fresh, deadline)
            settle(item, fresh)

    try:
        while not cancel.is_set():
            if links and time.monotonic() - last_link_poll >= 30.0:
                try:
                    poll_links()
                except ClipshipError as exc:  # the post is published all the same
                    log.info("asking for a post link failed: %s", exc.message)
            queue.recover()
            item = queue.claim_next(blocked)
            if item is not None:
                post(item)
                if in_flight and time.monotonic() - last_poll >= poll_s:
                    poll_all()
                continue
            if in_flight:
                if cancel.wait(max(0.0, poll_s - (time.monotonic() - last_poll))):
                    break
                poll_all()
                continue
            if once:
                break
            due = queue.next_due_at()
            wait_s = idle_s if due is None else min(idle_s, max(0.05, due - queue.clock()))
            cancel.wait(wait_s)
    except (AuthError, NetworkError) as exc:
        summary.exit_code = exc.exit_code
        return summary
    except Cancelled:
        summary.exit_code = 130
        return summary
    for item_id in in_flight:  # stopped while TikTok processes: the next run polls
        queue.release(item_id)
    if cancel.is_set() and not once:
        summary.exit_code = 0
    if any(state == FAILED for state in summary.outcomes.values()):
        summary.exit_code = 1
    return summary


__all__ = [
    "CAP_CODES",
    "Queue",
    "QueueError",
    "QueueItem",
    "RunSummary",
    "iso_utc",
    "parse_when",
    "run_queue",
]
