"""Short background jobs (inspection, a frame grab, an API query) on a QThreadPool, results back on the GUI thread."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Job(QRunnable):
    """Runs one function on a pool thread and reports through the runner's signal."""

    def __init__(self, runner: TaskRunner, task_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._task_id = task_id
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # the one boundary for pool jobs: report, never crash the pool thread
            log.debug("background task failed", exc_info=True)
            self._report(False, exc)
        else:
            self._report(True, result)

    def _report(self, ok: bool, value: object) -> None:
        try:
            self._runner.task_done.emit(self._task_id, ok, value)
        except RuntimeError:  # the runner was deleted without shutdown(): nobody is waiting for this result
            log.debug("task %d finished after its runner was deleted", self._task_id)


class TaskRunner(QObject):
    """Runs callables off the GUI thread; `on_done`/`on_error` are then called on the GUI thread.

    Signals: task_done(int task_id, bool ok, object result_or_exception) (internal, emitted from pool threads).
    """

    task_done = Signal(int, bool, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]] = {}
        self.task_done.connect(self.on_task_done)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        task_id = next(self._ids)
        self._callbacks[task_id] = (on_done, on_error)
        self.pool.start(_Job(self, task_id, fn))
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
        """Drop queued jobs, wait for running ones, forget the callbacks."""
        self.pool.clear()
        self.pool.waitForDone(timeout_ms)
        self._callbacks.clear()
