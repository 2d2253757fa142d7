"""One post from the window's side: the earlier-post check, the re-post question, the upload, what it ended as.

PostFlow owns the upload thread (PublishController) and talks to the core only through the window's
core.session.Session, on worker threads. The Post page shows what it says; MainWindow only wires it up.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from core.attempt import State
from core.errors import ApiError, DuplicateError
from core.history import Attempt
from core.models import PostSettings, PublishResult
from core.pipeline import LINK_WAIT_S
from ui import services
from ui.progress_panel import ACTION_FIX_FILE, ACTION_HISTORY, ACTION_RESUME, ACTION_RETRY, ACTION_SIGN_IN
from ui.prompts import Prompts
from ui.tasks import TaskRunner
from ui.worker import PublishController, PublishJob


def _date(at: float) -> str:
    t = time.localtime(at)
    return f"{t.tm_mday} {time.strftime('%b %Y, %H:%M', t)}"


def earlier_text(attempt: Attempt, fallback_name: str = "") -> str:
    """ "Posted on <date> to @name" (and the like) for an earlier attempt that reached TikTok."""
    name = attempt.username or fallback_name
    who = f"@{name}" if name else "this account"
    when = _date(attempt.created_at)
    if attempt.state == State.INBOX:
        return f"Sent on {when} to {who}'s TikTok inbox"
    if attempt.state == State.PUBLISHED:
        return f"Posted on {when} to {who}"
    return f"Uploaded on {when} to {who}; TikTok may still publish it"


def settings_of(attempt: Attempt) -> PostSettings:
    """The PostSettings an attempt was asked with (Attempt.request), unknown keys left out."""
    names = {f.name for f in dataclasses.fields(PostSettings)}
    recorded = attempt.request or attempt.settings
    return PostSettings(**{k: v for k, v in recorded.items() if k in names})


class PostFlow(QObject):
    """The Post tab's posting logic.

    Signals: idle() (the upload thread ended and no follow-up post started), posted(object PublishResult),
    history_changed(), detached(object Attempt | None) (stopped watching: TikTok goes on), message(str),
    sign_in_requested(), open_requested(), history_requested(), unaudited().
    """

    idle = Signal()
    posted = Signal(object)
    history_changed = Signal()
    detached = Signal(object)
    message = Signal(str)
    sign_in_requested = Signal()
    open_requested = Signal()
    history_requested = Signal()
    unaudited = Signal()

    def __init__(self, session: Any, page: Any, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.page = page
        self.runner = runner
        self.prompts = Prompts()
        self.dialog_parent: Any = None  # the window, for the questions
        self.controller = PublishController(self)
        self.last_job: PublishJob | None = None
        self.earlier: dict[bool, Attempt | None] = {}
        self.earlier_for: tuple[Path, str | None] | None = None  # (path, account) the earlier check answered
        self.account_name = ""  # the signed-in @username, for the earlier-post text
        self.closing = False
        self._check_generation = 0
        self._duplicate: DuplicateError | None = None  # the core's question, asked once the thread has ended
        progress = page.progress
        c = self.controller
        c.progress.connect(progress.on_progress)
        c.stage.connect(progress.on_stage)
        c.attempt.connect(progress.on_attempt)
        c.finished.connect(self.on_finished)
        c.failed.connect(self.on_failed)
        c.cancelled.connect(self.on_cancelled)
        c.detached.connect(self.on_detached)
        c.idle.connect(self.on_idle)
        progress.cancel_requested.connect(self.on_cancel_requested)
        progress.action_requested.connect(self.on_action_requested)
        progress.dismissed.connect(self.on_dismissed)

    def is_busy(self) -> bool:
        return self.controller.is_busy()

    # ---- the earlier post of this video ------------------------------------------------------------------

    def check_earlier(self, path: Path | None, account: str | None) -> None:
        """Ask the record (on the pool) whether this file already reached this account, posts and drafts apart."""
        self._check_generation += 1
        self.earlier, self.earlier_for = {}, None
        self.page.facts.set_earlier("")
        if path is None or account is None:
            return
        generation, session = self._check_generation, self.session
        self.runner.submit(
            lambda: services.earlier_posts(session, path, account),
            on_done=functools.partial(self._on_earlier, generation, path, account),
        )

    def _on_earlier(self, generation: int, path: Path, account: str, found: dict[bool, Attempt | None]) -> None:
        if generation != self._check_generation or path != self.page.path:
            return
        self.earlier, self.earlier_for = found, (path, account)
        shown = found.get(False) or found.get(True)
        if shown is None:
            self.page.facts.set_earlier("")
        else:
            self.page.facts.set_earlier(earlier_text(shown, self.account_name), shown.post_url)

    def earlier_post(self, path: Path, account: str | None, draft: bool) -> Attempt | None:
        if self.earlier_for != (path, account):
            return None  # not known yet: the core asks again before any upload (DuplicateError)
        return self.earlier.get(draft)

    # ---- posting --------------------------------------------------------------------------------------------

    def post(self, draft: bool, account: str | None, chunk_size: int | None) -> None:
        """Post the page's video; asks first when it already reached this account."""
        path = self.page.path
        if path is None or self.is_busy():
            return
        settings = self.page.form.settings(draft=draft, cover_ms=self.page.preview.cover_ms())
        job = PublishJob(self.session, path, settings, account, chunk_size, link_wait_s=LINK_WAIT_S)
        earlier = self.earlier_post(path, account, draft)
        if earlier is not None:
            if not self.ask_again(earlier):
                return
            job = dataclasses.replace(job, force=True)
        self.run(job)

    def ask_again(self, earlier: Attempt) -> bool:
        text = earlier_text(earlier, self.account_name)
        if self.prompts.ask_repost(self.dialog_parent, f"{text}.\n\nPost the same video to this account again?"):
            return True
        self.page.progress.show_not_posted(f"{text}. You chose not to post it again.")
        self.page.progress.show()
        return False

    def resume(self, attempt: Attempt) -> None:
        """Post an interrupted attempt's file again with its recorded settings: the core continues the upload."""
        if self.is_busy():
            self.message.emit("Wait for the current upload to finish first.")
            return
        job = PublishJob(
            self.session,
            Path(attempt.file_path),
            settings_of(attempt),
            attempt.account or None,
            attempt.chunk_size or None,
            link_wait_s=LINK_WAIT_S,
        )
        self.run(job)

    def run(self, job: PublishJob) -> None:
        self.last_job = job
        self._duplicate = None
        self.page.progress.begin(job.path.name, job.settings.draft)
        self.page.progress.show()
        self.controller.start(job)

    # ---- the outcome ------------------------------------------------------------------------------------------

    @Slot(object)
    def on_finished(self, result: PublishResult) -> None:
        job = self.last_job
        draft = job.settings.draft if job is not None else False
        self.page.progress.show_success(result, draft)
        self.message.emit("Sent to your TikTok inbox." if draft else "Posted to TikTok.")
        self.page.form.reset()
        if job is not None and self.page.path == job.path:
            self.check_earlier(job.path, job.account)  # the page now shows it as already posted
        self.posted.emit(result)
        self.history_changed.emit()

    @Slot(object)
    def on_failed(self, error: object) -> None:
        if isinstance(error, DuplicateError) and self.last_job is not None and not self.closing:
            self._duplicate = error  # asked in on_idle: a question asked now would race the thread's end
            return
        if isinstance(error, ApiError) and "unaudited" in error.code:
            self.unaudited.emit()
        self.page.progress.show_failure(error)
        self.history_changed.emit()

    @Slot(object)
    def on_cancelled(self, error: object) -> None:
        self.page.progress.show_stopped(error)
        self.history_changed.emit()

    @Slot(object)
    def on_detached(self, _error: object) -> None:
        self.page.progress.show_detached()
        self.detached.emit(self.page.progress.attempt)
        self.history_changed.emit()

    @Slot()
    def on_idle(self) -> None:
        duplicate, self._duplicate = self._duplicate, None
        job = self.last_job
        if duplicate is not None and job is not None and not self.closing:
            earlier = duplicate.attempt if isinstance(duplicate.attempt, Attempt) else None
            if earlier is not None and not self.ask_again(earlier):
                self.idle.emit()
                return
            if earlier is None and not self.prompts.ask_repost(self.dialog_parent, duplicate.message):
                self.page.progress.show_not_posted("You chose not to post it again.")
                self.idle.emit()
                return
            if not self.closing and not self.is_busy():
                self.run(dataclasses.replace(job, force=True))
                return
        self.idle.emit()

    # ---- the panel's buttons ----------------------------------------------------------------------------

    @Slot()
    def on_cancel_requested(self) -> None:
        self.controller.cancel()

    @Slot(str)
    def on_action_requested(self, action: str) -> None:
        if action in (ACTION_RETRY, ACTION_RESUME) and self.last_job is not None and not self.is_busy():
            self.run(self.last_job)  # an interrupted upload of the same file is resumed by the core
        elif action == ACTION_SIGN_IN:
            self.sign_in_requested.emit()
        elif action == ACTION_FIX_FILE:
            self.open_requested.emit()
        elif action == ACTION_HISTORY:
            self.history_requested.emit()

    @Slot()
    def on_dismissed(self) -> None:
        self.page.progress.hide()

    def shutdown(self) -> None:
        self.closing = True
        self.controller.shutdown()
