"""Files the system hands to the running app (macOS: Finder's "Open With", a drop on the Dock icon)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class FileOpenHandler(QObject):
    """An application event filter: a QFileOpenEvent's file is loaded into the window, which comes to the front."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's naming
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent) and event.file():
            self.window.load_video(Path(event.file()))
            self.window.raise_()
            self.window.activateWindow()
            return True
        return False
