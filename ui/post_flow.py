"""One post from the window's side: the earlier-post check, the re-post question, the upload, what it ended as.

PostFlow owns the upload thread (PublishController) and talks to the core only through the window's
core.session.Session, on worker threads. The Post page shows what it says; MainWindow only wires it up.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from core.attempt import AT_TIKTOK, State
from core.errors import DuplicateError
from core.history import Attempt
from core.models import PostSettings, PublishResult
from core.pipeline import LINK_WAIT_S
from core.session import Session
from ui import services
from ui.actions import Action
from ui.plain_errors import explain
from ui.post_page import PostPage
from ui.prompts import Prompts
from ui.qt_types import INT64
from ui.tasks import TaskRunner
from ui.worker import PublishController, PublishJob


class FlowState(enum.Enum):
    """Where the one post stands. Busy from UPLOADING to the thread's end (PROCESSING included)."""

    IDLE = "idle"  # nothing posted yet, or the panel dismissed
    ASKING = "asking"  # the re-post question is open
    UPLOADING = "uploading"  # the upload thread runs and some bytes are still ours to send
    PROCESSING = "processing"  # every byte is at TikTok: stopping now only stops watching
    DONE = "done"  # published, in the inbox, or uploaded
    FAILED = "failed"
    STOPPED = "stopped"  # cancelled or interrupted before the last byte
    DETACHED = "detached"  # stopped watching after the last byte: TikTok decides
    NOT_POSTED = "not_posted"  # the user chose not to post again


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

    The only owner of the current attempt (`attempt`, the core's record of the running post) and of `state`.

    Signals: state_changed(object FlowState), idle() (the upload thread ended and no follow-up post started),
    posted(object PublishResult), history_changed(), detached(object Attempt | None) (stopped watching: TikTok
    goes on), message(str), sign_in_requested(), open_requested(), history_requested(), unaudited().
    """

    state_changed = Signal(object)
    idle = Signal()
    posted = Signal(object)
    history_changed = Signal()
    detached = Signal(object)
    message = Signal(str)
    sign_in_requested = Signal()
    open_requested = Signal()
    history_requested = Signal()
    unaudited = Signal()
    sign_in_refused = Signal()

    def __init__(
        self, session: Session, page: PostPage, runner: TaskRunner, prompts: Prompts, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.page = page
        self.runner = runner
        self.prompts = prompts
        self.dialog_parent: QWidget | None = None  # the window, for the questions
        self.controller = PublishController(self)
        self.state = FlowState.IDLE
        self.attempt: Attempt | None = None  # the record of the current (or last) post
        self.last_job: PublishJob | None = None
        self.earlier: dict[bool, Attempt | None] = {}
        self.earlier_for: tuple[Path, str | None] | None = None  # (path, account) the earlier check answered
        self.account_name = ""  # the signed-in @username, for the earlier-post text
        self.closing = False
        self._check_generation = 0
        self._duplicate: DuplicateError | None = None  # the core's question, asked once the thread has ended
        progress = page.progress
        c = self.controller
        c.progress.connect(self.on_progress)
        c.stage.connect(progress.on_stage)
        c.stage.connect(self.on_stage)
        c.attempt.connect(self.on_attempt)
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

    def every_byte_sent(self) -> bool:
        """Whether the running post is TikTok's now (quitting only stops watching it)."""
        return self.state == FlowState.PROCESSING

    def _set_state(self, state: FlowState) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

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
        previous = self.state
        self._set_state(FlowState.ASKING)
        if self.prompts.ask_repost(self.dialog_parent, f"{text}.\n\nPost the same video to this account again?"):
            self._set_state(previous)
            return True
        self.not_posted(f"{text}. You chose not to post it again.")
        return False

    def not_posted(self, text: str) -> None:
        self.page.progress.show_not_posted(text)
        self.page.progress.show()
        self._set_state(FlowState.NOT_POSTED)

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
        self.attempt = None
        self._duplicate = None
        self.page.progress.begin(job.path.name, job.settings.draft)
        self.page.progress.show()
        self._set_state(FlowState.UPLOADING)
        self.controller.start(job)

    # ---- while it runs ---------------------------------------------------------------------------------------

    @Slot(object)
    def on_attempt(self, attempt: Attempt) -> None:
        self.attempt = attempt
        self.page.progress.show_attempt(attempt)
        if attempt.state in AT_TIKTOK:
            self._set_state(FlowState.PROCESSING)

    @Slot(str, str)
    def on_stage(self, stage: str, _detail: str) -> None:
        if self.page.progress.watching and self.state == FlowState.UPLOADING:
            self._set_state(FlowState.PROCESSING)

    @Slot(INT64, INT64)
    def on_progress(self, sent: int, total: int) -> None:
        self.page.progress.on_progress(sent, total)
        if self.page.progress.watching and self.state == FlowState.UPLOADING:
            self._set_state(FlowState.PROCESSING)

    # ---- the outcome ------------------------------------------------------------------------------------------

    @Slot(object)
    def on_finished(self, result: PublishResult) -> None:
        job = self.last_job
        draft = job.settings.draft if job is not None else False
        self._set_state(FlowState.DONE)
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
        said = explain(error if isinstance(error, BaseException) else None)
        if said.unaudited:
            self.unaudited.emit()
        if said.needs_sign_in:
            self.sign_in_refused.emit()
        self._set_state(FlowState.FAILED)
        self.page.progress.show_failure(error, self.attempt)
        self.history_changed.emit()

    @Slot(object)
    def on_cancelled(self, error: object) -> None:
        self.page.progress.show_stopped(error, self.attempt)
        watching = self.state == FlowState.PROCESSING or self.page.progress.watching
        self._set_state(FlowState.DETACHED if watching else FlowState.STOPPED)
        self.history_changed.emit()

    @Slot(object)
    def on_detached(self, _error: object) -> None:
        self._set_state(FlowState.DETACHED)
        self.page.progress.show_detached(self.attempt)
        self.detached.emit(self.attempt)
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
            if earlier is None:
                self._set_state(FlowState.ASKING)
                if not self.prompts.ask_repost(self.dialog_parent, duplicate.message):
                    self.not_posted("You chose not to post it again.")
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

    @Slot(object)
    def on_action_requested(self, action: Action) -> None:
        if action in (Action.RETRY, Action.RESUME) and self.last_job is not None and not self.is_busy():
            self.run(self.last_job)  # an interrupted upload of the same file is resumed by the core
        elif action == Action.SIGN_IN:
            self.sign_in_requested.emit()
        elif action == Action.FIX_FILE:
            self.open_requested.emit()
        elif action == Action.HISTORY:
            self.history_requested.emit()

    @Slot()
    def on_dismissed(self) -> None:
        self.page.progress.hide()
        if not self.is_busy():
            self._set_state(FlowState.IDLE)

    def shutdown(self) -> None:
        self.closing = True
        self.controller.shutdown()
