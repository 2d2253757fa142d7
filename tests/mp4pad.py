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
