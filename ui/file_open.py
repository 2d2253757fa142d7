"""Files the system hands to the running app (macOS: Finder's "Open With", a drop on the Dock icon)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QWidget


class FileOpenHandler(QObject):
    """An application event filter: a QFileOpenEvent's file is loaded into the window, which comes to the front."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's naming
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent) and event.file():
            target = self.window
            assert hasattr(target, "load_video")
            target.load_video(Path(event.file()))
            target.raise_()
            target.activateWindow()
            return True
        return False
