"""The FILE_UPLOAD chunk planner (tiktok-api.md §1.1-1.2), valid whether TikTok's "MB" is 10^6 or 2^20 bytes."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InputError

MB = 1_000_000
MIB = 1024 * 1024

# Bounds valid under both readings of "MB": the larger minimum and the smaller maximums.
MIN_CHUNK = 5 * MIB  # 5,242,880: at least 5 MB under either reading
MAX_CHUNK = 64 * MB  # 64,000,000: at most 64 MB under either reading
MAX_LAST_CHUNK = 128 * MB  # the final chunk may grow up to 128 MB
WHOLE_FILE_MAX = 64 * MB  # a file up to this size may go as one chunk
DEFAULT_CHUNK = 10 * MB  # TikTok's own example value
TARGET_CHUNKS = 16  # beyond 16 chunks of 10 MB, chunks grow (up to MAX_CHUNK) rather than their number
MAX_CHUNKS = 1000
MAX_VIDEO_SIZE = 4 * 1024**3  # 4 GB under the larger reading; the media check applies the real limit


@dataclass(frozen=True)
class ChunkPlan:
    """How one file is cut: init's chunk_size/total_chunk_count and each PUT's inclusive byte range."""

    video_size: int
    chunk_size: int
    count: int
    ranges: tuple[tuple[int, int], ...]  # (first byte, last byte), inclusive, 0-based

    def content_range(self, index: int) -> str:
        first, last = self.ranges[index]
        return f"bytes {first}-{last}/{self.video_size}"

    def length(self, index: int) -> int:
        first, last = self.ranges[index]
        return last - first + 1


def _make(video_size: int, chunk_size: int, count: int) -> ChunkPlan:
    ranges = tuple((i * chunk_size, (i + 1) * chunk_size - 1) for i in range(count - 1))
    ranges += (((count - 1) * chunk_size, video_size - 1),)
    return ChunkPlan(video_size, chunk_size, count, ranges)


def _whole(video_size: int) -> ChunkPlan:
    return ChunkPlan(video_size, video_size, 1, ((0, video_size - 1),))


def default_chunk_size(video_size: int) -> int:
    """The chunk size used when the user names none, for a file over 64 MB.

    TikTok's example 10,000,000 bytes (tiktok-api.md 1.2) up to 16 chunks; a bigger file is cut into 16 equal
    chunks (the few leftover bytes go to the last one) until they reach 64,000,000 bytes, then into 64,000,000-byte
    chunks (at most 67 for 4 GiB). Every chunk is one request that waits for its answer, a round trip that adds
    up over a real connection (100 of them for 1 GB at 10 MB), while a failed chunk costs at most 64 MB resent.
    """
    return min(MAX_CHUNK, max(DEFAULT_CHUNK, video_size // TARGET_CHUNKS))


def plan_chunks(video_size: int, chunk_size: int | None = None) -> ChunkPlan:
    """Plan the upload of a `video_size`-byte file; `chunk_size` None (or 0) lets the planner choose.

    Raises InputError, before anything is sent, for an empty or too large file or a chunk size TikTok would refuse.
    """
    if video_size <= 0:
        raise InputError("The video file is empty.", "Choose a real video file.")
    if video_size > MAX_VIDEO_SIZE:
        raise InputError(
            f"The video is {video_size:,} bytes; TikTok accepts at most 4 GB.", "Compress or trim the video."
        )
    if not chunk_size:
        if video_size <= WHOLE_FILE_MAX:
            return _whole(video_size)
        chunk = default_chunk_size(video_size)
        return _make(video_size, chunk, video_size // chunk)
    if chunk_size < MIN_CHUNK or chunk_size > MAX_CHUNK:
        raise InputError(
            f"Chunk size {chunk_size:,} bytes is outside TikTok's limits.",
            f"Choose a chunk size between {MIN_CHUNK:,} and {MAX_CHUNK:,} bytes, or leave it out.",
        )
    count = video_size // chunk_size
    if count <= 1:
        if video_size <= WHOLE_FILE_MAX:
            return _whole(video_size)  # one chunk: chunk_size must equal video_size
        raise InputError(
            f"Chunk size {chunk_size:,} bytes would send this {video_size:,}-byte video as one chunk over 64 MB.",
            f"Choose a chunk size of at most {video_size // 2:,} bytes, or leave it out.",
        )
    if count > MAX_CHUNKS:
        raise InputError(
            f"Chunk size {chunk_size:,} bytes would cut this video into {count} chunks; TikTok allows at most 1000.",
            f"Choose a chunk size of at least {-(-video_size // MAX_CHUNKS):,} bytes, or leave it out.",
        )
    plan = _make(video_size, chunk_size, count)
    if plan.length(count - 1) > MAX_LAST_CHUNK:  # cannot happen with chunk_size <= 64 MB; kept as a guard
        raise InputError(f"The last chunk would exceed 128 MB with chunk size {chunk_size:,}.", "Choose a smaller one.")
    return plan


def plan_from(video_size: int, chunk_size: int, count: int) -> ChunkPlan:
    """The plan an earlier init declared (a resumed upload must keep it), from its recorded numbers."""
    if count <= 1:
        return _whole(video_size)
    return _make(video_size, chunk_size, count)
