"""Thousands of ("qint64", "qint64") signals from a worker QThread, all received intact on the GUI thread.

This catches the PySide6 6.12 / CPython 3.11 abort (bool_dealloc after a few dozen emissions) and any
truncation of 64-bit values.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

COUNT = 5000
BASE = 3 * 1024**3  # past 2 GiB and 2**31


class Emitter(QObject):
    """Signals: progress("qint64", "qint64"), done()."""

    progress = Signal("qint64", "qint64")
    done = Signal()

    @Slot()
    def run(self) -> None:
        for i in range(COUNT):
            self.progress.emit(BASE + i, BASE + COUNT)
        self.done.emit()


class Collector(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[int, int]] = []
        self.threads: set[int] = set()

    @Slot("qint64", "qint64")
    def on_progress(self, sent: int, total: int) -> None:
        self.values.append((sent, total))
        self.threads.add(threading.get_ident())


def test_thousands_of_64_bit_signals_arrive_intact(qtbot: Any) -> None:
    thread = QThread()
    emitter = Emitter()
    emitter.moveToThread(thread)
    collector = Collector()
    emitter.progress.connect(collector.on_progress)
    emitter.done.connect(thread.quit)
    thread.started.connect(emitter.run)
    with qtbot.waitSignal(thread.finished, timeout=30_000):
        thread.start()
    qtbot.waitUntil(lambda: len(collector.values) == COUNT, timeout=30_000)
    assert collector.values == [(BASE + i, BASE + COUNT) for i in range(COUNT)]
    assert collector.threads == {threading.get_ident()}
