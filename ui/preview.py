"""A frame of the chosen video (via ffmpeg, off the GUI thread) and the cover-frame chooser."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from core.progress import human_duration
from ui import services
from ui.tasks import TaskRunner


class FrameView(QLabel):
    """Shows a pixmap scaled to fit, keeping its aspect ratio; a text placeholder otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("frameView")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(180, 220)
        self.setWordWrap(True)
        self._pixmap: QPixmap | None = None

    def set_frame(self, pixmap: QPixmap | None, placeholder: str = "") -> None:
        self._pixmap = pixmap if pixmap is not None and not pixmap.isNull() else None
        if self._pixmap is None:
            self.setPixmap(QPixmap())
            self.setText(placeholder)
        else:
            self.setText("")
            self._rescale()

    def has_frame(self) -> bool:
        return self._pixmap is not None

    def sizeHint(self) -> QSize:
        return QSize(280, 400)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._pixmap is not None:
            size = self.size() - QSize(8, 8)
            self.setPixmap(
                self._pixmap.scaled(
                    size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )


class PreviewPanel(QFrame):
    """The preview frame plus a slider choosing the cover frame (video_cover_timestamp_ms).

    Signals: cover_changed(int ms).
    """

    cover_changed = Signal(int)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPanel")
        self._runner = runner
        self._path: Path | None = None
        self._generation = 0
        self._cover_ms: int | None = None
        self.frame = FrameView()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("coverSlider")
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Choose the frame TikTok shows as the cover.")
        self.cover_label = QLabel("Cover: first frame")
        self.cover_label.setObjectName("note")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.on_debounce_timeout)
        self.slider.valueChanged.connect(self.on_slider_value_changed)
        row = QHBoxLayout()
        row.addWidget(QLabel("Cover"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.cover_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.frame, 1)
        layout.addLayout(row)

    def cover_ms(self) -> int | None:
        return self._cover_ms

    def clear(self) -> None:
        self._generation += 1
        self._path = None
        self._cover_ms = None
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(False)
        self.cover_label.setText("Cover: first frame")
        self.frame.set_frame(None, "")

    def load(self, path: Path, duration_s: float | None, placeholder: str) -> None:
        """A new video: show the first frame (or the placeholder) and size the cover slider to its duration."""
        self.clear()
        self._path = path
        self._placeholder = placeholder
        self.frame.set_frame(None, "Loading preview\u2026")
        duration_ms = int((duration_s or 0) * 1000)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, duration_ms - 1))
        self.slider.setSingleStep(100)
        self.slider.setPageStep(1000)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(duration_ms > 0)
        self._request(0)

    @Slot(int)
    def on_slider_value_changed(self, value: int) -> None:
        self._cover_ms = value
        self.cover_label.setText(f"Cover: {human_duration(value / 1000)}")
        self.cover_changed.emit(value)
        self._debounce.start()

    @Slot()
    def on_debounce_timeout(self) -> None:
        self._request(self.slider.value())

    def _request(self, at_ms: int) -> None:
        if self._path is None:
            return
        self._generation += 1
        generation, path = self._generation, self._path
        self._runner.submit(
            lambda: services.extract_frame(path, at_ms),  # runs on a pool thread; touches no widget
            on_done=lambda data: self._on_frame(generation, data),
            on_error=lambda _exc: self._on_frame(generation, None),
        )

    def _on_frame(self, generation: int, data: object) -> None:
        if generation != self._generation:
            return  # a newer request or another video superseded this one
        pixmap = QPixmap()
        if isinstance(data, bytes) and pixmap.loadFromData(data):
            self.frame.set_frame(pixmap)
        else:
            self.frame.set_frame(None, self._placeholder)
