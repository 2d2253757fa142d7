""" "Make it TikTok-ready": choose the range (and a 9:16 frame for landscape), convert on a worker, load the result."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import Cancelled, ClipshipError
from core.media import Limits, Report, fmt
from core.media.convert import FIXABLE, NothingToFix, convert, output_path, plan_fix
from core.progress import human_duration
from ui.a11y import announce, name
from ui.services import Inspection

log = logging.getLogger(__name__)


def can_fix(inspection: Inspection | None) -> bool:
    """The video has problems a conversion removes, and none it can't (not a video, unreadable, cut short)."""
    if inspection is None or inspection.facts is None or not inspection.facts.has_video:
        return False
    blocking = inspection.blocking_codes()
    return bool(blocking) and blocking <= FIXABLE


@dataclass(frozen=True)
class FixRequest:
    """What the worker converts: prepared on the GUI thread, never changed after."""

    report: Report
    limits: Limits
    trim: tuple[float, float] | None
    pad: str


class FixWorker(QObject):
    """Plans and converts one video on its thread.

    Signals: progress(float done_s, float total_s), finished(object Path), failed(str message, str hint),
    cancelled().
    """

    progress = Signal(float, float)
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()

    def __init__(self, request: FixRequest) -> None:
        super().__init__()
        self.request = request
        self.cancel_event = threading.Event()

    def report_progress(self, done: float, total: float) -> None:
        self.progress.emit(done, total)

    @Slot()
    def run(self) -> None:
        req = self.request
        try:
            plan = plan_fix(req.report, req.limits, req.trim, req.pad)
            out = output_path(req.report.path)
            written = convert(plan, out, on_progress=self.report_progress, cancel=self.cancel_event)
        except Cancelled:
            self.cancelled.emit()
        except NothingToFix as exc:
            self.failed.emit(exc.message, exc.hint)
        except ClipshipError as exc:
            self.failed.emit(exc.message, exc.hint)
        except Exception:  # the worker's error boundary: logged, and one plain sentence for the user
            log.exception("conversion failed")
            hint = "Try again; start Clipship with --debug to see why."
            self.failed.emit("The conversion failed unexpectedly.", hint)
        else:
            self.finished.emit(written)
        finally:
            thread = self.thread()
            if thread is not None:
                thread.quit()


