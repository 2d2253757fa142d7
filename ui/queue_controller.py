"""The window's posting queue: entries, the form of the selected one, the runner thread, refreshes, notifications."""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from core.models import CreatorInfo, PostSettings
from core.queue import QueueItem
from core.session import Session
from ui import services
from ui.prompts import Prompts
from ui.qt_types import INT64
from ui.queue_page import QueuePage
from ui.queue_runner import QueueRunner, exit_code
from ui.queue_state import ACTIVE_STATES, FINISHED_SHOWN, Entry, QueueAccess, Snapshot, cap_text
from ui.schedule_dialog import local_text
from ui.tasks import TaskRunner

ASK_MISSED_KEY = "queue/ask_before_posting_missed"
NOTIFY_STATES = {"published": "Posted to TikTok", "inbox": "Sent to your TikTok inbox", "failed": "Not posted"}


class QueueController(QObject):
    """Owns the Queue tab's logic; every core call runs on the task runner or the runner thread.

    Signals: message(str) (for the status bar), notify(str title, str text, bool failed) (desktop notification),
    cap_changed(str) ("3 of about 15 posts today"), pending_changed(int active items, str next post text),
    changed() (entries reloaded).
    """

    message = Signal(str)
    notify = Signal(str, str, bool)
    cap_changed = Signal(str)
    pending_changed = Signal(int, str)
    changed = Signal()

    def __init__(
        self,
        session: Session,
        runner: TaskRunner,
        page: QueuePage,
        prompts: Prompts,
        qsettings: QSettings,
        clock: Callable[[], float] = time.time,
        refresh_ms: int = 3000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.page = page
        self.prompts = prompts
        self.qsettings = qsettings
        self.access = QueueAccess(session, clock)
        self.queue_runner = QueueRunner(self)
        self.dialog_parent: QWidget | None = None
        self.account: str | None = None
        self.chunk_size: int | None = None
        self.creator: CreatorInfo | None = None
        self.context_direct: list[str] = []
        self.context_draft: list[str] = []
        self.new_entries: list[Entry] = []  # dropped videos not queued yet, in the user's order
        self.items: list[QueueItem] = []
        self.entries: list[Entry] = []
        self.snapshot: Snapshot | None = None
        self.progress: dict[str, tuple[int, int]] = {}
        self.late_names: list[str] = []
        self.held_for_missed = False  # the user said not to post the missed items yet
        self.started_once = False
        self.closing = False
        self._ids = itertools.count(1)
        self._generation = 0
        self._loading_form = False
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        page.ask_missed.setChecked(self.ask_missed())
        page.ask_missed.toggled.connect(self.on_ask_missed_toggled)
        page.selected.connect(self.on_selected)
        page.move_requested.connect(self.move)
        page.model.reorder_requested.connect(self.reorder)
        page.remove_requested.connect(self.remove)
        page.retry_requested.connect(self.retry)
        page.post_missed_requested.connect(self.on_post_missed_requested)
        page.form.changed.connect(self.on_form_changed)
        page.form.post_requested.connect(self.on_post_now)
        page.form.schedule_requested.connect(self.on_schedule)
        page.form.draft_requested.connect(self.on_draft)
        r = self.queue_runner
        r.item_event.connect(self.on_runner_event)
        r.progress.connect(self.on_runner_progress)
        r.stopped.connect(self.on_runner_stopped)

    # ---- settings -------------------------------------------------------------------------------------------

    def ask_missed(self) -> bool:
        return str(self.qsettings.value(ASK_MISSED_KEY, "false")).lower() == "true"

    @Slot(bool)
    def on_ask_missed_toggled(self, on: bool) -> None:
        self.qsettings.setValue(ASK_MISSED_KEY, "true" if on else "false")

    # ---- reading the queue ------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Read the queue (and the 24 h counts) on the pool: another `clipship queue run` may be posting too."""
        access, account = self.access, self.account
        self._generation += 1
        generation = self._generation
        self.runner.submit(
            lambda: access.snapshot(account),
            on_done=functools.partial(self._on_snapshot, generation),
            on_error=self._on_error,
        )

    def _on_snapshot(self, generation: int, snap: Snapshot) -> None:
        if generation != self._generation or self.closing:
            return
        before = {i.id: i.stored_state for i in self.items}
        self.snapshot = snap
        self.items = list(snap.items)
        for item in self.items:
            old = before.get(item.id)
            if old is not None and old != item.stored_state and item.stored_state in NOTIFY_STATES:
                self._notify(item, snap.urls.get(item.id, ""))
            if item.stored_state != "posting":
                self.progress.pop(item.id, None)
        self._rebuild()
        if snap.posts_today is not None:
            self.cap_changed.emit(cap_text(snap.posts_today, snap.drafts_today or 0))
        else:
            self.cap_changed.emit("")

    def _notify(self, item: QueueItem, url: str) -> None:
        name = Path(item.path).name
        title = NOTIFY_STATES[item.stored_state]
        if item.stored_state == "failed":
            text = f"{name}: {item.fail_reason or item.error or 'TikTok did not say why.'}"
        elif item.stored_state == "published":
            text = f"{name} is on TikTok." + (f" {url}" if url else "")
        else:
            text = f"{name}: finish the post in the TikTok app."
        self.notify.emit(title, text, item.stored_state == "failed")
        self.message.emit(f"{title}: {text}")

    def _rebuild(self) -> None:
        now = self.now()
        snap = self.snapshot
        old = {e.key: e for e in self.entries}
        active: list[Entry] = []
        finished: list[Entry] = []
        for item in self.items:
            entry = Entry(item.id, Path(item.path), item, item.settings)
            entry.post_url = snap.urls.get(item.id, "") if snap is not None else ""
            entry.progress = self.progress.get(item.id)
            previous = old.get(item.id)
            entry.problem = previous.problem if previous is not None else ""
            (active if item.state(now) in ACTIVE_STATES else finished).append(entry)
        finished.sort(key=lambda e: e.item.created_at if e.item is not None else 0.0, reverse=True)
        self.entries = active + self.new_entries + finished[:FINISHED_SHOWN]
        self.page.model.set_entries(self.entries, now)
        self._show_selected()
        waiting = [e for e in active if e.item is not None]
        self.page.summary.setText(self._summary(waiting, now))
        self.pending_changed.emit(len(waiting), self.next_text())
        self.changed.emit()

    def _summary(self, active: list[Entry], now: float) -> str:
        if not active and not self.new_entries:
            return "Nothing is waiting. Drop several videos on the window to queue them."
        parts = []
        if active:
            parts.append(f"{len(active)} waiting to be posted, in this order")
        if self.new_entries:
            n = len(self.new_entries)
            parts.append(f"{n} video{'s' if n != 1 else ''} to set up")
        return "; ".join(parts) + ". Drag items (or use Move up / Move down) to change the order."

    def now(self) -> float:
        return self.access.clock()

    def entry(self, key: str) -> Entry | None:
        return next((e for e in self.entries if e.key == key), None)

    def active_count(self) -> int:
        now = self.now()
        return sum(1 for i in self.items if i.state(now) in ACTIVE_STATES)

    def next_text(self) -> str:
        """ "Next post: a.mp4 at Tue 24 Dec 2026, 18:00 CET (UTC+01:00)" ('' when nothing waits)."""
        now = self.now()
        waiting = [i for i in self.items if i.state(now) in ACTIVE_STATES]
        if not waiting:
            return ""
        first = waiting[0]
        when = local_text(first.at) if first.state(now) == "scheduled" and first.at is not None else "now"
        return f"Next post: {Path(first.path).name} at {when}" if when != "now" else f"Posting {Path(first.path).name}"

    # ---- adding -------------------------------------------------------------------------------------------

    def add_files(self, paths: list[Path], creator: CreatorInfo | None) -> None:
        """Each file becomes an entry to set up (checked on the pool); the first one is selected."""
        first = ""
        for path in paths:
            entry = Entry(f"new-{next(self._ids)}", path, checking=True)
            self.new_entries.append(entry)
            first = first or entry.key
            self.runner.submit(
                functools.partial(services.inspect_video, path, creator),
                on_done=functools.partial(self._on_inspected, entry.key),
                on_error=functools.partial(self._on_inspect_error, entry.key),
            )
        self._rebuild()
        if first:
            self.page.select(first)

    def _on_inspected(self, key: str, inspection: services.Inspection) -> None:
        entry = next((e for e in self.new_entries if e.key == key), None)
        if entry is not None:
            entry.checking = False
            entry.problem = inspection.blocking[0].message if inspection.blocking else ""
            self._rebuild()

    def _on_inspect_error(self, key: str, exc: BaseException) -> None:
        entry = next((e for e in self.new_entries if e.key == key), None)
        if entry is not None:
            entry.checking = False
            entry.problem = services.describe_error(exc)[0]
            self._rebuild()

    def add_item(self, path: Path, settings: PostSettings, at: float | None) -> None:
        """Queue one video now (the Post tab's Schedule\u2026): written on the pool, then the list reloads."""
        access, account, chunk = self.access, self.account or "", self.chunk_size
        self.runner.submit(
            lambda: access.add(path, settings, account, at, chunk),
            on_done=self._on_added,
            on_error=self._on_error,
        )

    def _on_added(self, item: QueueItem) -> None:
        name = Path(item.path).name
        if item.at is not None and item.at > self.now():
            self.message.emit(f"Scheduled {name} for {local_text(item.at)}.")
        else:
            self.message.emit(f"Queued {name}: posting it now.")
        self.refresh()
        self.ensure_running()

    # ---- the selected entry and its form ------------------------------------------------------------------

    @Slot(str)
    def on_selected(self, key: str) -> None:
        entry = self.entry(key)
        self._loading_form = True
        try:
            if entry is not None:
                self.page.form.reset()
                self.page.form.load(entry.settings)
        finally:
            self._loading_form = False
        self._show_selected()

    def _show_selected(self) -> None:
        entry = self.entry(self.page.current_key())
        self.page.show_entry(entry)
        self.update_blockers()

    def set_context(self, creator: CreatorInfo | None, direct: list[str], draft: list[str]) -> None:
        """The account's side of the form rules (the window computes them for both forms)."""
        if creator is not self.creator:
            self.creator = creator
            self._loading_form = True
            self.page.form.set_creator(creator)
            self._loading_form = False
        self.context_direct, self.context_draft = list(direct), list(draft)
        self.update_blockers()

    def update_blockers(self) -> None:
        entry = self.entry(self.page.current_key())
        extra: list[str] = []
        if entry is not None:
            if entry.checking:
                extra.append("Wait a moment: the video is being checked.")
            elif entry.problem and entry.item is None:
                extra.append(f"Fix the video first: {entry.problem}")
        self.page.form.set_context_blockers(self.context_direct + extra, self.context_draft + extra)

    @Slot()
    def on_form_changed(self) -> None:
        """A new entry keeps what the user typed when another is selected (queued items save on a button)."""
        if self._loading_form:
            return
        entry = self.entry(self.page.current_key())
        if entry is not None and entry.item is None:
            entry.settings = self.page.form.settings()

    @Slot()
    def on_post_now(self) -> None:
        self._commit(self.page.form.settings(), at=None)

    @Slot()
    def on_draft(self) -> None:
        self._commit(self.page.form.settings(draft=True), at=None)

    @Slot()
    def on_schedule(self) -> None:
        entry = self.entry(self.page.current_key())
        if entry is None:
            return
        initial = entry.item.at if entry.item is not None else None
        at = self.prompts.ask_when(self.dialog_parent, entry.path.name, initial)
        if at is not None:
            self._commit(self.page.form.settings(), at=at)

    def _commit(self, settings: PostSettings, at: float | None) -> None:
        """The user's explicit go for the selected entry: queue it (new) or save its settings and time."""
        entry = self.entry(self.page.current_key())
        if entry is None:
            return
        if entry.item is None:
            self.new_entries = [e for e in self.new_entries if e.key != entry.key]
            self.add_item(entry.path, settings, at)
            self._rebuild()
            return
        access, item_id = self.access, entry.item.id
        self.runner.submit(
            lambda: access.update(item_id, settings, at), on_done=self._on_added, on_error=self._on_error
        )

    # ---- remove, retry, reorder -------------------------------------------------------------------------------

    @Slot(str)
    def remove(self, key: str) -> None:
        entry = self.entry(key)
        if entry is None:
            return
        if entry.item is None:
            self.new_entries = [e for e in self.new_entries if e.key != key]
            self._rebuild()
            return
        access, item_id, name = self.access, entry.item.id, entry.path.name
        self.runner.submit(
            lambda: access.remove(item_id),
            on_done=lambda _item: self._after_change(f"Removed {name}; it will not be posted."),
            on_error=self._on_error,
        )

    @Slot(str)
    def retry(self, key: str) -> None:
        """A failed item goes back to the queue, due now (an upload TikTok already has is only followed)."""
        entry = self.entry(key)
        if entry is None or entry.item is None:
            return
        access, item_id, name = self.access, entry.item.id, entry.path.name
        self.runner.submit(
            lambda: access.retry(item_id),
            on_done=lambda _item: self._after_change(f"{name} is queued again."),
            on_error=self._on_error,
        )

    @Slot(str, int)
    def move(self, key: str, delta: int) -> None:
        keys = [e.key for e in self.entries]
        row = keys.index(key) if key in keys else -1
        other = row + delta
        if row < 0 or not 0 <= other < len(keys):
            return
        keys[row], keys[other] = keys[other], keys[row]
        self.reorder(keys)

    @Slot(list)
    def reorder(self, keys: list[str]) -> None:
        """The user's order: new entries are reordered here, queued items in the queue (then reloaded)."""
        by_key = {e.key: e for e in self.new_entries}
        self.new_entries = [by_key[k] for k in keys if k in by_key]
        now = self.now()
        movable = {i.id for i in self.items if i.state(now) in ("queued", "scheduled", "waiting")}
        ids = [k for k in keys if k in movable]
        current = [i.id for i in self.items if i.id in movable]
        if ids == current:
            self._rebuild()
            return
        access = self.access
        self.runner.submit(
            lambda: access.reorder(ids),
            on_done=lambda _none: self._after_change(""),
            on_error=self._on_error,
        )

    def _after_change(self, text: str) -> None:
        if text:
            self.message.emit(text)
        self.refresh()

    def _on_error(self, exc: BaseException) -> None:
        message, hint = services.describe_error(exc)
        self.message.emit(f"{message} {hint}".strip())
        self.refresh()

    # ---- the runner -------------------------------------------------------------------------------------

    def set_account(self, account: str | None, chunk_size: int | None) -> None:
        """Signed in (or out): the runner posts while an account is signed in."""
        self.account, self.chunk_size = account, chunk_size
        self.refresh()
        if account is None:
            self.queue_runner.stop()
        else:
            self.start()

    def start(self) -> None:
        """At start (and after signing in): say which items missed their time, maybe ask, then run."""
        if self.started_once or self.closing:
            self.ensure_running()
            return
        self.started_once = True
        access = self.access
        self.runner.submit(lambda: access.late(), on_done=self._on_late, on_error=self._on_error)

    def _on_late(self, late: list[QueueItem]) -> None:
        names = [f"{Path(i.path).name} (due {local_text(i.at)})" for i in late if i.at is not None]
        self.late_names = names
        banner = self.page.late_banner
        if names and self.ask_missed() and not self.prompts.ask_post_missed(self.dialog_parent, names):
            self.held_for_missed = True
            banner.label.setText(
                f"<b>{len(names)} scheduled post{'s' if len(names) != 1 else ''} missed "
                f"{'their' if len(names) != 1 else 'its'} time</b> while Clipship was not running: "
                f"{_esc(', '.join(names))}. They wait until you post them (or remove them)."
            )
            self.page.post_missed_button.show()
            banner.show()
            return
        if names:
            banner.label.setText(
                f"<b>Posted late:</b> {_esc(', '.join(names))} missed {'their' if len(names) != 1 else 'its'} time "
                "while Clipship was not running, so Clipship is posting them now."
            )
            self.page.post_missed_button.hide()
            banner.show()
        self.ensure_running()

    @Slot()
    def on_post_missed_requested(self) -> None:
        self.held_for_missed = False
        self.page.post_missed_button.hide()
        self.page.late_banner.hide()
        self.ensure_running()

    def ensure_running(self) -> None:
        if self.closing or self.held_for_missed or self.account is None or self.queue_runner.is_running():
            return
        self.queue_runner.start(self.session, self.access.queue())

    @Slot(object, str)
    def on_runner_event(self, item: object, what: str) -> None:
        if isinstance(item, QueueItem):
            if what == "posting":
                self.progress[item.id] = (0, 0)
            self.refresh()

    @Slot(str, INT64, INT64)
    def on_runner_progress(self, item_id: str, sent: int, total: int) -> None:
        if not item_id:
            return
        self.progress[item_id] = (sent, total)
        for entry in self.entries:
            if entry.key == item_id:
                entry.progress = (sent, total)
        self.page.model.set_entries(self.entries, self.now())
        if self.page.current_key() == item_id:
            self.page.show_entry(self.entry(item_id))

    @Slot(object)
    def on_runner_stopped(self, result: object) -> None:
        self.refresh()
        if self.closing:
            return
        code = exit_code(result)
        if code == 3:
            self.message.emit("The queue is paused: sign in to TikTok again to post the waiting items.")
        elif code == 4:
            self.message.emit("The queue is paused: TikTok can't be reached. Trying again in a minute.")
            QTimer.singleShot(60_000, self.ensure_running)
        elif code not in (0, 1, 130):
            self.message.emit("The queue stopped unexpectedly. Restart Clipship to post the waiting items.")

    def shutdown(self) -> None:
        self.closing = True
        self.timer.stop()
        self.queue_runner.shutdown()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
