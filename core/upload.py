"""Chunked FILE_UPLOAD to TikTok's upload URL: streamed from disk, retried per chunk, cancellable mid-chunk."""

from __future__ import annotations

import io
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import requests

from core.chunks import ChunkPlan
from core.errors import Cancelled, NetworkError, UploadError
from core.models import ProgressCallback
from core.transport import cut_on_cancel, tracking_session

log = logging.getLogger(__name__)
# urllib3 logs each request line at DEBUG, and an upload URL's query string holds its upload token.
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)

BUFFER_SIZE = 1024 * 1024  # bytes read and sent at a time: memory stays near this, whatever the chunk size
MAX_ATTEMPTS = 6  # per chunk
BACKOFF_BASE = 1.0  # seconds; doubles per failed attempt, with jitter
BACKOFF_MAX = 30.0
CONTENT_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}
CONTAINER_TYPES = {
    "mp4": "video/mp4",
    "mpeg-4": "video/mp4",
    "quicktime": "video/quicktime",
    "mov": "video/quicktime",
    "webm": "video/webm",
}

ChunkCallback = Callable[[int, int], None]  # (1-based chunk number, chunk count), before each chunk is sent
RetryCallback = Callable[[int, int, int], None]  # (1-based chunk number, the try about to start, tries allowed)
AckCallback = Callable[[int], None]  # bytes TikTok has acknowledged (a chunk boundary), after each accepted chunk


def content_type_for(path: Path, container: str | None = None) -> str:
    """The upload Content-Type: from the container the media check found, else from the file extension."""
    if container:
        found = CONTAINER_TYPES.get(container.strip().lower())
        if found:
            return found
    return CONTENT_TYPES.get(path.suffix.lower(), "video/mp4")


@dataclass(frozen=True)
class UploadResult:
    """The end of an upload: every chunk accepted, with the final HTTP status (201)."""

    chunks: int
    bytes_sent: int  # including re-sent bytes of retried chunks
    retries: int
    final_status: int


class _ChunkBody:
    """A request body streaming one byte range of an open file, BUFFER_SIZE at a time, with exact length.

    Checks the cancel event before every buffer and reports progress after every buffer.
    """

    def __init__(
        self,
        fh: io.FileIO,
        first: int,
        length: int,
        buffer_size: int,
        cancel: threading.Event | None,
        on_bytes: Callable[[int], None],
    ) -> None:
        self._fh = fh
        self._first = first
        self._length = length
        self._buffer_size = buffer_size
        self._cancel = cancel
        self._on_bytes = on_bytes
        self.sent_all = False  # every byte of this range was handed to the connection

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[memoryview]:
        # One reused buffer: no allocation (and no page faults) per piece; each piece is sent before the next read.
        buffer = memoryview(bytearray(min(self._buffer_size, self._length)))
        self._fh.seek(self._first)
        left = self._length
        while left > 0:
            if self._cancel is not None and self._cancel.is_set():
                raise Cancelled("Upload cancelled.", "The upload can be resumed.")
            want = min(len(buffer), left)
            got = self._fh.readinto(buffer[:want])
            if not got:
                raise UploadError("The video file got shorter while it was being uploaded.", "Post it again.")
            left -= got
            yield buffer[:got]
            self._on_bytes(got)
        self.sent_all = True


_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+)")


def _server_progress(resp: requests.Response) -> set[int]:
    """Byte counts the server may have: its Content-Range end read as a last-byte index or as a count."""
    match = _RANGE.search(resp.headers.get("Content-Range", ""))
    if not match:
        return set()
    end = int(match.group(2))
    return {end, end + 1}


def _file_state(path: Path) -> tuple[int, int, str]:
    """Size, mtime and a hash of the first and last MiB: what must not change between the first and last chunk."""
    from core.history import fingerprint

    st = path.stat()
    return (st.st_size, st.st_mtime_ns, fingerprint(path))


class _Meter:
    """Counts one attempt's bytes and reports file-wide progress."""

    def __init__(self, start: int, total: int, on_progress: ProgressCallback | None) -> None:
        self.start = start
        self.total = total
        self.sent = 0
        self.on_progress = on_progress

    def add(self, n: int) -> None:
        self.sent += n
        if self.on_progress is not None:
            self.on_progress(self.start + self.sent, self.total)


