"""The empty state (a big drop target with an Open button) and the rules for what a drop may carry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".m4v")
VIDEO_FILTER = "Videos (*.mp4 *.mov *.webm *.m4v *.MP4 *.MOV *.WEBM *.M4V);;All files (*)"


def dropped_path(mime: QMimeData) -> tuple[Path | None, str]:
    """The one local file a drag carries, or (None, why it can't be used)."""
    if not mime.hasUrls():
        return None, "Drop a video file from your computer."
    urls = mime.urls()
    local = [u for u in urls if u.isLocalFile()]
    if not local:
        return None, "Only files on this computer can be posted. Download the video first, then drop the file."
    if len(urls) > 1:
        return None, f"You dropped {len(urls)} files. Clipship posts one video at a time: drop just one."
    return Path(local[0].toLocalFile()), ""


def dropped_paths(mime: QMimeData) -> tuple[list[Path], str]:
    """Every local file a drag carries (several become queue items), or ([], why none can be used)."""
    if not mime.hasUrls():
        return [], "Drop a video file from your computer."
    local = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    if not local:
        return [], "Only files on this computer can be posted. Download the video first, then drop the file."
    files = [p for p in local if not p.is_dir()]
    if not files:
        return [], "Drop video files, not folders."
    return files, ""


class DropZone(QFrame):
    """The big target shown before a video is chosen. The whole window accepts drops; this explains how.

    Signals: open_requested().
    """

    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setProperty("active", False)
        title = QLabel("Drop a video here")
        title.setObjectName("dropTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sub = QLabel("or")
        sub.setObjectName("note")
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_button = QPushButton("Open a video\u2026")
        self.open_button.setObjectName("openButton")
        self.open_button.clicked.connect(self.on_open_clicked)
        hint = QLabel("MP4, MOV or WebM \u00b7 H.264, H.265, VP8 or VP9 \u00b7 23\u201360 fps \u00b7 up to 4 GB")
        hint.setObjectName("note")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        self.message = QLabel("")
        self.message.setObjectName("dropMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(sub)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def set_active(self, active: bool) -> None:
        """Highlight while a usable drag hovers over the window."""
        self.setProperty("active", active)
        self.style().unpolish(self)
        self.style().polish(self)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    @Slot()
    def on_open_clicked(self) -> None:
        self.open_requested.emit()