class FixDialog(QDialog):
    """Range, framing, progress with ETA, Cancel. A cancelled conversion leaves no file behind.

    Signals: fixed(object Path): the TikTok-ready copy, to load into the post form.
    """

    fixed = Signal(object)

    def __init__(
        self, inspection: Inspection, position_ms: Callable[[], int] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Make it TikTok-ready")
        self.inspection = inspection
        self.result_path: Path | None = None
        self.thread_: QThread | None = None
        self.worker: FixWorker | None = None
        self._started = 0.0
        facts = inspection.facts
        assert facts is not None
        self.duration_s = facts.duration_s or 0.0
        limit = inspection.limits.max_duration_s
        fixes = [p.message for p in inspection.problems if p.code in FIXABLE]
        intro = QLabel(
            "Clipship writes a new file next to the original (which stays as it is): H.264 + AAC in MP4 "
            "within TikTok's limits."
            + ("<ul>" + "".join(f"<li>{_esc(m)}</li>" for m in fixes) + "</ul>" if fixes else "")
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        self.start_box = _seconds_box(self.duration_s)
        self.end_box = _seconds_box(self.duration_s)
        self.start_box.setValue(0.0)
        self.end_box.setValue(min(self.duration_s, limit - 0.1) if self.duration_s > limit else self.duration_s)
        name(self.start_box, "Start", "Where the TikTok-ready copy starts, in seconds.")
        name(self.end_box, "End", "Where the TikTok-ready copy ends, in seconds.")
        self._position_ms = position_ms or (lambda: 0)  # the preview's position now: scrub, then press a button
        self.start_here = QPushButton("Preview position")
        self.end_here = QPushButton("Preview position")
        name(self.start_here, "Start at the preview's position", "Set the start to where the preview is.")
        name(self.end_here, "End at the preview's position", "Set the end to where the preview is.")
        self.start_here.clicked.connect(self.on_start_here_clicked)
        self.end_here.clicked.connect(self.on_end_here_clicked)
        self.pad_box = QComboBox()
        self.pad_box.addItem("Keep its shape", "none")
        self.pad_box.addItem("9:16 with blurred bars", "blur")
        self.pad_box.addItem("9:16 with black bars", "black")
        landscape = (facts.display_width or 0) > (facts.display_height or 0)
        self.pad_box.setEnabled(landscape)
        name(self.pad_box, "Frame", "For a landscape video: keep it, or fill a 9:16 portrait frame with bars.")
        form = QFormLayout()
        form.addRow("Start", _row(self.start_box, self.start_here))
        form.addRow("End", _row(self.end_box, self.end_here))
        form.addRow("Frame", self.pad_box)
        self.limit_label = QLabel(f"Longest allowed: {fmt.duration(limit)} ({inspection.limits.duration_rule()}).")
        self.limit_label.setObjectName("note")
        self.limit_label.setWordWrap(True)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        name(self.progress, "Conversion progress")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        name(self.status, "Conversion status")
        self.start_button = QPushButton("Make it TikTok-ready")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        name(self.start_button, "Make it TikTok-ready", "Write the TikTok-ready copy and load it.")
        name(self.cancel_button, "Cancel", "Stop the conversion (nothing is left behind) or close.")
        self.start_button.clicked.connect(self.on_start_clicked)
        self.cancel_button.clicked.connect(self.on_cancel_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.limit_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(460, self.sizeHint().height())

    def is_running(self) -> bool:
        return self.thread_ is not None and self.thread_.isRunning()

    def request(self) -> FixRequest | None:
        """The frozen request from the fields; None (with a message shown) when the range is impossible."""
        start, end = self.start_box.value(), self.end_box.value()
        if end <= start:
            self.status.setText("The end must come after the start.")
            return None
        limit = self.inspection.limits.max_duration_s
        if end - start > limit:
            self.status.setText(f"The range is {fmt.duration(end - start)}; {self.inspection.limits.duration_rule()}.")
            return None
        whole = start <= 0 and end >= self.duration_s - 0.001
        trim = None if whole else (start, end)
        report = Report(str(self.inspection.path), self.inspection.facts, self.inspection.problems)
        return FixRequest(report, self.inspection.limits, trim, str(self.pad_box.currentData()))

    @Slot()
    def on_start_here_clicked(self) -> None:
        self.start_box.setValue(self._position_ms() / 1000)

    @Slot()
    def on_end_here_clicked(self) -> None:
        self.end_box.setValue(self._position_ms() / 1000)

    @Slot()
    def on_start_clicked(self) -> None:
        request = self.request()
        if request is None or self.is_running():
            return
        self.worker = FixWorker(request)
        self.thread_ = QThread(self)
        self.worker.moveToThread(self.thread_)
        self.thread_.started.connect(self.worker.run)
        self.thread_.finished.connect(self.worker.deleteLater)
        self.worker.progress.connect(self.on_worker_progress)
        self.worker.finished.connect(self.on_worker_finished)
        self.worker.failed.connect(self.on_worker_failed)
        self.worker.cancelled.connect(self.on_worker_cancelled)
        for widget in (self.start_box, self.end_box, self.start_here, self.end_here, self.pad_box, self.start_button):
            widget.setEnabled(False)
        self.status.setText("Converting\u2026")
        self._started = time.monotonic()
        self.thread_.start()

    @Slot()
    def on_cancel_clicked(self) -> None:
        if self.is_running() and self.worker is not None:
            self.worker.cancel_event.set()
            self.status.setText("Stopping\u2026")
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    @Slot(float, float)
    def on_worker_progress(self, done: float, total: float) -> None:
        if total <= 0:
            return
        self.progress.setValue(int(1000 * min(1.0, done / total)))
        elapsed = time.monotonic() - self._started
        speed = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / speed if speed > 0 else math.inf
        left = f"about {human_duration(eta)} left" if math.isfinite(eta) else "estimating time left"
        where = f"{fmt.duration(done)} of {fmt.duration(total)}"
        self.status.setText(f"Converting: {where}, {speed:.1f}x real time, {left}")

    @Slot(object)
    def on_worker_finished(self, path: object) -> None:
        if not isinstance(path, Path):
            return
        self.result_path = path
        self.progress.setValue(1000)
        self.status.setText(f"Wrote {path.name}.")
        announce(self.status, self.status.text())
        self._wait_thread()
        self.fixed.emit(path)
        self.accept()

    @Slot(str, str)
    def on_worker_failed(self, message: str, hint: str) -> None:
        self.status.setText(f"{message} {hint}".strip())
        announce(self.status, self.status.text())
        self._reset()

    @Slot()
    def on_worker_cancelled(self) -> None:
        self.progress.setValue(0)
        self.status.setText("Cancelled: no file was written.")
        announce(self.status, self.status.text())
        self._reset()

    def _reset(self) -> None:
        self._wait_thread()
        for widget in (self.start_box, self.end_box, self.start_here, self.end_here, self.start_button):
            widget.setEnabled(True)
        facts = self.inspection.facts
        self.pad_box.setEnabled(bool(facts and (facts.display_width or 0) > (facts.display_height or 0)))
        self.cancel_button.setEnabled(True)

    def _wait_thread(self) -> None:
        if self.thread_ is not None:
            self.thread_.quit()
            self.thread_.wait(10_000)
            self.thread_ = None
            self.worker = None

    def shutdown(self) -> None:
        """Cancel a running conversion and wait for its thread (the window is closing)."""
        if self.worker is not None:
            self.worker.cancel_event.set()
        self._wait_thread()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def reject(self) -> None:
        self.shutdown()
        super().reject()


def _seconds_box(maximum: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(2)
    box.setRange(0.0, max(0.0, maximum))
    box.setSingleStep(1.0)
    box.setSuffix(" s")
    return box


def _row(*widgets: QWidget) -> QWidget:
    host = QWidget()
    layout = QHBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return host


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
