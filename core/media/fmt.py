"""Human wording for media numbers: frame rates, durations, sizes, codec and container names."""

from __future__ import annotations

import math
from fractions import Fraction

CODEC_NAMES = {
    "h264": "H.264",
    "h265": "H.265 (HEVC)",
    "vp8": "VP8",
    "vp9": "VP9",
    "aac": "AAC",
    "opus": "Opus",
    "vorbis": "Vorbis",
    "ac3": "AC-3",
    "eac3": "E-AC-3",
    "flac": "FLAC",
    "alac": "ALAC",
    "pcm": "PCM",
}
CONTAINER_NAMES = {"mp4": "MP4", "mov": "QuickTime MOV", "webm": "WebM"}
# Aspect ratios people recognise, as (width, height).
_NAMED_RATIOS = ((9, 16), (16, 9), (1, 1), (4, 5), (5, 4), (3, 4), (4, 3), (2, 3), (3, 2), (21, 9))


def number(value: float, places: int = 2) -> str:
    """10.0 -> '10', 29.97 -> '29.97', 0.125 -> '0.13' (no trailing zeros)."""
    if not math.isfinite(value):
        return "unknown"
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fps(value: float) -> str:
    return f"{number(value)} fps"


def duration(seconds: float) -> str:
    """720 -> '12 min', 65.5 -> '1 min 5.5 s', 1 -> '1 s', 3725 -> '1 h 2 min 5 s'."""
    if not math.isfinite(seconds):
        return "unknown"
    if seconds < 60:
        return f"{number(seconds)} s"
    whole = round(seconds, 2)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{int(hours)} h")
    if minutes:
        parts.append(f"{int(minutes)} min")
    if secs >= 0.005:
        parts.append(f"{number(secs)} s")
    return " ".join(parts)


def duration_with_seconds(seconds: float) -> str:
    """'12 min (720 s)'; plain '45 s' below a minute."""
    short = duration(seconds)
    return short if seconds < 60 or not math.isfinite(seconds) else f"{short} ({number(seconds)} s)"


def size(num_bytes: int) -> str:
    """Decimal units, as TikTok states its limit: 8894 -> '8.9 KB', 4_000_000_000 -> '4 GB'."""
    value = float(num_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{num_bytes} bytes" if unit == "bytes" else f"{number(value, 1)} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def size_with_bytes(num_bytes: int) -> str:
    """'8.9 KB (8,894 bytes)'; plain 'N bytes' below 1 KB."""
    short = size(num_bytes)
    return short if num_bytes < 1000 else f"{short} ({num_bytes:,} bytes)"


def aspect(width: int, height: int) -> str:
    """'9:16 portrait', '16:9 landscape', '1:1 square', or '0.75:1 portrait' for odd shapes."""
    if width <= 0 or height <= 0:
        return "unknown shape"
    shape = "square" if width == height else ("portrait" if width < height else "landscape")
    exact = Fraction(width, height)
    for w, h in _NAMED_RATIOS:
        if abs(float(exact) - w / h) <= 0.01 * (w / h):
            return f"{w}:{h} {shape}"
    return f"{number(width / height)}:1 {shape}"


def codec(name: str | None) -> str:
    if name is None:
        return "unknown"
    return CODEC_NAMES.get(name, name)


def container(name: str | None) -> str:
    if name is None:
        return "unknown format"
    return CONTAINER_NAMES.get(name, name)
