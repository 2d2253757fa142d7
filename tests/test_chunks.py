"""The chunk planner: TikTok's worked examples, the check vectors, and properties over every size up to 4 GB."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.chunks import (
    DEFAULT_CHUNK,
    MAX_CHUNK,
    MAX_CHUNKS,
    MAX_LAST_CHUNK,
    MAX_VIDEO_SIZE,
    MIN_CHUNK,
    WHOLE_FILE_MAX,
    ChunkPlan,
    default_chunk_size,
    plan_chunks,
)
from core.errors import InputError

SIZES = st.integers(min_value=1, max_value=MAX_VIDEO_SIZE)
CHUNKS = st.integers(min_value=MIN_CHUNK, max_value=MAX_CHUNK)


def check_invariants(plan: ChunkPlan) -> None:
    """What every plan must satisfy, under both readings of TikTok's "MB"."""
    assert plan.count == len(plan.ranges)
    assert 1 <= plan.count <= MAX_CHUNKS
    assert plan.ranges[0][0] == 0
    assert plan.ranges[-1][1] == plan.video_size - 1
    for (_, last), (first, _) in zip(plan.ranges, plan.ranges[1:], strict=False):
        assert first == last + 1  # contiguous, no gap, no overlap
    for i in range(plan.count - 1):
        assert plan.length(i) == plan.chunk_size
    assert plan.count == plan.video_size // plan.chunk_size or plan.count == 1  # floor
    if plan.count == 1:
        assert plan.chunk_size == plan.video_size <= WHOLE_FILE_MAX
    else:
        assert MIN_CHUNK <= plan.chunk_size <= MAX_CHUNK
        assert plan.chunk_size <= plan.length(plan.count - 1) <= MAX_LAST_CHUNK
    if plan.video_size > WHOLE_FILE_MAX:
        assert plan.count >= 2
    if plan.video_size < MIN_CHUNK:
        assert plan.count == 1


def test_tiktok_worked_example_50_000_123() -> None:
    plan = plan_chunks(50_000_123, 10_000_000)
    assert plan.count == 5 and plan.chunk_size == 10_000_000
    assert plan.ranges == (
        (0, 9_999_999),
        (10_000_000, 19_999_999),
        (20_000_000, 29_999_999),
        (30_000_000, 39_999_999),
        (40_000_000, 50_000_122),
    )
    assert plan.content_range(4) == "bytes 40000000-50000122/50000123"
    assert plan.length(4) == 10_000_123


def test_tiktok_whole_file_example() -> None:
    plan = plan_chunks(4_194_304)
    assert (plan.chunk_size, plan.count) == (4_194_304, 1)
    assert plan.content_range(0) == "bytes 0-4194303/4194304"


def test_default_planner_vectors() -> None:
    plan = plan_chunks(64_000_000)
    assert (plan.count, plan.chunk_size) == (1, 64_000_000)
    plan = plan_chunks(64_000_001)
    assert (plan.count, plan.chunk_size) == (6, DEFAULT_CHUNK)
    assert plan.ranges[-1] == (50_000_000, 64_000_000) and plan.length(5) == 14_000_001
    plan = plan_chunks(150_000_000)
    assert plan.count == 15 and plan.length(14) == 10_000_000
    plan = plan_chunks(160_000_000)  # the last size cut into 10 MB chunks: 16 of them
    assert (plan.count, plan.chunk_size) == (16, DEFAULT_CHUNK)


def test_big_files_get_bigger_chunks_not_more_requests() -> None:
    plan = plan_chunks(160_000_001)  # 16 chunks; the leftover byte goes to the last
    assert (plan.count, plan.chunk_size, plan.length(15)) == (16, 10_000_000, 10_000_001)
    plan = plan_chunks(1_000_000_000)
    assert (plan.count, plan.chunk_size) == (16, 62_500_000) and plan.ranges[-1] == (937_500_000, 999_999_999)
    plan = plan_chunks(1_024_000_000)
    assert (plan.count, plan.chunk_size) == (16, MAX_CHUNK)
    plan = plan_chunks(4 * 1024**3)  # 64 MB chunks from there on: 67 requests for 4 GiB, not 429
    assert (plan.count, plan.chunk_size) == (67, MAX_CHUNK)
    assert plan.ranges[-1] == (4_224_000_000, 4_294_967_295) and plan.length(66) == 70_967_296
    assert all(default_chunk_size(size) == DEFAULT_CHUNK for size in (64_000_001, 100_000_000, 160_000_015))


def test_zero_chunk_size_means_default() -> None:
    assert plan_chunks(150_000_000, 0) == plan_chunks(150_000_000)


@pytest.mark.parametrize(
    ("size", "chunk", "words"),
    [
        (100_000_000, MIN_CHUNK - 1, "outside"),
        (100_000_000, MAX_CHUNK + 1, "outside"),
        (100_000_000, 64 * 1024 * 1024, "outside"),  # 64 MiB is over 64 MB under the decimal reading
        (100_000_000, 60_000_000, "one chunk over 64 MB"),  # floor would give a single 100 MB chunk
        (1000, 1, "outside"),  # a bad chunk size is refused even for a tiny file
    ],
)
def test_bad_chunk_sizes_are_refused_with_a_message(size: int, chunk: int, words: str) -> None:
    with pytest.raises(InputError) as info:
        plan_chunks(size, chunk)
    assert words in str(info.value) and info.value.hint
    assert info.value.exit_code == 2


@pytest.mark.parametrize("size", [0, -1, MAX_VIDEO_SIZE + 1])
def test_bad_sizes_are_refused(size: int) -> None:
    with pytest.raises(InputError):
        plan_chunks(size)


def test_small_files_go_whole_whatever_the_chunk_size() -> None:
    assert plan_chunks(MIN_CHUNK - 1, MIN_CHUNK).count == 1
    assert plan_chunks(5_000_000, MIN_CHUNK).chunk_size == 5_000_000
    plan = plan_chunks(20_000_000, 6_000_000)  # a file under 64 MB may still be split when asked
    assert plan.count == 3 and plan.length(2) == 8_000_000
    assert plan_chunks(20_000_000, 15_000_000).count == 1  # floor gives 1: whole, chunk_size == video_size


@settings(max_examples=400, deadline=None)
@given(SIZES)
def test_default_plan_properties(size: int) -> None:
    plan = plan_chunks(size)
    check_invariants(plan)
    if size > WHOLE_FILE_MAX:
        assert plan.chunk_size == min(MAX_CHUNK, max(DEFAULT_CHUNK, size // 16))
        if plan.chunk_size == DEFAULT_CHUNK:
            assert 6 <= plan.count <= 16
        elif plan.chunk_size < MAX_CHUNK:
            assert plan.count == 16
        else:
            assert 16 <= plan.count <= 67


@settings(max_examples=400, deadline=None)
@given(SIZES, CHUNKS)
def test_user_chunk_size_properties(size: int, chunk: int) -> None:
    try:
        plan = plan_chunks(size, chunk)
    except InputError:
        # Refused only when no valid plan with that chunk size exists.
        count = size // chunk
        assert count > MAX_CHUNKS or (count <= 1 and size > WHOLE_FILE_MAX)
        return
    check_invariants(plan)
    if plan.count > 1:
        assert plan.chunk_size == chunk


@settings(max_examples=200, deadline=None)
@given(SIZES, st.one_of(st.integers(min_value=1, max_value=MIN_CHUNK - 1), st.integers(min_value=MAX_CHUNK + 1)))
def test_out_of_bounds_chunk_sizes_always_refused(size: int, chunk: int) -> None:
    with pytest.raises(InputError):
        plan_chunks(size, chunk)
