"""inspect(path) -> MediaFacts: what a video file is, read with MediaInfo from a bounded part of the file."""

from __future__ import annotations

import errno
import functools
import io
import math
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pymediainfo import MediaInfo

from core.errors import ClipshipError
from core.media import fmt

# MediaInfo reads a valid file's headers (tens of KiB to ~20 MiB at ParseSpeed 0.5) and seeks over the rest.
# Unrecognisable content makes it scan; this cap guarantees inspect never reads the whole of a large file.
READ_CAP = 64 * 1024 * 1024
_READ_CHUNK = 64 * 1024

_CODECS = {"AVC": "h264", "HEVC": "h265", "VP8": "vp8", "VP9": "vp9"}
_AUDIO_CODECS = {
    "AAC": "aac",
    "Opus": "opus",
    "Vorbis": "vorbis",
    "AC-3": "ac3",
    "E-AC-3": "eac3",
    "FLAC": "flac",
    "ALAC": "alac",
    "PCM": "pcm",
}
_HDR_TRANSFERS = {"PQ", "HLG", "SMPTE ST 2084", "ARIB STD-B67"}
MIME_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}

# Reasons a file could not be read at all (MediaFacts.unreadable); check() turns each into a Problem.
NOT_FOUND = "not_found"
NOT_A_FILE = "not_a_file"
NO_PERMISSION = "no_permission"
EMPTY = "empty"
READ_ERROR = "read_error"


class MediaInfoUnavailable(ClipshipError):
    """libmediainfo (bundled with pymediainfo) could not be loaded: an installation problem, not the file's."""


@dataclass(frozen=True, kw_only=True)
class MediaFacts:
    """What one file is. Fields are None when MediaInfo could not tell; `unreadable` says why nothing was read."""

    path: str
    file_size: int = 0
    unreadable: str | None = None  # NOT_FOUND, NOT_A_FILE, NO_PERMISSION, EMPTY, READ_ERROR
    detail: str = ""  # the OS's words for a READ_ERROR
    container: str | None = None  # "mp4", "mov", "webm", or MediaInfo's raw format name ("Matroska", "PNG")
    has_video: bool = False
    video_codec: str | None = None  # "h264", "h265", "vp8", "vp9", or the raw format name ("ProRes")
    width: int | None = None  # as stored
    height: int | None = None
    rotation: int = 0  # degrees the player turns the picture (0, 90, 180, 270)
    frame_rate: float | None = None  # for VFR: frame count / duration
    frame_rate_mode: str | None = None  # "CFR" or "VFR"
    duration_s: float | None = None
    bit_rate: int | None = None  # bits per second, whole file
    audio_codec: str | None = None  # "aac", "opus", ... or raw; None when there is no audio track
    mime_type: str | None = None  # the Content-Type the upload uses
    truncated: bool = False
    image_format: str | None = None  # set when the file is a still image (a PNG renamed .mp4)
    bit_depth: int | None = None  # bits per colour sample (8 for ordinary video, 10 for HDR)
    hdr: bool = False  # an HDR transfer (PQ / HLG) or HDR format is declared

    @property
    def display_width(self) -> int | None:
        return self.height if self._quarter_turned else self.width

    @property
    def display_height(self) -> int | None:
        return self.width if self._quarter_turned else self.height

    @property
    def _quarter_turned(self) -> bool:
        return round(self.rotation / 90) % 2 == 1

    @property
    def name(self) -> str:
        return Path(self.path).name or self.path

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, display size included."""
        data = asdict(self)
        data["display_width"] = self.display_width
        data["display_height"] = self.display_height
        return data

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) rows for people: the CLI prints them aligned, the window shows them in a form."""
        if self.unreadable is not None:
            return [("File", "could not be read")]
        rows: list[tuple[str, str]] = []
        if not self.has_video:
            if self.image_format:
                rows.append(("Format", f"{self.image_format} image, no video track"))
            elif self.container is None:
                rows.append(("Format", "not a format Clipship recognises"))
            else:
                rows.append(("Format", f"{fmt.container(self.container)}, no video track"))
        else:
            video = f"{fmt.codec(self.video_codec)} in {fmt.container(self.container)}"
            if self.mime_type:
                video += f", uploads as {self.mime_type}"
            rows.append(("Video", video))
            if self.display_width and self.display_height:
                picture = f"{self.display_width}x{self.display_height} px, "
                picture += fmt.aspect(self.display_width, self.display_height)
                if self.rotation:
                    picture += f" (stored {self.width}x{self.height}, turned {self.rotation} deg)"
                rows.append(("Picture", picture))
            if self.frame_rate is not None:
                mode = {"CFR": "constant", "VFR": "variable, average"}.get(self.frame_rate_mode or "", "")
                rows.append(("Frame rate", fmt.fps(self.frame_rate) + (f" ({mode})" if mode else "")))
        if self.duration_s is not None:
            rows.append(("Duration", fmt.duration_with_seconds(self.duration_s)))
        if self.has_video or self.audio_codec:
            rows.append(("Audio", fmt.codec(self.audio_codec) if self.audio_codec else "none"))
        size = fmt.size_with_bytes(self.file_size)
        if self.bit_rate:
            size += f", {fmt.number(self.bit_rate / 1000, 0)} kbit/s"
        rows.append(("Size", size))
        return rows

    def summary_lines(self) -> list[str]:
        rows = self.summary()
        width = max(len(label) for label, _ in rows)
        return [f"{label.ljust(width)}  {value}" for label, value in rows]


