"""The upload worker: a QObject moved to a QThread that runs Session.publish (or publish_urls), and its controller."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from core.errors import Cancelled, ClipshipError, Detached
from core.models import PostSettings, PublishResult, Stage
from core.progress import Throttle
from ui.qt_types import INT64

if TYPE_CHECKING:
    from core.history import Attempt
    from core.session import PostRequest, Session
    from core.urlpost import UrlPostRequest

log = logging.getLogger(__name__)

UNEXPECTED = ClipshipError(
    "Something unexpected went wrong while posting.",
    "Try again. If it keeps happening, start Clipship with --debug and report the log.",
)


@dataclass(frozen=True)
class PublishJob:
    """Everything one post needs, prepared on the GUI thread; the worker never reaches back into widgets."""

    session: Session  # the window's one
    path: Path
    settings: PostSettings
    account: str | None = None
    chunk_size: int | None = None
    force: bool = False
    wait: bool = True
    link_wait_s: float = 0.0

    def request(self) -> PostRequest:
        """The core.session.PostRequest for this job."""
        from core.session import PostRequest

        return PostRequest(
            path=self.path,
            settings=self.settings,
            account=self.account,
            chunk_size=self.chunk_size or None,
            wait=self.wait,
            force=self.force,
            link_wait_s=self.link_wait_s,
        )


@dataclass(frozen=True)
class UrlJob:
    """A photo post (or a video from a URL): TikTok downloads the files; run by run_url_job on the same worker."""

    session: Session
    request: UrlPostRequest
    name: str = ""  # what the progress panel calls it


def run_url_job(
    job: PublishJob | UrlJob,
    *,
    on_stage: Callable[[Stage, str], None],
    on_progress: Callable[[int, int], None],
    on_attempt: Callable[[Attempt], None],
    cancel: threading.Event,
) -> PublishResult:
    """Session.publish_urls with the worker's callbacks (nothing is uploaded, so no byte progress)."""
    from core.session import Callbacks

    assert isinstance(job, UrlJob)
    return job.session.publish_urls(job.request, Callbacks(on_stage=on_stage, on_attempt=on_attempt), cancel)


RunFn = Callable[..., PublishResult]


def _default_run(
    job: PublishJob | UrlJob,
    *,
    on_stage: Callable[[Stage, str], None],
    on_progress: Callable[[int, int], None],
    on_attempt: Callable[[Attempt], None],
    cancel: threading.Event,
) -> PublishResult:
    from ui import services

    assert isinstance(job, PublishJob)
    return services.publish(job, on_stage=on_stage, on_progress=on_progress, on_attempt=on_attempt, cancel=cancel)


class PublishWorker(QObject):
    """Runs one post on its own thread.

    Signals: progress("qint64" sent, "qint64" total), stage(str stage, str detail), attempt(object Attempt: the
    record after each change), finished(object PublishResult), failed(object ClipshipError), cancelled(object
    Cancelled: stopped before the last byte), detached(object Detached: stopped watching after the last byte).
    """

    progress = Signal(INT64, INT64)
    stage = Signal(str, str)
    attempt = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal(object)
    detached = Signal(object)

    def __init__(self, job: PublishJob | UrlJob, run: RunFn | None = None, interval_s: float = 0.1) -> None:
        super().__init__()
        self.job = job
        self._run = run or _default_run
        self._cancel = threading.Event()
        self._throttle = Throttle(interval_s)

    def cancel(self) -> None:
        """Thread-safe: ask the running post to stop (the core checks this event inside chunks)."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def report_progress(self, sent: int, total: int) -> None:
        """The core's progress callback (worker thread): forwarded at most ~10 times a second."""
        if self._throttle.ready(sent, total):
            self.progress.emit(int(sent), int(total))

    def report_stage(self, stage: Stage | str, detail: str = "") -> None:
        """The core's stage callback (worker thread)."""
        value = stage.value if isinstance(stage, Stage) else str(stage)
        self.stage.emit(value, detail or "")

    def report_attempt(self, attempt: Attempt) -> None:
        """The core's attempt callback (worker thread): the record as it now stands."""
        self.attempt.emit(attempt)

    @Slot()
    def run(self) -> None:
        try:
            result = self._run(
                self.job,
                on_stage=self.report_stage,
                on_progress=self.report_progress,
                on_attempt=self.report_attempt,
                cancel=self._cancel,
            )
        except Detached as exc:
            self.detached.emit(exc)
        except Cancelled as exc:
            self.cancelled.emit(exc)
        except ClipshipError as exc:
            if self._cancel.is_set():
                self.cancelled.emit(exc)
            else:
                self.failed.emit(exc)
        except Exception:  # the one broad boundary: log the traceback, show the user a typed, safe failure
            log.exception("publish failed unexpectedly")
            if self._cancel.is_set():
                self.cancelled.emit(UNEXPECTED)
            else:
                self.failed.emit(UNEXPECTED)
        else:
            self.finished.emit(result)
        finally:
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())


