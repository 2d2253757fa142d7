"""PUT to the upload URL: strict Content-Type/Range/Length checks, sequential chunks streamed to disk.

Responses (tiktok-api.md 1.4): 206 with `Content-Range: bytes 0-<last byte index>/<total>` while chunks
remain, 201 on the last chunk, 400 malformed headers or a short body, 403 expired URL, 404 unknown upload,
416 a range that is not the next chunk of the plan declared at init.

Re-sending the chunk that was just accepted (same range, same bytes: a client that lost the response and
retries) is answered like the first time (206, or 201 for the last chunk) and changes nothing; the same
range with different bytes gets 416.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from core.sandbox import mediacheck
from core.sandbox.http import Exchange
from core.sandbox.state import Publish, digest

PIECE = 1024 * 1024
CLAIM_WAIT_S = 0.5  # how long a PUT waits for the previous PUT of the same upload to finish
CONTENT_TYPES = ("video/mp4", "video/quicktime", "video/webm")
RANGE_RE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def _plain(ex: Exchange, status: int, headers: dict[str, str] | None = None) -> None:
    ex.send_bytes(status, b"", None, headers)


def _drain(ex: Exchange, length: int | None) -> None:
    """Read and discard the body so the client sees our answer instead of a broken pipe."""
    if length is None or length < 0 or length > 2**31:
        ex.close_connection = True
        return
    for _ in _pieces(ex, length):
        pass


def _pieces(ex: Exchange, length: int) -> Iterator[bytes]:
    """The request body, PIECE bytes at a time; a short body ends early and closes the connection."""
    left = length
    while left > 0:
        data = ex.rfile.read(min(PIECE, left))
        if not data:
            ex.close_connection = True
            return
        left -= len(data)
        yield data


def put_chunk(ex: Exchange) -> None:
    world = ex.world
    length = ex.content_length()
    upload_id, token = ex.query_one("upload_id") or "", ex.query_one("upload_token") or ""
    pub = world.publish_for_upload(upload_id)
    if pub is None or not secrets.compare_digest(pub.upload_token_hash, digest(token)):
        _drain(ex, length)
        return _plain(ex, 404)
    if time.time() - pub.upload_created_at > world.config.upload_url_ttl:
        _drain(ex, length)
        return _plain(ex, 403)
    ctype = ex.headers.get("Content-Type", "").split(";")[0].strip().lower()
    match = RANGE_RE.fullmatch(ex.headers.get("Content-Range", "").strip())
    if ex.headers.get("Transfer-Encoding") or length is None or length < 0:
        ex.close_connection = True
        return _plain(ex, 400)
    if ctype not in CONTENT_TYPES or match is None:
        _drain(ex, length)
        return _plain(ex, 400)
    first, last, total = (int(g) for g in match.groups())
    if first > last or total != pub.video_size or length != last - first + 1:
        _drain(ex, length)
        return _plain(ex, 400)
    # Chunks are sequential: no PUT while another is received (a PUT still in flight, or a dying
    # connection's, gets CLAIM_WAIT_S to end).
    if not world.claim_upload(pub.publish_id, CLAIM_WAIT_S):
        _drain(ex, length)
        return _plain(ex, 416, _progress(pub))
    try:
        index, repeat, expected = world.next_chunk(pub, first, last)
        if repeat:
            return _repeat(ex, pub, world.upload_path(pub), first, length, world.config.discard_uploads)
        if (first, last) != expected:
            _drain(ex, length)
            return _plain(ex, 416, _progress(pub))
        _accept(ex, pub, world.upload_path(pub), index, first, last, length)
    finally:
        world.release_upload(pub.publish_id)


def _accept(ex: Exchange, pub: Publish, path: Path, index: int, first: int, last: int, length: int) -> None:
    """Receive the expected chunk; commit it (hash, progress, completion) only once every byte is on disk."""
    world = ex.world
    cfg = world.config
    if world.take_fault(cfg.chunk_reset, index):
        _read_some_then_reset(ex, length)
    if not _receive(ex, path, first, length, cfg.slow_chunk_delay_s, cfg.discard_uploads):
        ex.close_connection = True
        return _plain(ex, 400)
    if world.take_fault(cfg.chunk_5xx, index):
        return _plain(ex, cfg.chunk_5xx_status)
    final = index + 1 == pub.total_chunk_count
    media_reason = None
    if final and cfg.inspect_media and not cfg.final_fail_reason:
        limit = world.profile(pub.open_id).max_video_post_duration_sec if pub.kind == "direct" else None
        media_reason = mediacheck.fail_reason(path, limit)
    ctype = ex.headers.get("Content-Type", "video/mp4").split(";")[0].strip().lower()
    world.accept_chunk(pub, index, first, last, ctype, final, media_reason)
    hang = world.take_hang(index)
    if hang > 0:  # the chunk is kept, but the answer comes only after `hang` seconds, if the client still listens
        time.sleep(hang)
        ex.close_connection = True
    if world.take_fault(cfg.chunk_drop_response, index):
        ex.drop_connection()  # the chunk is kept; the client never hears so
    _plain(ex, 201 if final else 206, _progress(pub))


def _progress(pub: Publish) -> dict[str, str]:
    if pub.received_bytes == 0:
        return {}
    return {"Content-Range": f"bytes 0-{pub.received_bytes - 1}/{pub.video_size}"}


def _receive(ex: Exchange, path: Path, offset: int, length: int, delay_s: float, discard: bool = False) -> bool:
    """Stream `length` body bytes into the file at `offset`, 1 MiB at a time; False on a short body."""
    pieces = max(1, -(-length // PIECE))
    pause = delay_s / pieces if delay_s > 0 else 0.0
    with path.open("r+b") if not discard else _NullFile() as fh:
        fh.seek(offset)
        got = 0
        for data in _pieces(ex, length):
            fh.write(data)
            got += len(data)
            if pause:
                time.sleep(pause)
        if got < length:
            fh.truncate(offset)
            return False
        fh.truncate(offset + length)
    return True


def _repeat(ex: Exchange, pub: Publish, path: Path, first: int, length: int, discard: bool = False) -> None:
    """The chunk just accepted, sent again: same bytes -> same answer, nothing changes; else 416.

    The bytes are compared with the stored chunk, so accepting a chunk costs no second hash per byte. With
    discard_uploads nothing is stored to compare with, and a repeat is taken to be the same bytes.
    """
    same = path.exists()  # a pruned upload compares unequal
    with path.open("rb") if same else _NullFile() as fh:
        fh.seek(first)
        got = 0
        for data in _pieces(ex, length):
            same = same and fh.read(len(data)) == data
            got += len(data)
    if got < length:
        return _plain(ex, 400)
    if not same and not discard:
        return _plain(ex, 416, _progress(pub))
    final = pub.completed_at is not None
    _plain(ex, 201 if final else 206, _progress(pub))


def _read_some_then_reset(ex: Exchange, length: int) -> None:
    ex.rfile.read(min(length // 2, PIECE))
    ex.drop_connection()


def sink(ex: Exchange) -> None:
    """PUT/POST /sink/: a plain byte sink for benchmarks (e.g. `curl -T FILE URL/sink/`), no checks.

    It does the same work per byte as the upload URL (write to state_dir/sink.bin) so that a client's
    throughput can be compared with curl's; `?discard=1` only reads.
    """
    length = ex.content_length()
    if ex.headers.get("Transfer-Encoding") or length is None or length < 0:
        ex.close_connection = True
        return _plain(ex, 411)
    discard = ex.query_one("discard") == "1"
    path = ex.world.sink_path
    got = 0
    with path.open("wb") if not discard else _NullFile() as fh:
        for data in _pieces(ex, length):
            fh.write(data)
            got += len(data)
    if got < length:
        return _plain(ex, 400)
    ex.send_json(201, {"bytes": length})


class _NullFile:
    def __enter__(self) -> _NullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, data: bytes) -> int:
        return len(data)

    def seek(self, offset: int) -> int:
        return offset

    def read(self, size: int) -> bytes:
        return b""

    def truncate(self, size: int) -> int:
        return size
