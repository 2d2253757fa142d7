"""The upload worker's signal path: 64-bit byte counts, throttling, the controller's life cycle; the throttle maths."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Slot

from core.models import PostSettings
from core.progress import RateEstimator, Throttle, human_bytes, human_duration
from ui.progress_panel import ProgressPanel
from ui.worker import PublishController, PublishJob, PublishWorker

GIB = 1024**3


class Receiver(QObject):
    """A GUI-thread QObject with bound slots, as the window connects them."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[int, int]] = []
        self.threads: set[int] = set()

    @Slot("qint64", "qint64")
    def on_progress(self, sent: int, total: int) -> None:
        self.values.append((sent, total))
        self.threads.add(threading.get_ident())


def job() -> PublishJob:
    return PublishJob(session=None, path=Path("unused.mp4"), settings=PostSettings(privacy_level="SELF_ONLY"))


def test_byte_counts_past_2_gib_cross_threads_intact(qtbot: Any) -> None:
    worker = PublishWorker(job())
    receiver = Receiver()
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    worker.progress.connect(receiver.on_progress)
    worker.progress.connect(panel.on_progress)
    total = 5 * GIB + 123  # a 5 GiB file: above 2**31 and 2**32
    reports = [(3 * GIB + 7, total), (4 * GIB + 11, total), (total, total)]

    def core_callbacks() -> None:  # what core.pipeline does on the worker thread
        for sent, size in reports:
            worker._throttle.reset()  # each report passes the throttle
            worker.report_progress(sent, size)

    thread = threading.Thread(target=core_callbacks)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(receiver.values) == 3, timeout=5_000)
    assert receiver.values == reports
    assert receiver.threads == {threading.get_ident()}  # delivered on the GUI thread
    assert (panel.sent, panel.total) == (total, total)
    assert panel.bar.value() == panel.bar.maximum()
    assert panel.bytes_label.text().startswith("5.4 GB of 5.4 GB")


def test_progress_is_throttled_but_the_last_report_always_arrives(qtbot: Any) -> None:
    worker = PublishWorker(job(), interval_s=10.0)
    receiver = Receiver()
    worker.progress.connect(receiver.on_progress)
    total = 3 * GIB

    def burst() -> None:
        for i in range(1, 10_000):
            worker.report_progress(i * (total // 10_000), total)
        worker.report_progress(total, total)

    thread = threading.Thread(target=burst)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(receiver.values) and receiver.values[-1] == (total, total), timeout=5_000)
    assert len(receiver.values) == 2  # the first report, then the final one: nothing in between at 10 s


def test_controller_runs_a_job_on_its_thread_and_goes_idle(qtbot: Any) -> None:
    seen: dict[str, Any] = {}

    def run(job: PublishJob, *, on_stage: Any, on_progress: Any, cancel: threading.Event, **_: Any) -> Any:
        seen["thread"] = threading.get_ident()
        on_stage("uploading", "chunk 1 of 1")
        on_progress(6 * GIB, 6 * GIB)
        return "result"

    controller = PublishController(run=run)
    receiver = Receiver()
    controller.progress.connect(receiver.on_progress)
    with qtbot.waitSignal(controller.idle, timeout=5_000), qtbot.waitSignal(controller.finished) as finished:
        controller.start(job())
    assert finished.args == ["result"]
    assert seen["thread"] != threading.get_ident()
    assert receiver.values == [(6 * GIB, 6 * GIB)]
    assert not controller.is_busy()


def test_cancel_reaches_the_running_job_and_reports_cancelled(qtbot: Any) -> None:
    from core.errors import Cancelled

    started = threading.Event()

    def run(job: PublishJob, *, on_stage: Any, on_progress: Any, cancel: threading.Event, **_: Any) -> Any:
        started.set()
        if not cancel.wait(10):
            return "not cancelled"
        raise Cancelled("Cancelled.", "Nothing was sent.")

    controller = PublishController(run=run)
    with qtbot.waitSignal(controller.idle, timeout=5_000), qtbot.waitSignal(controller.cancelled):
        controller.start(job())
        assert started.wait(5)
        controller.cancel()


def test_an_unexpected_exception_becomes_a_safe_failure(qtbot: Any) -> None:
    def run(job: PublishJob, **_: Any) -> Any:
        raise ValueError("secret internals")

    controller = PublishController(run=run)
    with qtbot.waitSignal(controller.idle, timeout=5_000), qtbot.waitSignal(controller.failed) as failed:
        controller.start(job())
    error = failed.args[0]
    assert "unexpected" in error.message and "secret internals" not in error.user_text()


@pytest.mark.parametrize(
    ("n", "text"), [(0, "0 B"), (999, "999 B"), (1500, "1.5 KB"), (3 * GIB, "3.2 GB"), (12_000_000, "12.0 MB")]
)
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


def test_human_duration() -> None:
    assert human_duration(75) == "1:15" and human_duration(3725) == "1:02:05" and human_duration(0.4) == "0:00"


def test_throttle_lets_one_report_per_interval_and_the_last_always() -> None:
    now = [0.0]
    throttle = Throttle(0.1, clock=lambda: now[0])
    assert throttle.ready(1, 100)
    assert not throttle.ready(2, 100)
    now[0] = 0.05
    assert not throttle.ready(3, 100)
    assert throttle.ready(100, 100)
    now[0] = 0.2
    assert throttle.ready(4, 100)


def test_rate_estimator_speed_and_eta_over_a_window() -> None:
    rate = RateEstimator(window_s=5.0)
    assert rate.speed() == 0 and rate.eta_s(0, 100) is None
    for t in range(11):
        rate.add(t * 1_000_000, now=float(t))
    assert rate.speed() == pytest.approx(1_000_000)
    assert rate.eta_s(10_000_000, 40_000_000) == pytest.approx(30.0)
    rate.add(0, now=11.0)  # a restart clears the window
    assert rate.speed() == 0
