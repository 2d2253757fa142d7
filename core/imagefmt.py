"""What a file's first bytes say: image format and size (JPEG, WebP, PNG, GIF) and video containers, by content.

Shared by the app's URL preflight (core.urlcheck) and the sandbox's downloads, so both apply one rule. Only the
head of a file is needed (JPEG's frame header is usually in the first few KiB; WebP's in the first 30 bytes).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PHOTO_MAX_BYTES = 20 * 1024 * 1024  # tiktok-api.md §2: max 20 MB per image (binary MB: the stricter reading)
PHOTO_MAX_LONG = 1920  # "max 1080p": the picture fits 1920x1080 in either orientation
PHOTO_MAX_SHORT = 1080
PHOTO_FORMATS = ("JPEG", "WEBP")
VIDEO_FORMATS = ("MP4", "MOV", "WEBM")

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class Sniffed:
    """The format found in a file's head ("" when unknown) and its picture size (0 when not found)."""

    format: str
    width: int = 0
    height: int = 0


def sniff(head: bytes) -> Sniffed:
    """The format of a file from its first bytes (images with their size when the head holds it)."""
    if head.startswith(b"\xff\xd8\xff"):
        w, h = _jpeg_size(head)
        return Sniffed("JPEG", w, h)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        w, h = _webp_size(head)
        return Sniffed("WEBP", w, h)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        w, h = struct.unpack(">II", head[16:24]) if len(head) >= 24 else (0, 0)
        return Sniffed("PNG", w, h)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        w, h = struct.unpack("<HH", head[6:10]) if len(head) >= 10 else (0, 0)
        return Sniffed("GIF", w, h)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return Sniffed("MOV" if brand == b"qt  " else "MP4")
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return Sniffed("MOV")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("WEBM")
    return Sniffed("")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in _SOF:
            if i + 9 > len(data):
                return 0, 0
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        if marker == 0xD9 or length < 2:
            return 0, 0
        i += 2 + length
    return 0, 0


def _webp_size(data: bytes) -> tuple[int, int]:
    kind = data[12:16]
    if kind == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(data) >= 30:
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    return 0, 0


def photo_problem(found: Sniffed, size: int | None) -> str:
    """Why TikTok would refuse this picture ("" when it would not): format, bytes, resolution."""
    if found.format not in PHOTO_FORMATS:
        what = found.format or "not a picture TikTok reads"
        return f"it is {what}, and TikTok takes only JPEG or WebP photos"
    if size is not None and size > PHOTO_MAX_BYTES:
        return f"it is {size / 1048576:,.1f} MB, and TikTok takes photos of at most 20 MB"
    if found.width and found.height:
        long, short = max(found.width, found.height), min(found.width, found.height)
        if long > PHOTO_MAX_LONG or short > PHOTO_MAX_SHORT:
            return f"it is {found.width}x{found.height} pixels, and TikTok takes photos of at most 1080p (1920x1080)"
    return ""


def photo_fail_reason(found: Sniffed, size: int) -> str | None:
    """The status/fetch fail_reason TikTok gives a downloaded picture (None: it is acceptable)."""
    if found.format not in PHOTO_FORMATS:
        return "file_format_check_failed"
    if photo_problem(found, size):
        return "picture_size_check_failed"
    return None