class _CappedReader(io.RawIOBase):
    """A read-only view of an open file that reports end-of-file once READ_CAP bytes have been read."""

    mode = "rb"

    def __init__(self, raw: io.BufferedReader, cap: int) -> None:
        super().__init__()
        self._raw = raw
        self._left = cap
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def read(self, size: int | None = -1) -> bytes:
        want = self._left if size is None or size < 0 else min(size, self._left)
        data = self._raw.read(want) if want > 0 else b""
        self._left -= len(data)
        self.bytes_read += len(data)
        return data


@functools.cache
def _library_ok() -> bool:
    return bool(MediaInfo.can_parse())


def _num(value: Any) -> float | None:
    """MediaInfo values are loosely typed ('30.000', 1000, '1000.000000', '', None): a float or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value).strip().split(" / ")[0])
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(round(number))


def _unreadable(path: str, reason: str, detail: str = "", size: int = 0) -> MediaFacts:
    return MediaFacts(path=path, unreadable=reason, detail=detail, file_size=size)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError) or exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return NOT_FOUND
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return NO_PERMISSION
    if isinstance(exc, IsADirectoryError):
        return NOT_A_FILE
    return READ_ERROR


def inspect(path: str | os.PathLike[str]) -> MediaFacts:
    """Read what `path` is. Never raises for a bad file: the reason is in `unreadable`, or the facts show it.

    Raises MediaInfoUnavailable only when the MediaInfo library itself cannot be loaded.
    """
    text = os.fspath(path)
    if not _library_ok():
        raise MediaInfoUnavailable(
            "The video inspector (libmediainfo) could not be loaded.",
            "Reinstall Clipship; on Linux from source, reinstall the pymediainfo package.",
        )
    try:
        info = os.stat(text)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = _os_reason(exc) if isinstance(exc, OSError) else NOT_FOUND
        return _unreadable(text, reason, getattr(exc, "strerror", None) or str(exc))
    if not stat.S_ISREG(info.st_mode):  # a folder, a pipe or a device: never open it (a pipe would block)
        return _unreadable(text, NOT_A_FILE)
    if info.st_size == 0:
        return _unreadable(text, EMPTY)
    try:
        # An open file, not the name: MediaInfo opens names through the C locale, which fails on
        # non-ASCII paths under LANG=C; Python opens any path the OS can.
        with open(text, "rb") as raw:
            size = os.fstat(raw.fileno()).st_size
            reader = _CappedReader(raw, READ_CAP)
            parsed = MediaInfo.parse(reader, buffer_size=_READ_CHUNK)
    except OSError as exc:
        return _unreadable(text, _os_reason(exc), exc.strerror or str(exc), info.st_size)
    if size == 0:
        return _unreadable(text, EMPTY)
    return _facts_from(text, size, parsed)


def _facts_from(path: str, size: int, parsed: MediaInfo) -> MediaFacts:
    tracks = [track.to_data() for track in parsed.tracks]
    general = next((t for t in tracks if t.get("track_type") == "General"), {})
    video = next((t for t in tracks if t.get("track_type") == "Video"), None)
    audio = next((t for t in tracks if t.get("track_type") == "Audio"), None)
    image = next((t for t in tracks if t.get("track_type") == "Image"), None)

    container = _container(general)
    duration_ms = _num(general.get("duration"))
    if duration_ms is None and video is not None:
        duration_ms = _num(video.get("duration"))
    facts: dict[str, Any] = {
        "container": container,
        "mime_type": MIME_TYPES.get(container or ""),
        "duration_s": None if duration_ms is None else duration_ms / 1000,
        "bit_rate": _int(general.get("overall_bit_rate")),
        "truncated": _truncated(general, tracks, size),
        "audio_codec": None if audio is None else _AUDIO_CODECS.get(str(audio.get("format")), audio.get("format")),
        "image_format": None if image is None or video is not None else image.get("format"),
    }
    if video is not None:
        facts.update(_video_facts(video))
    return MediaFacts(path=path, file_size=size, **facts)


def _container(general: dict[str, Any]) -> str | None:
    raw = general.get("format")
    if raw is None:
        return None
    if raw == "MPEG-4":
        quicktime = general.get("format_profile") == "QuickTime" or general.get("codec_id") == "qt  "
        return "mov" if quicktime else "mp4"
    if raw == "WebM":
        return "webm"
    return str(raw)


def _truncated(general: dict[str, Any], tracks: list[dict[str, Any]], size: int) -> bool:
    if str(general.get("istruncated", "")).lower() == "yes":
        return True
    # An index at the front can promise more media than the file holds.
    streams = [_int(t.get("stream_size")) or 0 for t in tracks if t.get("track_type") != "General"]
    return sum(streams) > size


def _video_facts(video: dict[str, Any]) -> dict[str, Any]:
    raw_codec = video.get("format")
    rotation = _num(video.get("rotation")) or 0.0
    mode = video.get("frame_rate_mode")
    frame_count = _num(video.get("frame_count"))
    duration_ms = _num(video.get("duration"))
    measured = frame_count / (duration_ms / 1000) if frame_count and duration_ms else None
    stated = _num(video.get("frame_rate"))
    # VFR: the stated rate can be a peak or a guess; the real average is frames over time.
    rate = measured if mode == "VFR" and measured else (stated or measured)
    return {
        "has_video": True,
        "video_codec": _CODECS.get(str(raw_codec), raw_codec),
        "width": _int(video.get("width")),
        "height": _int(video.get("height")),
        "rotation": int(round(rotation)) % 360,
        "frame_rate": None if rate is None else round(rate, 3),
        "frame_rate_mode": mode if mode in ("CFR", "VFR") else None,
        "bit_depth": _int(video.get("bit_depth")),
        "hdr": bool(video.get("hdr_format")) or str(video.get("transfer_characteristics", "")) in _HDR_TRANSFERS,
    }
