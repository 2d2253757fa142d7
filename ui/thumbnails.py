"""Small first-frame pictures for the History and Queue lists, decoded on the task runner and cached by file."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon, QPixmap

from ui import services
from ui.tasks import TaskRunner

SIZE = 48  # px: the longest side of a thumbnail


class Thumbnails(QObject):
    """icon(path) answers at once from the cache (None while decoding or when the file has no picture).

    Signals: ready(str path): a thumbnail arrived; lists repaint the rows showing that file.
    """

    ready = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._icons: dict[tuple[str, float], QIcon | None] = {}
        self._pending: set[tuple[str, float]] = set()

    def icon(self, path: Path | str) -> QIcon | None:
        text = str(path)
        try:
            key = (text, os.stat(text).st_mtime)
        except (OSError, ValueError):
            return None  # moved or deleted since it was posted: no picture
        if key in self._icons:
            return self._icons[key]
        if key not in self._pending:
            self._pending.add(key)
            self.runner.submit(
                lambda: services.thumbnail(Path(text), SIZE),  # a pool thread: decodes, touches no widget
                on_done=lambda frame: self._on_frame(key, frame),
                on_error=lambda _exc: self._on_frame(key, None),
            )
        return None

    def _on_frame(self, key: tuple[str, float], frame: object) -> None:
        from core.media.decode import RgbFrame
        from ui.preview import to_image

        self._pending.discard(key)
        self._icons[key] = QIcon(QPixmap.fromImage(to_image(frame))) if isinstance(frame, RgbFrame) else None
        self.ready.emit(key[0])