class PublishController(QObject):
    """Owns the upload thread: starts one worker at a time, relays its signals on the GUI thread, joins on quit.

    Signals: progress("qint64", "qint64"), stage(str, str), attempt(object), finished(object), failed(object),
    cancelled(object), detached(object), idle() (the thread has ended and a new post may start).
    """

    progress = Signal(INT64, INT64)
    stage = Signal(str, str)
    attempt = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal(object)
    detached = Signal(object)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, run: RunFn | None = None) -> None:
        super().__init__(parent)
        self._run = run
        self.upload_thread: QThread | None = None
        self.worker: PublishWorker | None = None

    def is_busy(self) -> bool:
        return self.upload_thread is not None

    def start(self, job: PublishJob | UrlJob) -> PublishWorker:
        if self.upload_thread is not None:
            raise RuntimeError("an upload is already running")
        thread = QThread(self)
        thread.setObjectName("clipship-upload")
        worker = PublishWorker(job, self._run)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self.on_worker_progress)
        worker.stage.connect(self.on_worker_stage)
        worker.attempt.connect(self.on_worker_attempt)
        worker.finished.connect(self.on_worker_finished)
        worker.failed.connect(self.on_worker_failed)
        worker.cancelled.connect(self.on_worker_cancelled)
        worker.detached.connect(self.on_worker_detached)
        # No thread.finished -> worker.deleteLater: the worker is a Python-owned object, and shiboken destroying
        # it on the worker thread crashed (PySide6 6.11, seen in tests). run() hands it back to the GUI thread
        # instead, where the last Python reference (dropped in on_thread_finished) deletes it.
        thread.finished.connect(self.on_thread_finished)
        self.upload_thread, self.worker = thread, worker
        thread.start()
        return worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel and join the thread (closeEvent). True when no thread is left running."""
        thread = self.upload_thread
        if thread is None:
            return True
        self.cancel()
        thread.quit()
        done = thread.wait(timeout_ms)
        return bool(done)

    @Slot(INT64, INT64)
    def on_worker_progress(self, sent: int, total: int) -> None:
        self.progress.emit(sent, total)

    @Slot(str, str)
    def on_worker_stage(self, stage: str, detail: str) -> None:
        self.stage.emit(stage, detail)

    @Slot(object)
    def on_worker_attempt(self, attempt: object) -> None:
        self.attempt.emit(attempt)

    @Slot(object)
    def on_worker_finished(self, result: object) -> None:
        self._stop_thread()
        self.finished.emit(result)

    @Slot(object)
    def on_worker_failed(self, error: object) -> None:
        self._stop_thread()
        self.failed.emit(error)

    @Slot(object)
    def on_worker_cancelled(self, error: object) -> None:
        self._stop_thread()
        self.cancelled.emit(error)

    @Slot(object)
    def on_worker_detached(self, error: object) -> None:
        self._stop_thread()
        self.detached.emit(error)

    def _stop_thread(self) -> None:
        if self.upload_thread is not None:
            self.upload_thread.quit()

    @Slot()
    def on_thread_finished(self) -> None:
        thread = self.upload_thread
        self.upload_thread, self.worker = None, None
        if thread is not None:
            thread.deleteLater()
        self.idle.emit()
