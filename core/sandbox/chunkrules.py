"""The FILE_UPLOAD chunk plan rules of tiktok-api.md section 1, under the strictest reading of "MB".

TikTok does not say whether "MB" is 1,000,000 or 1,048,576 bytes, so the sandbox refuses anything that
either reading could refuse: a chunk is at least 5 MiB (5,242,880) and at most 64,000,000 bytes; a file
sent whole is at most 64,000,000 bytes; a file under 5 MiB is sent whole; the final chunk (chunk_size plus
the remainder) stays under 128,000,000 bytes; the whole file is at most 4,000,000,000 bytes.
"""

from __future__ import annotations

MIN_CHUNK = 5 * 1024 * 1024  # 5 MB, binary reading (the stricter minimum)
MAX_CHUNK = 64_000_000  # 64 MB, decimal reading (the stricter maximum)
MAX_LAST_CHUNK = 128_000_000
MAX_VIDEO = 4_000_000_000  # 4 GB, decimal reading
MAX_CHUNKS = 1000

CHUNK_SIZE_INVALID = "The chunk size is invalid"
CHUNK_COUNT_INVALID = "The total chunk count is invalid"
VIDEO_SIZE_INVALID = "The video size is invalid"


def plan_problem(video_size: int, chunk_size: int, total_chunk_count: int) -> str | None:
    """The init error message for a declared plan, or None when TikTok accepts it under every reading."""
    if video_size <= 0 or video_size > MAX_VIDEO:
        return VIDEO_SIZE_INVALID
    if chunk_size <= 0:
        return CHUNK_SIZE_INVALID
    if total_chunk_count < 1 or total_chunk_count > MAX_CHUNKS:
        return CHUNK_COUNT_INVALID
    whole = total_chunk_count == 1 or video_size < MIN_CHUNK or chunk_size >= video_size
    if whole:
        # Sent in one piece: chunk_size must be the file size, and the file must fit one chunk.
        if chunk_size != video_size or video_size > MAX_CHUNK:
            return CHUNK_SIZE_INVALID
        if total_chunk_count != 1:
            return CHUNK_COUNT_INVALID
        return None
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        return CHUNK_SIZE_INVALID
    if total_chunk_count != video_size // chunk_size:
        return CHUNK_COUNT_INVALID
    last = video_size - (total_chunk_count - 1) * chunk_size
    if last > MAX_LAST_CHUNK:
        return CHUNK_SIZE_INVALID
    return None
