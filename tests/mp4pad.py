"""Make a large valid MP4 that takes no disk: a real short MP4 followed by a sparse ISO-BMFF `free` box."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

_SMALL_HEADER = 8  # 32-bit size + type
_LARGE_HEADER = 16  # size field 1 + type + 64-bit largesize


def pad_mp4(source: Path, dest: Path, total_size: int) -> Path:
    """Copy `source` (a complete MP4 ending on a box boundary) to `dest`, padded to exactly `total_size` bytes.

    The padding is one top-level `free` box whose body is a hole (truncate, not write), so a 4 GB file
    costs a few KB of disk on filesystems with sparse files (ext4, xfs, btrfs, tmpfs, APFS, NTFS).
    """
    shutil.copyfile(source, dest)
    base = dest.stat().st_size
    box = total_size - base
    if box < _SMALL_HEADER:
        raise ValueError(f"total_size must be at least {base + _SMALL_HEADER} bytes")
    with open(dest, "r+b") as out:
        out.seek(base)
        if box <= 0xFFFFFFFF:
            out.write(struct.pack(">I4s", box, b"free"))
        else:
            out.write(struct.pack(">I4sQ", 1, b"free", box))
        out.truncate(total_size)
    return dest


def _boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """Top-level (type, whole box) pairs of a small MP4 with 32-bit box sizes."""
    boxes, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size < 8:
            raise ValueError("only 32-bit box sizes are supported")
        boxes.append((kind, data[offset : offset + size]))
        offset += size
    return boxes


def pad_mdat(source: Path, dest: Path, total_size: int) -> Path:
    """Like pad_mp4, but for an MP4 whose index (moov) follows its media (mdat), as cameras write them.

    The mdat box grows by a sparse hole after the real media, so the index ends up `total_size` bytes
    into the file: a reader must seek past gigabytes to find it. The chunk offsets stay valid because the
    media keeps its position. Limited to total sizes below 4 GiB (a 32-bit mdat size).
    """
    boxes = _boxes(source.read_bytes())
    kinds = [kind for kind, _ in boxes]
    if b"moov" not in kinds or b"mdat" not in kinds or kinds.index(b"moov") < kinds.index(b"mdat"):
        raise ValueError("source must have its moov after its mdat")
    grow = total_size - source.stat().st_size
    if grow < 0 or total_size > 0xFFFFFFFF:
        raise ValueError("total_size must be at least the source size and below 4 GiB")
    with open(dest, "wb") as out:
        for kind, box in boxes:
            if kind == b"mdat":
                out.write(struct.pack(">I", len(box) + grow) + box[4:])
                out.seek(grow, 1)  # the hole: no disk used
            else:
                out.write(box)
    return dest
