"""Short background jobs (inspection, a frame grab, an API query) on a QThreadPool, results back on the GUI thread."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callbacks = tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]


class TaskRunner(QObject):
    """Runs callables off the GUI thread; `on_done`/`on_error` are then called on the GUI thread.

    Signals: task_done(int task_id, bool ok, object result_or_exception), emitted from pool threads and
    delivered (queued) to on_task_done here, on the GUI thread.
    """

    task_done = Signal(int, bool, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, Callbacks] = {}
        self.closed = False
        self.task_done.connect(self.on_task_done)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        if self.closed:
            return 0  # the window is closing: start nothing new
        task_id = next(self._ids)
        self._callbacks[task_id] = (on_done, on_error)
        signal = self.task_done

        def job() -> None:  # runs on a pool thread: calls fn, touches no widget, only emits
            try:
                result = fn()
            except BaseException as exc:  # the one boundary for pool jobs: report, never crash the pool thread
                log.debug("background task failed", exc_info=True)
                ok, value = False, exc
            else:
                ok, value = True, result
            try:
                signal.emit(task_id, ok, value)
            except RuntimeError:  # the runner was deleted without shutdown(): nobody waits for this result
                log.debug("task %d finished after its runner was deleted", task_id)

        self.pool.start(job)
        return task_id

    def pending(self) -> int:
        return len(self._callbacks)

    @Slot(int, bool, object)
    def on_task_done(self, task_id: int, ok: bool, value: object) -> None:
        on_done, on_error = self._callbacks.pop(task_id, (None, None))
        if ok and on_done is not None:
            on_done(value)
        elif not ok:
            if on_error is not None and isinstance(value, BaseException):
                on_error(value)
            else:
                log.warning("background task failed: %s", value)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Refuse new jobs, drop queued ones, wait for running ones, forget the callbacks."""
        self.closed = True
        self.pool.clear()
        self.pool.waitForDone(timeout_ms)
        self._callbacks.clear()
