"""The sandbox's chunk plan rules (tiktok-api.md section 1) under the strictest reading of "MB"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.sandbox.chunkrules import (
    CHUNK_COUNT_INVALID,
    CHUNK_SIZE_INVALID,
    VIDEO_SIZE_INVALID,
    plan_problem,
)

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("video_size", "chunk_size", "count"),
    [
        (50_000_123, 10_000_000, 5),  # TikTok's worked example
        (4_194_304, 4_194_304, 1),  # TikTok's whole-file example
        (64_000_001, 10_000_000, 6),  # tiktok-api.md 1.2 vector
        (150_000_000, 10_000_000, 15),
        (64_000_000, 64_000_000, 1),  # largest file sent whole under both readings
        (1, 1, 1),
        (5 * MIB - 1, 5 * MIB - 1, 1),  # under 5 MiB: whole
        (158_008_374, 5 * MIB, 30),  # AutoPromote's accepted plan
        (128_000_000, 64_000_000, 2),
        (4_000_000_000, 10_000_000, 400),
        (10 * MIB, 5 * MIB, 2),
    ],
)
def test_plans_valid_under_every_reading_are_accepted(video_size: int, chunk_size: int, count: int) -> None:
    assert plan_problem(video_size, chunk_size, count) is None


@pytest.mark.parametrize(
    ("video_size", "chunk_size", "count", "problem"),
    [
        (50_000_123, 10_000_000, 6, CHUNK_COUNT_INVALID),  # ceil instead of floor
        (64_000_001, 10_000_000, 7, CHUNK_COUNT_INVALID),
        (64_000_001, 64_000_001, 1, CHUNK_SIZE_INVALID),  # > 64 MB as one chunk
        (100_000_000, 64_000_000, 1, CHUNK_SIZE_INVALID),  # floor gives one chunk over 64 MB
        (100_000_000, 64_000_000, 2, CHUNK_COUNT_INVALID),
        (128_000_001, 64_000_001, 1, CHUNK_SIZE_INVALID),
        (130_000_000, 64_000_001, 2, CHUNK_SIZE_INVALID),  # chunk over 64,000,000
        (100_000_000, 5_000_000, 20, CHUNK_SIZE_INVALID),  # 5 MB decimal is under the binary minimum
        (4 * MIB, 1 * MIB, 4, CHUNK_SIZE_INVALID),  # a small file must go whole
        (6_000_000, 5 * MIB, 1, CHUNK_SIZE_INVALID),  # one chunk: chunk_size must equal video_size
        (6_000_000, 6_000_000, 2, CHUNK_COUNT_INVALID),
        (20 * MIB, 5 * MIB, 0, CHUNK_COUNT_INVALID),
        (20 * MIB, 5 * MIB, 1001, CHUNK_COUNT_INVALID),
        (0, 0, 1, VIDEO_SIZE_INVALID),
        (4_000_000_001, 10_000_000, 400, VIDEO_SIZE_INVALID),
        (4_294_967_296, 10_000_000, 429, VIDEO_SIZE_INVALID),  # 4 GiB is over 4 GB
        (20 * MIB, 0, 1, CHUNK_SIZE_INVALID),
        (20 * MIB, -1, 1, CHUNK_SIZE_INVALID),
    ],
)
def test_plans_some_reading_refuses_are_rejected(video_size: int, chunk_size: int, count: int, problem: str) -> None:
    assert plan_problem(video_size, chunk_size, count) == problem


@given(st.integers(min_value=1, max_value=4_000_000_000))
def test_the_recommended_planner_is_always_accepted(video_size: int) -> None:
    # tiktok-api.md 1.2: whole up to 64,000,000 bytes, else 10,000,000-byte chunks, floor count.
    if video_size <= 64_000_000:
        chunk, count = video_size, 1
    else:
        chunk, count = 10_000_000, video_size // 10_000_000
    assert plan_problem(video_size, chunk, count) is None
    assert plan_problem(video_size, chunk, count + 1) is not None


@given(st.integers(min_value=5 * MIB + 1, max_value=4_000_000_000), st.integers(min_value=1, max_value=64_000_000))
def test_only_the_floor_count_is_accepted(video_size: int, chunk_size: int) -> None:
    floor = video_size // chunk_size
    if plan_problem(video_size, chunk_size, floor) is None and floor > 1:
        assert plan_problem(video_size, chunk_size, floor + 1) == CHUNK_COUNT_INVALID
        assert plan_problem(video_size, chunk_size, floor - 1) is not None
        assert 5 * MIB <= chunk_size <= 64_000_000
