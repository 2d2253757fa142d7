"""The sandbox's demo media host (https://localhost:PORT/): files a PULL_FROM_URL post can name, and the ways a
URL goes wrong, so the whole flow (the app's checks, TikTok's download, its fail reasons) works offline.

| path | what |
|---|---|
| `/media/NAME` | a file of demo_media/ (JPEG, WebP, PNG, MP4 720x1280 and 200x200); Range works |
| `/redirect/NAME` | 302 to `/media/NAME` (TikTok does not follow redirects) |
| `/once/TOKEN/NAME` | `/media/NAME` the first time each TOKEN is asked for, 404 afterwards (a file that went away) |
| `/slow/NAME?s=SECONDS` | `/media/NAME` sent over SECONDS (a download still running: cancel it) |
| `/big.jpg` | a 21 MiB JPEG (over TikTok's 20 MB) |
| anything else | 404 |
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from core.sandbox.http import Exchange

DEMO_MEDIA = Path(__file__).with_name("demo_media")
BIG_BYTES = 21 * 1024 * 1024
TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".png": "image/png", ".mp4": "video/mp4"}


def demo_file(name: str) -> Path | None:
    """A file of demo_media by its bare name (no folders, no dot files)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name.startswith("."):
        return None
    path = DEMO_MEDIA / name
    return path if path.is_file() and path.suffix in TYPES else None


def _not_found(ex: Exchange) -> None:
    ex.send_bytes(404, b"not found\n", "text/plain")


def serve(ex: Exchange) -> None:
    """Every GET/HEAD on the media listener."""
    path = ex.url_path
    parts = path.strip("/").split("/")
    if path == "/big.jpg":
        _serve_big(ex)
    elif len(parts) == 2 and parts[0] == "media":
        _serve_file(ex, demo_file(parts[1]))
    elif len(parts) == 2 and parts[0] == "redirect" and demo_file(parts[1]) is not None:
        ex.send_bytes(302, b"", None, {"Location": f"/media/{parts[1]}"})
    elif len(parts) == 3 and parts[0] == "once":
        _serve_file(ex, demo_file(parts[2]) if ex.world.first_ask(parts[1]) else None)
    elif len(parts) == 2 and parts[0] == "slow":
        try:
            seconds = min(600.0, max(0.0, float(ex.query_one("s") or "5")))
        except ValueError:
            seconds = 5.0
        _serve_slow(ex, demo_file(parts[1]), seconds)
    else:
        _not_found(ex)


def _range(ex: Exchange, size: int) -> tuple[int, int] | None:
    """The (first, last) a Range header asks for, clipped to the file; None for the whole file."""
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", (ex.headers.get("Range") or "").strip())
    if match is None:
        return None
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else size - 1
    if first >= size:
        return None
    return first, min(last, size - 1)


def _serve_file(ex: Exchange, path: Path | None) -> None:
    if path is None:
        _not_found(ex)
        return
    size = path.stat().st_size
    wanted = _range(ex, size)
    ctype = TYPES[path.suffix]
    if wanted is None:
        ex.send_stream(200, ctype, {"Content-Length": str(size), "Accept-Ranges": "bytes"}, path, 0, size)
        return
    first, last = wanted
    headers = {"Content-Length": str(last - first + 1), "Content-Range": f"bytes {first}-{last}/{size}"}
    ex.send_stream(206, ctype, headers, path, first, last - first + 1)


def _serve_big(ex: Exchange) -> None:
    head = (DEMO_MEDIA / "photo_720x720.jpg").read_bytes()
    wanted = _range(ex, BIG_BYTES) or (0, BIG_BYTES - 1)
    first, last = wanted
    status = 206 if ex.headers.get("Range") else 200
    ex.send_response(status)
    ex.send_header("Content-Type", "image/jpeg")
    ex.send_header("Content-Length", str(last - first + 1))
    if status == 206:
        ex.send_header("Content-Range", f"bytes {first}-{last}/{BIG_BYTES}")
    ex.record()
    ex.end_headers()
    if ex.command == "HEAD":
        return
    position = first
    while position <= last:
        end = min(last + 1, position + 1024 * 1024)
        piece = bytearray(end - position)
        overlap = head[position:end]
        piece[: len(overlap)] = overlap
        ex.wfile.write(piece)
        position = end


def _serve_slow(ex: Exchange, path: Path | None, seconds: float) -> None:
    if path is None:
        _not_found(ex)
        return
    data = path.read_bytes()
    wanted = _range(ex, len(data))
    if wanted is not None:  # the app's check asks for the head: it gets it at once
        first, last = wanted
        ex.send_bytes(
            206, data[first : last + 1], TYPES[path.suffix], {"Content-Range": f"bytes {first}-{last}/{len(data)}"}
        )
        return
    ex.send_response(200)
    ex.send_header("Content-Type", TYPES[path.suffix])
    ex.send_header("Content-Length", str(len(data)))
    ex.record()
    ex.end_headers()
    if ex.command == "HEAD":
        return
    steps = max(1, int(seconds * 10))
    piece = max(1, len(data) // steps)
    for i in range(0, len(data), piece):
        ex.wfile.write(data[i : i + piece])
        ex.wfile.flush()
        time.sleep(seconds / steps)
