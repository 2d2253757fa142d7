"""The preview that plays (decoded in-process by PyAV on a worker thread) and the exact cover-frame chooser."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.media.decode import RgbFrame
from core.progress import human_duration
from ui.a11y import name
from ui.player import Player
from ui.tasks import TaskRunner


def to_image(frame: RgbFrame) -> QImage:
    """A QImage that owns a copy of the frame's RGB rows."""
    image = QImage(frame.data, frame.width, frame.height, frame.stride, QImage.Format.Format_RGB888)
    return image.copy()


def clock(ms: int) -> str:
    """0:05.2 / 1:05.0 style: minutes, seconds and tenths (a scrubber's time)."""
    seconds = max(0, ms) / 1000
    minutes = int(seconds // 60)
    return f"{minutes}:{seconds - minutes * 60:04.1f}"


class FrameView(QLabel):
    """Shows a pixmap scaled to fit, keeping its aspect ratio; a text placeholder otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("frameView")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(180, 200)
        self.setWordWrap(True)
        self._pixmap: QPixmap | None = None
        self.image: QImage | None = None  # the picture shown, at the decoded size

    def set_frame(self, pixmap: QPixmap | None, placeholder: str = "") -> None:
        self._pixmap = pixmap if pixmap is not None and not pixmap.isNull() else None
        if self._pixmap is None:
            self.image = None
            self.setPixmap(QPixmap())
            self.setText(placeholder)
        else:
            self.setText("")
            self._rescale()

    def set_image(self, image: QImage) -> None:
        self.image = image
        self._pixmap = QPixmap.fromImage(image)
        self.setText("")
        self._rescale()

    def has_frame(self) -> bool:
        return self._pixmap is not None

    def sizeHint(self) -> QSize:
        return QSize(280, 380)

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


def _tool(icon: QStyle.StandardPixmap, label: str, description: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(button.style().standardIcon(icon))
    button.setAutoRaise(True)
    button.setToolTip(description)
    button.setEnabled(False)
    name(button, label, description)
    return button


class PreviewPanel(QFrame):
    """The playing preview (play/pause, frame steps, a scrubber with the time) and the cover slider
    (video_cover_timestamp_ms): moving it shows exactly the frame TikTok will use.

    Signals: cover_changed(int ms).
    """

    cover_changed = Signal(int)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPanel")
        self._runner = runner
        self._path: Path | None = None
        self._placeholder = ""
        self._cover_ms: int | None = None
        self.player = Player(self)
        self.player.shown.connect(self.on_player_shown)
        self.player.state_changed.connect(self.on_player_state_changed)
        self.player.opened.connect(self.on_player_opened)
        self.player.failed.connect(self.on_player_failed)
        self.frame = FrameView()
        self.shown: RgbFrame | None = None  # the frame on screen

        self.play_button = _tool(QStyle.StandardPixmap.SP_MediaPlay, "Play", "Play the video (Space).")
        # Space plays/pauses while the preview has the focus (keyPressEvent): never a window-wide shortcut, which
        # would take Space from the form's checkboxes and buttons.
        self.back_button = _tool(QStyle.StandardPixmap.SP_MediaSeekBackward, "Previous frame", "One frame back.")
        self.forward_button = _tool(QStyle.StandardPixmap.SP_MediaSeekForward, "Next frame", "One frame forward.")
        self.play_button.clicked.connect(self.on_play_clicked)
        self.back_button.clicked.connect(self.on_back_clicked)
        self.forward_button.clicked.connect(self.on_forward_clicked)
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setObjectName("scrubber")
        self.scrubber.setRange(0, 0)
        self.scrubber.setEnabled(False)
        name(self.scrubber, "Position", "Where the preview is in the video; drag to seek.")
        self.scrubber.valueChanged.connect(self.on_scrubber_value_changed)
        self.time_label = QLabel("0:00.0 / 0:00.0")
        self.time_label.setObjectName("note")
        name(self.time_label, "Time", "The preview's position and the video's length.")

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("coverSlider")
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Choose the frame TikTok shows as the cover.")
        self.cover_label = QLabel("Cover: first frame")
        self.cover_label.setObjectName("note")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(60)
        self._debounce.timeout.connect(self.on_debounce_timeout)
        self._seek_debounce = QTimer(self)
        self._seek_debounce.setSingleShot(True)
        self._seek_debounce.setInterval(40)
        self._seek_debounce.timeout.connect(self.on_seek_debounce_timeout)
        self.slider.valueChanged.connect(self.on_slider_value_changed)

        # Rows, not one long line, so that nothing is cut off in the narrowest column (1024 px, 2x scale):
        # the scrubber with the time under its right end; the step/play buttons; "Cover: …" (said once) above its
        # slider.
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setSpacing(2)
        for button in (self.back_button, self.play_button, self.forward_button):
            controls.addWidget(button)
        controls.addStretch(1)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.cover_label.setBuddy(self.slider)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.frame, 1)
        layout.addWidget(self.scrubber)
        layout.addWidget(self.time_label)
        layout.addLayout(controls)
        layout.addSpacing(4)
        layout.addWidget(self.cover_label)
        layout.addWidget(self.slider)

    # ---- the video ---------------------------------------------------------------------------------------

    def cover_ms(self) -> int | None:
        return self._cover_ms

    def position_ms(self) -> int:
        return self.player.position_ms()

    def clear(self) -> None:
        self.player.close()
        self._path = None
        self._cover_ms = None
        self.shown = None
        for slider in (self.slider, self.scrubber):
            slider.blockSignals(True)
            slider.setRange(0, 0)
            slider.blockSignals(False)
            slider.setEnabled(False)
        self._set_controls(False)
        self.cover_label.setText("Cover: first frame")
        self.time_label.setText("0:00.0 / 0:00.0")
        self.frame.set_frame(None, "")

    def load(self, path: Path, duration_s: float | None, placeholder: str) -> None:
        """A new video: show its first frame (or the placeholder) and size the sliders to its duration."""
        self.clear()
        self._path = path
        self._placeholder = placeholder
        self.frame.set_frame(None, "Loading preview\u2026")
        duration_ms = int((duration_s or 0) * 1000)
        self._size_sliders(duration_ms)
        self.player.open(path)

    def _size_sliders(self, duration_ms: int) -> None:
        for slider in (self.slider, self.scrubber):
            slider.blockSignals(True)
            slider.setRange(0, max(0, duration_ms - 1))
            slider.setSingleStep(100)
            slider.setPageStep(1000)
            slider.setValue(0 if slider is self.scrubber else (self._cover_ms or 0))
            slider.blockSignals(False)
        self.slider.setEnabled(duration_ms > 0)

    def _set_controls(self, enabled: bool) -> None:
        for widget in (self.play_button, self.back_button, self.forward_button, self.scrubber):
            widget.setEnabled(enabled)

    def shutdown(self) -> None:
        """Stop the decode thread (the window is closing)."""
        self._debounce.stop()
        self._seek_debounce.stop()
        self.player.shutdown()

    # ---- player ------------------------------------------------------------------------------------------

    @Slot(object)
    def on_player_opened(self, info: object) -> None:
        duration = self.player.duration_ms()
        if duration > 0 and duration - 1 != self.scrubber.maximum():
            self._size_sliders(duration)
        self._set_controls(True)

    @Slot(object)
    def on_player_shown(self, frame: object) -> None:
        if not isinstance(frame, RgbFrame):
            return
        self.shown = frame
        self.frame.set_image(to_image(frame))
        if not self.scrubber.isSliderDown():
            self.scrubber.blockSignals(True)
            self.scrubber.setValue(frame.pts_ms)
            self.scrubber.blockSignals(False)

    @Slot()
    def on_player_state_changed(self) -> None:
        playing = self.player.playing
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        label = "Pause" if playing else "Play"
        name(self.play_button, label, f"{label} the video (Space).")
        self.time_label.setText(f"{clock(self.player.position_ms())} / {clock(self.player.duration_ms())}")

    @Slot(str)
    def on_player_failed(self, message: str) -> None:
        self._set_controls(False)
        text = self._placeholder or "No preview"
        self.frame.set_frame(None, f"{text}\n\nNo preview: {message}" if message else text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Space on the preview's controls (the scrubber, the step buttons) plays or pauses."""
        if event.key() == Qt.Key.Key_Space and self.play_button.isEnabled():
            self.play_button.click()
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot()
    def on_play_clicked(self) -> None:
        self.player.toggle()

    @Slot()
    def on_back_clicked(self) -> None:
        self.player.step(-1)

    @Slot()
    def on_forward_clicked(self) -> None:
        self.player.step(1)

    @Slot(int)
    def on_scrubber_value_changed(self, _value: int) -> None:
        self._seek_debounce.start()

    @Slot()
    def on_seek_debounce_timeout(self) -> None:
        self.player.seek(self.scrubber.value())

    # ---- the cover ---------------------------------------------------------------------------------------

    @Slot(int)
    def on_slider_value_changed(self, value: int) -> None:
        self._cover_ms = value
        self.cover_label.setText(f"Cover: {human_duration(value / 1000)}")
        self.cover_changed.emit(value)
        self._debounce.start()

    @Slot()
    def on_debounce_timeout(self) -> None:
        """Show the cover exactly: the frame decoded at the millisecond sent as video_cover_timestamp_ms."""
        if self._path is None:
            return
        self.player.pause()
        self.player.seek(self.slider.value())
