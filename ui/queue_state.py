"""The queue as the window shows it: entries (queued items and videos not set up yet), their words, pool jobs."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import describe_fail_reason
from core.models import PostSettings
from core.queue import DAILY_POST_CAP, PENDING_SHARE_CAP, Queue, QueueItem
from core.session import Session
from ui.plain_errors import plain_sentence
from ui.schedule_dialog import local_text

ACTIVE_STATES = ("queued", "scheduled", "posting", "waiting")
EDITABLE_STATES = ("queued", "scheduled", "waiting")
FINISHED_SHOWN = 30  # finished items kept in the list, newest first


@dataclass
class Entry:
    """One row of the Queue tab: a queue item, or a dropped video not queued yet (item None, key "new-N").

    A dropped video is written to the queue only when the user clicks Post now / Schedule / Send to inbox: bytes go
    to TikTok only after that explicit consent (tiktok-api.md §9.5).
    """

    key: str
    path: Path
    item: QueueItem | None = None
    settings: PostSettings = field(default_factory=PostSettings)
    checking: bool = False
    problem: str = ""  # why the file can't be posted (the preflight's first blocking problem)
    post_url: str = ""
    progress: tuple[int, int] | None = None
    stage: str = ""

    def state(self, now: float) -> str:
        return "new" if self.item is None else self.item.state(now)

    def editable(self, now: float) -> bool:
        return self.item is None or self.state(now) in EDITABLE_STATES

    def movable(self, now: float) -> bool:
        return self.item is None or self.state(now) in ("queued", "scheduled", "waiting")


def describe(entry: Entry, now: float) -> tuple[str, str]:
    """(headline, detail) in the user's words: "Scheduled for …", "Posting 43 %", "Failed: …"."""
    item = entry.item
    if item is None:
        if entry.checking:
            return "Checking the video\u2026", ""
        if entry.problem:
            return "Can't be posted", entry.problem
        return "Not scheduled yet", "Choose who can see it, then Post now, Schedule\u2026 or Send to inbox."
    state = item.state(now)
    draft = item.settings.draft
    if state == "scheduled" and item.at is not None:
        return f"Scheduled for {local_text(item.at)}", "To your inbox as a draft" if draft else ""
    if state == "queued":
        return "Up next", "Posted as soon as the one before it is on its way"
    if state == "posting":
        if entry.progress is not None and entry.progress[1] > 0 and entry.progress[0] < entry.progress[1]:
            sent, total = entry.progress
            return f"Posting {int(sent * 100 / total)} %", ""
        if entry.progress is not None or item.publish_id:
            return "Processing at TikTok", "It may take a few minutes to appear on the profile."
        return "Posting", ""
    if state == "published":
        return "Published", entry.post_url or "TikTok has not given the post's link yet."
    if state == "inbox":
        return "Sent to your TikTok inbox", "Finish the post in the TikTok app."
    if state == "failed":
        if item.fail_reason:
            return "Failed", f"TikTok could not publish it. {describe_fail_reason(item.fail_reason).sentence}"
        return "Failed", plain_sentence(item.error or "") or "TikTok did not say why."
    if state == "waiting":
        until = f" until {local_text(item.retry_at)}" if item.retry_at else ""
        return f"Waiting for TikTok's daily limit{until}", plain_sentence(item.error or "")
    if state == "cancelled":
        return "Removed", "It will not be posted."
    return state.capitalize(), ""


def cap_text(posts: int, drafts: int) -> str:
    """ "3 of about 15 posts today" (and the drafts when there are any)."""
    text = f"{posts} of about {DAILY_POST_CAP} posts today"
    if drafts:
        text += f" \u00b7 {drafts} of {PENDING_SHARE_CAP} drafts"
    return text


@dataclass(frozen=True)
class Snapshot:
    """The queue as read on a pool thread: items in posting order, post links, the account's 24 h counts."""

    now: float
    items: tuple[QueueItem, ...]
    urls: dict[str, str]
    posts_today: int | None
    drafts_today: int | None


class QueueAccess:
    """The window's core Queue, opened lazily on the first pool job; every method runs on a pool thread."""

    def __init__(self, session: Session, clock: Callable[[], float] = time.time) -> None:
        self.session = session
        self.clock = clock
        self._queue: Queue | None = None
        self._lock = threading.Lock()

    def queue(self) -> Queue:
        with self._lock:
            if self._queue is None:
                self._queue = Queue(self.session.history, self.clock)
            return self._queue

    def snapshot(self, account: str | None) -> Snapshot:
        queue = self.queue()
        items = queue.items()
        history = self.session.history
        urls: dict[str, str] = {}
        for item in items:
            if item.stored_state == "published" and item.attempt_id is not None:
                attempt = history.get_id(item.attempt_id)
                if attempt is not None and attempt.post_url:
                    urls[item.id] = attempt.post_url
        now = queue.clock()
        posts = drafts = None
        if account:
            since = time.time() - 86400
            posts = history.posts_since(account, since)
            drafts = history.posts_since(account, since, draft=True)
        return Snapshot(now, tuple(items), urls, posts, drafts)

    def add(self, path: Path, settings: PostSettings, account: str, at: float | None, chunk: int | None) -> QueueItem:
        return self.queue().add(path, settings, account=account, chunk_size=chunk, at=at)

    def update(self, item_id: str, settings: PostSettings, at: float | None) -> QueueItem:
        raw = json.dumps(dataclasses.asdict(settings), sort_keys=True)
        return self.queue().update(item_id, settings_json=raw, at=at)

    def remove(self, item_id: str) -> QueueItem:
        return self.queue().remove(item_id)

    def reorder(self, ids: list[str]) -> None:
        """The user's order (items without a time post in this order, after those whose time has come)."""
        self.queue().reorder(ids)

    def retry(self, item_id: str) -> QueueItem:
        return self.queue().retry(item_id)

    def late(self) -> list[QueueItem]:
        """Items that missed their time (the computer was off, Clipship closed), as the runner starts."""
        queue = self.queue()
        now = queue.clock()
        return [i for i in queue.items(include_finished=False) if i.late_by(now) > 0]
