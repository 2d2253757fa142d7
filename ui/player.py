"""Decoding for the preview on its own thread: a worker owning a core FrameReader, and the controller that paces it.

The GUI thread never decodes and never waits on a decode: it asks (queued signals) and the worker answers with
frames (core.media.decode.RgbFrame) tagged with the generation of the request; stale answers are dropped.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from core.media.decode import FrameReader, RgbFrame, VideoInfo

log = logging.getLogger(__name__)

PLAYBACK_BOX = (480, 854)  # frames are scaled into this (display orientation) on the worker
BUFFER = 6  # frames decoded ahead while playing


class _Stale:
    """A cancel flag for a long seek: set once a newer request superseded generation `gen`."""

    def __init__(self, worker: DecodeWorker, gen: int) -> None:
        self._worker = worker
        self._gen = gen

    def is_set(self) -> bool:
        return self._worker.latest != self._gen


class DecodeWorker(QObject):
    """Owns one FrameReader; lives on the decode thread. Only emits: never touches a widget.

    Signals: opened(object VideoInfo, int gen), frame(object RgbFrame, int gen, bool seeked),
    ended(int gen), failed(str message, int gen).
    """

    opened = Signal(object, int)
    frame = Signal(object, int, bool)
    ended = Signal(int)
    failed = Signal(str, int)

    def __init__(self) -> None:
        super().__init__()
        self.latest = 0  # the newest generation the GUI asked for; written by the GUI thread (an atomic int store)
        self._reader: FrameReader | None = None

    @Slot(str, int)
    def open_video(self, path: str, gen: int) -> None:
        self.close_video()
        if gen != self.latest:
            return
        try:
            self._reader = FrameReader(path, *PLAYBACK_BOX)
        except Exception as exc:  # the worker's error boundary: a plain message, never a traceback in the UI
            log.debug("preview: could not open %s", path, exc_info=True)
            self.failed.emit(getattr(exc, "message", "") or "This file could not be decoded.", gen)
            return
        self.opened.emit(self._reader.info, gen)

    @Slot(int, int)
    def seek(self, at_ms: int, gen: int) -> None:
        if self._reader is None or gen != self.latest:
            return
        try:
            shown = self._reader.seek(at_ms, _Stale(self, gen))
        except Exception as exc:
            log.debug("preview: seek failed", exc_info=True)
            self.failed.emit(getattr(exc, "message", "") or "This frame could not be decoded.", gen)
            return
        if gen != self.latest:
            return
        if shown is None:
            self.ended.emit(gen)
        else:
            self.frame.emit(shown, gen, True)

    @Slot(int, int)
    def decode_next(self, count: int, gen: int) -> None:
        if self._reader is None:
            return
        for _ in range(count):
            if gen != self.latest:
                return
            try:
                shown = self._reader.next()
            except Exception as exc:
                log.debug("preview: decode failed", exc_info=True)
                self.failed.emit(getattr(exc, "message", "") or "This frame could not be decoded.", gen)
                return
            if shown is None:
                self.ended.emit(gen)
                return
            self.frame.emit(shown, gen, False)

    @Slot()
    def close_video(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class Player(QObject):
    """Play/pause/seek/step over one video, paced by a QTimer at the video's frame rate.

    Signals: shown(object RgbFrame): a frame to display now; state_changed(): playing, position or duration
    changed; opened(object VideoInfo); failed(str).
    Internal request signals (to the worker, queued): request_open(str, int), request_seek(int, int),
    request_frames(int, int), request_close().
    """

    shown = Signal(object)
    state_changed = Signal()
    opened = Signal(object)
    failed = Signal(str)
    request_open = Signal(str, int)
    request_seek = Signal(int, int)
    request_frames = Signal(int, int)
    request_close = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.info: VideoInfo | None = None
        self.current: RgbFrame | None = None
        self.playing = False
        self.at_end = False
        self._gen = 0
        self._buffer: deque[RgbFrame] = deque()
        self._outstanding = 0
        self._ended_gen = -1
        self._clock_start = 0.0
        self._clock_pts = 0
        self._step_pending = False
        self.decode_thread = QThread(self)
        self.decode_thread.setObjectName("clipship-preview-decode")
        self.worker = DecodeWorker()
        self.worker.moveToThread(self.decode_thread)
        self.decode_thread.finished.connect(self.worker.deleteLater)
        self.request_open.connect(self.worker.open_video)
        self.request_seek.connect(self.worker.seek)
        self.request_frames.connect(self.worker.decode_next)
        self.request_close.connect(self.worker.close_video)
        self.worker.opened.connect(self.on_worker_opened)
        self.worker.frame.connect(self.on_worker_frame)
        self.worker.ended.connect(self.on_worker_ended)
        self.worker.failed.connect(self.on_worker_failed)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.on_timer_timeout)
        self.decode_thread.start()

    # ---- requests ----------------------------------------------------------------------------------------

    def _next_gen(self) -> int:
        self._gen += 1
        self.worker.latest = self._gen
        self._buffer.clear()
        self._outstanding = 0
        self._step_pending = False
        return self._gen

    def open(self, path: Path) -> None:
        self.pause()
        self.path = path
        self.info = None
        self.current = None
        self.at_end = False
        gen = self._next_gen()
        self.request_open.emit(str(path), gen)
        self.request_seek.emit(0, gen)
        self.state_changed.emit()

    def close(self) -> None:
        self.pause()
        self._next_gen()
        self.path = None
        self.info = None
        self.current = None
        self.request_close.emit()
        self.state_changed.emit()

    def shutdown(self) -> None:
        """Stop the decode thread (the window's closeEvent): no frame arrives after this."""
        self.timer.stop()
        self._next_gen()
        self.request_close.emit()
        self.decode_thread.quit()
        self.decode_thread.wait(5000)

    def position_ms(self) -> int:
        return self.current.pts_ms if self.current is not None else 0

    def duration_ms(self) -> int:
        return self.info.duration_ms if self.info is not None else 0

    def seek(self, at_ms: int) -> None:
        """Show the exact frame at at_ms (playing continues from there if it was playing). Right after open() it
        waits in the worker's queue behind the opening, so it is never lost."""
        if self.path is None:
            return
        self.at_end = False
        gen = self._next_gen()
        self.request_seek.emit(max(0, at_ms), gen)
        if self.playing:
            self._restart_clock(max(0, at_ms))

    def play(self) -> None:
        if self.info is None or self.playing:
            return
        if self.at_end:
            self.seek(0)
        self.playing = True
        self._restart_clock(self.position_ms())
        self.timer.start(max(5, int(self.info.frame_ms / 2)))
        self._fill()
        self.state_changed.emit()

    def pause(self) -> None:
        if not self.playing:
            return
        self.playing = False
        self.timer.stop()
        self.state_changed.emit()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def step(self, frames: int) -> None:
        """One frame forward (frames=1) or back (frames=-1), exactly; pauses first."""
        self.pause()
        if self.info is None or self.current is None:
            return
        if frames < 0:
            self.seek(max(0, self.current.pts_ms - 1))  # the frame shown just before this one
            return
        if self._buffer:
            self._show(self._buffer.popleft())
        elif not self.at_end:
            self._step_pending = True
            self._request(1)

    # ---- pacing ------------------------------------------------------------------------------------------

    def _restart_clock(self, pts_ms: int) -> None:
        self._clock_start = time.monotonic()
        self._clock_pts = pts_ms

    def _request(self, count: int) -> None:
        self._outstanding += count
        self.request_frames.emit(count, self._gen)

    def _fill(self) -> None:
        if self._ended_gen == self._gen:
            return
        want = BUFFER - len(self._buffer) - self._outstanding
        if want >= BUFFER // 2:
            self._request(want)

    @Slot()
    def on_timer_timeout(self) -> None:
        if not self.playing:
            return
        now_ms = self._clock_pts + (time.monotonic() - self._clock_start) * 1000
        due: RgbFrame | None = None
        while self._buffer and self._buffer[0].pts_ms <= now_ms:
            due = self._buffer.popleft()  # late frames are skipped, the newest due one is shown
        if due is not None:
            self._show(due)
        if not self._buffer and self._ended_gen == self._gen and self._outstanding == 0:
            self.at_end = True
            self.pause()
            return
        self._fill()

    def _show(self, frame: RgbFrame) -> None:
        self.current = frame
        self.shown.emit(frame)
        self.state_changed.emit()

    # ---- worker answers ----------------------------------------------------------------------------------

    @Slot(object, int)
    def on_worker_opened(self, info: object, gen: int) -> None:
        if gen != self._gen or not isinstance(info, VideoInfo):
            return
        self.info = info
        self._ended_gen = -1
        self.opened.emit(info)
        self.state_changed.emit()

    @Slot(object, int, bool)
    def on_worker_frame(self, frame: object, gen: int, seeked: bool) -> None:
        if gen != self._gen or not isinstance(frame, RgbFrame):
            return
        if seeked:
            self._ended_gen = -1
            self._show(frame)
            if self.playing:
                self._restart_clock(frame.pts_ms)
                self._fill()
            return
        self._outstanding = max(0, self._outstanding - 1)
        if self._step_pending:
            self._step_pending = False
            self._show(frame)
            return
        self._buffer.append(frame)

    @Slot(int)
    def on_worker_ended(self, gen: int) -> None:
        if gen != self._gen:
            return
        self._ended_gen = gen
        self._outstanding = 0
        if self._step_pending or not self.playing:
            self._step_pending = False
            self.at_end = True
            self.state_changed.emit()

    @Slot(str, int)
    def on_worker_failed(self, message: str, gen: int) -> None:
        if gen != self._gen:
            return
        self.pause()
        self.path = None
        self.failed.emit(message)
