"""In-process decoding with PyAV (FFmpeg's libraries ship in its wheel): exact frames as RGB bytes, no Qt."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

import av
import av.error

from core.errors import InputError


class CancelFlag(Protocol):
    """What a long decode polls to stop early: a threading.Event, or anything with is_set()."""

    def is_set(self) -> bool: ...


class DecodeError(InputError):
    """The file could not be opened or decoded as a video."""


@dataclass(frozen=True)
class RgbFrame:
    """One decoded picture as packed RGB24 rows (`stride` bytes each; stride >= width * 3), upright.

    `rotation` is how far (clockwise degrees) the picture still has to turn for display; frames from
    this module are already turned when `upright` was asked for, so it is then 0.
    """

    width: int
    height: int
    stride: int
    data: bytes
    pts_ms: int  # presentation time of this frame, from the start of the stream
    index: int = -1  # frame number from the start when known (sequential decoding), else -1
    rotation: int = 0


@dataclass(frozen=True)
class VideoInfo:
    """What the decoder sees: display size (rotation applied), rate, duration, rotation to apply."""

    width: int
    height: int
    fps: float
    duration_ms: int
    rotation: int  # clockwise degrees to turn the stored picture for display (0, 90, 180, 270)
    has_audio: bool
    codec: str

    @property
    def frame_ms(self) -> float:
        return 1000.0 / self.fps if self.fps > 0 else 1000.0 / 30


def frame_rotation(frame: Any) -> int:
    """Clockwise display rotation of a decoded frame (FFmpeg's display matrix angle is counter-clockwise)."""
    try:
        ccw = float(getattr(frame, "rotation", 0) or 0)
    except (TypeError, ValueError):
        ccw = 0.0
    return int(round(-ccw / 90.0)) * 90 % 360


def _first_rotation(container: Any, stream: Any) -> int:
    """The rotation the first frame carries (PyAV exposes the display matrix on frames); rewinds after."""
    turn = 0
    try:
        for frame in container.decode(stream):
            turn = frame_rotation(frame)
            break
    except av.error.FFmpegError:
        turn = 0
    container.seek(0, stream=stream, backward=True, any_frame=False)
    return turn


def _open(path: str | os.PathLike[str]) -> Any:
    text = os.fspath(path)
    try:
        container = av.open(text, "r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise DecodeError(f"Could not open {os.path.basename(text)} as a video ({_why(exc)}).") from exc
    if not container.streams.video:
        container.close()
        raise DecodeError(f"{os.path.basename(text)} has no video track.", "Pick a video file (MP4, MOV or WebM).")
    return container


def _why(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(": '", 1)[0] or type(exc).__name__


def _stream_info(container: Any) -> VideoInfo:
    stream = container.streams.video[0]
    ctx = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 30.0
    if stream.duration is not None and stream.time_base:
        duration_ms = int(stream.duration * stream.time_base * 1000)
    elif container.duration is not None:
        duration_ms = int(container.duration / 1000)
    else:
        duration_ms = 0
    rotation = _first_rotation(container, stream)
    w, h = ctx.width, ctx.height
    if rotation % 180:
        w, h = h, w
    return VideoInfo(w, h, fps, duration_ms, rotation, bool(container.streams.audio), ctx.name)


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """The decoder's view of a video (raises DecodeError for a file it cannot open)."""
    container = _open(path)
    try:
        return _stream_info(container)
    except av.error.FFmpegError as exc:
        raise DecodeError(f"Could not decode {os.path.basename(os.fspath(path))} ({_why(exc)}).") from exc
    finally:
        container.close()


def fit(width: int, height: int, box_w: int, box_h: int, upscale: bool = False) -> tuple[int, int]:
    """The largest even size with width:height's aspect inside box_w x box_h (never larger unless upscale)."""
    if width <= 0 or height <= 0:
        return max(2, box_w), max(2, box_h)
    scale = min(box_w / width, box_h / height)
    if not upscale:
        scale = min(scale, 1.0)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def to_rgb(frame: Any, box_w: int, box_h: int, rotation: int, index: int = -1) -> RgbFrame:
    """A decoded av.VideoFrame scaled into box (display orientation) and turned upright, as RGB bytes."""
    turned = rotation % 180 != 0
    disp_w, disp_h = (frame.height, frame.width) if turned else (frame.width, frame.height)
    out_w, out_h = fit(disp_w, disp_h, box_w, box_h)
    store_w, store_h = (out_h, out_w) if turned else (out_w, out_h)
    rgb = frame.reformat(width=store_w, height=store_h, format="rgb24")
    if rotation:
        rgb = _rotate(rgb, rotation)
    plane = rgb.planes[0]
    row = rgb.width * 3
    if plane.line_size == row:
        data = bytes(plane)
    else:  # drop FFmpeg's row padding (its bytes are undefined), so equal pictures are equal bytes
        view = memoryview(plane)
        data = b"".join(view[y * plane.line_size : y * plane.line_size + row] for y in range(rgb.height))
    pts_ms = int(round(float(frame.time) * 1000)) if frame.time is not None else 0
    return RgbFrame(rgb.width, rgb.height, row, data, pts_ms, index)


def _rotate(frame: Any, rotation: int) -> Any:
    """Turn an rgb24 frame clockwise by a multiple of 90 degrees with FFmpeg's transpose/flip filters."""
    graph = av.filter.Graph()
    src = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format, time_base=Fraction(1, 1000))
    chain = {90: [("transpose", "clock")], 270: [("transpose", "cclock")], 180: [("hflip", ""), ("vflip", "")]}
    last = src
    for name, args in chain.get(rotation % 360, []):
        node = graph.add(name, args) if args else graph.add(name)
        last.link_to(node)
        last = node
    sink = graph.add("buffersink")
    last.link_to(sink)
    graph.configure()
    frame.pts = 0
    frame.time_base = Fraction(1, 1000)
    graph.push(frame)
    return graph.pull()


def _seek(container: Any, stream: Any, at_ms: int) -> None:
    if at_ms <= 0:
        container.seek(0, stream=stream, backward=True, any_frame=False)
        return
    target = int(Fraction(at_ms, 1000) / stream.time_base) + (stream.start_time or 0)
    container.seek(target, stream=stream, backward=True, any_frame=False)


def decode_at(path: str | os.PathLike[str], at_ms: int, cancel: CancelFlag | None = None) -> Any:
    """The av.VideoFrame shown at `at_ms`: the last frame whose time is <= at_ms (decoded from the keyframe
    before it, not the keyframe itself); the first frame for at_ms <= its time, the last past the end."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return _decode_at(container, stream, max(0, at_ms), cancel)
    except av.error.FFmpegError as exc:
        raise DecodeError(f"Could not decode {os.path.basename(os.fspath(path))} ({_why(exc)}).") from exc
    finally:
        container.close()


def _decode_at(container: Any, stream: Any, at_ms: int, cancel: CancelFlag | None) -> Any:
    return _locate(container, stream, at_ms, cancel)[0]


def _locate(container: Any, stream: Any, at_ms: int, cancel: CancelFlag | None) -> tuple[Any, Iterator[Any]]:
    """(the frame shown at at_ms, the frames after it still to decode); (None, empty) when cancelled or none."""
    start = Fraction(stream.start_time * stream.time_base) if stream.start_time else Fraction(0)
    target = Fraction(at_ms, 1000) + start + Fraction(1, 2000)
    for attempt_ms in (at_ms, 0):  # a seek that lands after the target falls back to decoding from the start
        _seek(container, stream, attempt_ms)
        frames = (f for f in container.decode(stream) if f.pts is not None)
        chosen = None
        for frame in frames:
            if cancel is not None and cancel.is_set():
                return None, iter(())
            if frame.pts * stream.time_base > target:
                if chosen is not None:
                    return chosen, itertools.chain([frame], frames)
                if attempt_ms == 0 or frame.pts * stream.time_base <= start + Fraction(1, 2000):
                    return frame, frames  # the target is before the first frame
                break
            chosen = frame
        else:
            if chosen is not None:
                return chosen, iter(())  # past the end: the last frame
    return None, iter(())


def frame_at(
    path: str | os.PathLike[str], at_ms: int, box_w: int = 540, box_h: int = 960, cancel: CancelFlag | None = None
) -> RgbFrame | None:
    """The exact frame at `at_ms` (video_cover_timestamp_ms) as upright RGB inside box_w x box_h; None if none."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frame = _decode_at(container, stream, max(0, at_ms), cancel)
        if frame is None:
            return None
        return to_rgb(frame, box_w, box_h, frame_rotation(frame))
    except av.error.FFmpegError as exc:
        raise DecodeError(f"Could not decode {os.path.basename(os.fspath(path))} ({_why(exc)}).") from exc
    finally:
        container.close()


def thumbnail(path: str | os.PathLike[str], box: int = 96, at_ms: int = 0) -> RgbFrame | None:
    """A small upright picture for lists (History, the queue): the frame at at_ms inside box x box."""
    return frame_at(path, at_ms, box, box)


class FrameReader:
    """Sequential decoding for playback: seek(ms) then next() frames in order, each scaled into the box.

    Not thread-safe: one worker thread owns it. close() releases the file.
    """

    def __init__(self, path: str | os.PathLike[str], box_w: int, box_h: int) -> None:
        self._container = _open(path)
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self.info = _stream_info(self._container)
        self.box = (box_w, box_h)
        self._frames: Iterator[Any] | None = None

    def close(self) -> None:
        self._container.close()

    def _iter(self) -> Iterator[Any]:
        for frame in self._container.decode(self._stream):
            if frame.pts is not None:
                yield frame

    def seek(self, at_ms: int, cancel: CancelFlag | None = None) -> RgbFrame | None:
        """Position on the frame shown at `at_ms` (exact) and return it; the next next() is the frame after it."""
        try:
            frame, rest = _locate(self._container, self._stream, max(0, at_ms), cancel)
        except av.error.FFmpegError as exc:
            raise DecodeError(f"Could not decode the video ({_why(exc)}).") from exc
        self._frames = rest
        return None if frame is None else self._convert(frame)

    def next(self) -> RgbFrame | None:
        """The next frame in presentation order, or None at the end."""
        if self._frames is None:
            self._frames = self._iter()
        try:
            frame = next(self._frames)
        except StopIteration:
            return None
        except av.error.FFmpegError as exc:
            raise DecodeError(f"Could not decode the video ({_why(exc)}).") from exc
        return self._convert(frame)

    def _convert(self, frame: Any) -> RgbFrame:
        index = int(math.floor(float(frame.time) * self.info.fps + 0.5)) if frame.time is not None else -1
        box_w, box_h = self.box
        return to_rgb(frame, box_w, box_h, frame_rotation(frame), index)
