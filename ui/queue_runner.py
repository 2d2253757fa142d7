"""The queue runner in the window: core.queue.run_queue on a QThread while the window (or the tray) is open."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import AbstractContextManager

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from core.api import TikTokClient
from core.history import History
from core.models import PublishResult, Stage
from core.queue import Queue, QueueItem, RunSummary, run_queue
from core.session import Callbacks, PostRequest, Session
from ui.qt_types import INT64

log = logging.getLogger(__name__)


class ProgressSession:
    """The window's Session as run_queue sees it, adding upload progress for the item being posted.

    run_queue passes only on_attempt to Session.publish; this forwards every other call unchanged.
    """

    def __init__(self, session: Session, worker: QueueWorker) -> None:
        self._session = session
        self._worker = worker

    @property
    def history(self) -> History:
        return self._session.history

    def client(self, account: str | None) -> AbstractContextManager[TikTokClient]:
        return self._session.client(account)

    def publish(
        self, request: PostRequest, callbacks: Callbacks, cancel: threading.Event | None = None
    ) -> PublishResult:
        merged = Callbacks(
            on_stage=self._worker.report_stage,
            on_progress=self._worker.report_progress,
            on_attempt=callbacks.on_attempt,
        )
        return self._session.publish(request, merged, cancel)


class QueueWorker(QObject):
    """Runs run_queue(once=False) until cancelled, or until sign-in or the network stops it.

    Signals: item_event(object QueueItem, str what) (core's on_event), progress(str item id, "qint64" sent,
    "qint64" total), stage(str item id, str stage), stopped(object RunSummary, or the Exception that ended it).
    """

    item_event = Signal(object, str)
    progress = Signal(str, INT64, INT64)
    stage = Signal(str, str)
    stopped = Signal(object)

    def __init__(self, session: Session, queue: Queue, poll_s: float = 2.0, idle_s: float = 1.0) -> None:
        super().__init__()
        self.session = session
        self.queue = queue
        self.poll_s, self.idle_s = poll_s, idle_s
        self.cancel_event = threading.Event()
        self.current = ""  # the item being uploaded (set by its "posting" event)
        self._last_progress = 0.0

    def report_event(self, item: QueueItem, what: str) -> None:
        if what == "posting":
            self.current = item.id
        self.item_event.emit(item, what)

    def report_progress(self, sent: int, total: int) -> None:
        now = time.monotonic()
        if sent >= total or now - self._last_progress >= 0.1:
            self._last_progress = now
            self.progress.emit(self.current, int(sent), int(total))

    def report_stage(self, stage: Stage | str, _detail: str = "") -> None:
        self.stage.emit(self.current, stage.value if isinstance(stage, Stage) else str(stage))

    @Slot()
    def run(self) -> None:
        result: object
        try:
            result = run_queue(
                ProgressSession(self.session, self),
                self.queue,
                once=False,
                cancel=self.cancel_event,
                on_event=self.report_event,
                poll_s=self.poll_s,
                idle_s=self.idle_s,
            )
        except Exception as exc:  # the runner's one broad boundary: logged, reported, the window carries on
            log.exception("the queue runner stopped unexpectedly")
            result = exc
        self.stopped.emit(result)
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())


class QueueRunner(QObject):
    """Owns the runner thread: one at a time, relayed on the GUI thread, joined on quit.

    Signals: item_event(object QueueItem, str), progress(str, "qint64", "qint64"), stage(str, str),
    stopped(object RunSummary | Exception) (after the thread has ended).
    """

    item_event = Signal(object, str)
    progress = Signal(str, INT64, INT64)
    stage = Signal(str, str)
    stopped = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread_: QThread | None = None
        self.worker: QueueWorker | None = None
        self._result: object = None

    def is_running(self) -> bool:
        return self.thread_ is not None

    def start(self, session: Session, queue: Queue) -> None:
        if self.thread_ is not None:
            return
        thread = QThread(self)
        thread.setObjectName("clipship-queue")
        worker = QueueWorker(session, queue)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.item_event.connect(self.on_worker_event)
        worker.progress.connect(self.on_worker_progress)
        worker.stage.connect(self.on_worker_stage)
        worker.stopped.connect(self.on_worker_stopped)
        thread.finished.connect(self.on_thread_finished)
        self.thread_, self.worker, self._result = thread, worker, None
        thread.start()

    def stop(self) -> None:
        """Ask the runner to stop (an upload in progress is given back to the queue and resumed later)."""
        if self.worker is not None:
            self.worker.cancel_event.set()

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        thread = self.thread_
        if thread is None:
            return True
        self.stop()
        thread.quit()  # the loop ends once run() returns; waiting for the worker's queued quit would deadlock
        return bool(thread.wait(timeout_ms))

    @Slot(object, str)
    def on_worker_event(self, item: object, what: str) -> None:
        self.item_event.emit(item, what)

    @Slot(str, INT64, INT64)
    def on_worker_progress(self, item_id: str, sent: int, total: int) -> None:
        self.progress.emit(item_id, sent, total)

    @Slot(str, str)
    def on_worker_stage(self, item_id: str, stage: str) -> None:
        self.stage.emit(item_id, stage)

    @Slot(object)
    def on_worker_stopped(self, result: object) -> None:
        self._result = result
        if self.thread_ is not None:
            self.thread_.quit()

    @Slot()
    def on_thread_finished(self) -> None:
        thread, result = self.thread_, self._result
        self.thread_, self.worker = None, None
        if thread is not None:
            thread.deleteLater()
        self.stopped.emit(result)


def exit_code(result: object) -> int:
    return result.exit_code if isinstance(result, RunSummary) else 1