def _resync(plan: ChunkPlan, index: int, server_has: set[int]) -> int | None:
    """After a 416: the index of the chunk to send next, when the server's progress sits on a chunk boundary."""
    if not server_has:  # no Content-Range: nothing received yet
        server_has = {0}
    for have in sorted(server_has, reverse=True):
        if have >= plan.video_size:
            return plan.count
        for j, (first, _) in enumerate(plan.ranges):
            if first == have:
                return j  # j == index: the server is still busy with an earlier try of this chunk; send it again
    return None


class Uploader:
    """Uploads one planned file to one upload URL, chunk by chunk, in order.

    Retries the same chunk on 5xx, timeouts and dropped connections (exponential backoff with jitter, bounded);
    403 (URL expired), 404 (no upload task) and 400 are final; 416 re-syncs from the server's Content-Range.
    Uses its own connection (a `session` given only lends its TLS settings), never follows a redirect, and cuts
    the connection as soon as `cancel` is set. `all_sent` tells afterwards whether every byte of the file was
    handed to the network (the last chunk included), whatever the server answered.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_base: float = BACKOFF_BASE,
        backoff_max: float = BACKOFF_MAX,
        buffer_size: int = BUFFER_SIZE,
        timeout: tuple[float, float] = (10.0, 120.0),
    ) -> None:
        self.session, self._adapter = tracking_session()
        if session is not None:
            self.session.verify = session.verify
            self.session.cert = session.cert
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.buffer_size = buffer_size
        self.timeout = timeout
        self.all_sent = False

    def close(self) -> None:
        self.session.close()

    def upload(
        self,
        upload_url: str,
        path: Path,
        plan: ChunkPlan,
        *,
        content_type: str | None = None,
        on_progress: ProgressCallback | None = None,
        on_chunk: ChunkCallback | None = None,
        on_ack: AckCallback | None = None,
        on_retry: RetryCallback | None = None,
        cancel: threading.Event | None = None,
        start_index: int = 0,
    ) -> UploadResult:
        """Send chunks start_index.. of the plan (a resumed upload starts where TikTok's progress is)."""
        self.all_sent = False
        with cut_on_cancel(self._adapter, cancel):
            return self._upload(
                upload_url, path, plan, content_type, on_progress, on_chunk, on_ack, on_retry, cancel, start_index
            )

    def _upload(
        self,
        upload_url: str,
        path: Path,
        plan: ChunkPlan,
        content_type: str | None,
        on_progress: ProgressCallback | None,
        on_chunk: ChunkCallback | None,
        on_ack: AckCallback | None,
        on_retry: RetryCallback | None,
        cancel: threading.Event | None,
        start_index: int,
    ) -> UploadResult:
        ctype = content_type or content_type_for(path)
        total_sent = 0
        retries = 0
        final = 0
        with open(path, "rb", buffering=0) as fh:
            size = fh.seek(0, 2)
            if size != plan.video_size:
                raise UploadError(
                    f"The video file changed size ({size:,} bytes, planned {plan.video_size:,}).", "Post it again."
                )
            before = _file_state(path)
            index = max(0, min(start_index, plan.count))
            if index and on_progress is not None:
                on_progress(plan.ranges[index][0] if index < plan.count else plan.video_size, plan.video_size)
            resyncs = 0
            while index < plan.count:
                if index == plan.count - 1 and _file_state(path) != before:
                    raise UploadError(
                        "The video file changed while it was uploading (it grew, shrank or was rewritten), so "
                        "TikTok would not get the video you checked. Nothing was posted.",
                        "Wait until the file is complete (an export or a copy still running?), then post it again.",
                    )
                if on_chunk is not None:
                    on_chunk(index + 1, plan.count)
                attempt = 0
                while True:
                    if cancel is not None and cancel.is_set():
                        raise Cancelled("Upload cancelled.", "The upload can be resumed.")
                    meter = _Meter(plan.ranges[index][0], plan.video_size, on_progress)
                    outcome, server_has = self._put_once(fh, upload_url, plan, index, ctype, cancel, meter.add)
                    total_sent += meter.sent
                    if cancel is not None and cancel.is_set() and outcome not in (201, 206):
                        raise Cancelled("Upload cancelled.", "The upload can be resumed.")
                    if outcome in (201, 206):
                        final = int(outcome)
                        index += 1
                        if on_ack is not None:
                            on_ack(plan.ranges[index][0] if index < plan.count else plan.video_size)
                        break
                    resumed = _resync(plan, index, server_has) if outcome == 416 else None
                    if outcome == 416 and resumed != index:
                        if resumed is None or resyncs >= 3:
                            raise UploadError(
                                f"TikTok's upload server is out of step at chunk {index + 1} of {plan.count} "
                                "(HTTP 416).",
                                "Post the video again.",
                                416,
                            )
                        resyncs += 1
                        log.info(
                            "chunk %d/%d: 416, server progress %s; resuming at chunk %d",
                            index + 1,
                            plan.count,
                            sorted(server_has),
                            resumed + 1,
                        )
                        final = 201 if resumed >= plan.count else 206
                        index = resumed
                        if on_ack is not None:
                            on_ack(plan.ranges[index][0] if index < plan.count else plan.video_size)
                        break
                    attempt += 1
                    if attempt >= self.max_attempts:
                        raise NetworkError(
                            f"The upload stopped: TikTok's upload server did not take chunk {index + 1} of "
                            f"{plan.count} after {attempt} tries (last: {outcome}).",
                            "Check the internet connection, then post again: the upload resumes where it stopped.",
                        )
                    if on_retry is not None:
                        on_retry(index + 1, attempt + 1, self.max_attempts)
                    retries += 1
                    pause = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
                    log.info("chunk %d/%d: %s; retry %d in %.2f s", index + 1, plan.count, outcome, attempt, pause)
                    if on_progress is not None:
                        on_progress(plan.ranges[index][0], plan.video_size)
                    if cancel is not None:
                        if cancel.wait(pause):
                            raise Cancelled("Upload cancelled.", "The upload can be resumed.")
                    else:
                        time.sleep(pause)
        self.all_sent = True
        return UploadResult(plan.count, total_sent, retries, final)

    def _put_once(
        self,
        fh: io.FileIO,
        upload_url: str,
        plan: ChunkPlan,
        index: int,
        ctype: str,
        cancel: threading.Event | None,
        on_bytes: Callable[[int], None],
    ) -> tuple[int | str, set[int]]:
        """One PUT of one chunk: (HTTP status 201/206/416 or a retryable failure label, the server's progress)."""
        first, _ = plan.ranges[index]
        length = plan.length(index)
        headers = {"Content-Type": ctype, "Content-Length": str(length), "Content-Range": plan.content_range(index)}
        body = _ChunkBody(fh, first, length, self.buffer_size, cancel, on_bytes)
        try:
            with self.session.put(
                upload_url,
                data=cast(Iterable[bytes], body),
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            ) as resp:
                if body.sent_all and index == plan.count - 1:
                    self.all_sent = True
                status = resp.status_code
                server_has = _server_progress(resp)
                resp.content  # noqa: B018 - drain the body so the connection can be reused
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            if body.sent_all and index == plan.count - 1:
                self.all_sent = True  # the server has (or may have) every byte; only its answer is missing
            return type(exc).__name__, set()
        if status in (201, 206, 416):
            return status, server_has
        if status >= 500 or status == 408 or status == 429:
            return f"HTTP {status}", server_has
        n = f"chunk {index + 1} of {plan.count}"
        if status == 403:
            raise UploadError(
                f"TikTok's upload link expired at {n} (HTTP 403); links are valid for one hour.",
                "Post the video again; on a slow connection try a smaller file.",
                403,
            )
        if status == 404:
            raise UploadError(
                f"TikTok has no upload waiting at this link ({n}, HTTP 404).", "Post the video again.", 404
            )
        raise UploadError(f"TikTok's upload server refused {n} (HTTP {status}).", "Post the video again.", status)
