"""The uploader against the real sandbox: streamed chunks, exact headers, retries, 403/404/416, progress, cancel."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from core.api import TikTokClient
from core.chunks import ChunkPlan, plan_chunks
from core.context import StaticToken
from core.errors import Cancelled, NetworkError, UploadError
from core.models import PostSettings
from core.upload import BUFFER_SIZE, Uploader, _ChunkBody, _resync, content_type_for
from tests.engine_helpers import fast_client, make_video, settled_log, sha256_file

MB = 1_000_000


@pytest.fixture
def client(sandbox: Any, tmp_path: Path) -> Any:
    c = fast_client(sandbox, StaticToken(sandbox.issue_token()["access_token"]), tmp_path)
    yield c
    c.close()


def start(client: TikTokClient, plan: ChunkPlan) -> tuple[str, str]:
    init = client.init_direct(PostSettings(privacy_level="SELF_ONLY"), plan)
    return init.publish_id, init.upload_url


def uploader(client: TikTokClient) -> Uploader:
    return Uploader(client.session, backoff_base=0.01, max_attempts=4)


def puts(sb: Any, count: int) -> list[int]:
    return [r.status for r in settled_log(sb, count, "/upload")]


def test_multi_chunk_upload_arrives_intact(client: TikTokClient, sandbox: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "big.mp4", 150_000_000)
    plan = plan_chunks(video.stat().st_size)
    assert plan.count == 15
    publish_id, url = start(client, plan)
    progress: list[tuple[int, int]] = []
    chunks: list[tuple[int, int]] = []
    result = uploader(client).upload(
        url, video, plan, on_progress=lambda d, t: progress.append((d, t)), on_chunk=lambda i, n: chunks.append((i, n))
    )
    assert result.final_status == 201 and result.retries == 0 and result.bytes_sent == plan.video_size
    got = sandbox.received(publish_id)
    assert got.complete and got.size == plan.video_size and got.sha256 == sha256_file(video)
    assert chunks == [(i, 15) for i in range(1, 16)]
    assert progress[-1] == (plan.video_size, plan.video_size)
    assert len(progress) >= plan.video_size // BUFFER_SIZE  # reported per buffer
    assert all(b[0] >= a[0] for a, b in zip(progress, progress[1:], strict=False))
    assert puts(sandbox, 15) == [206] * 14 + [201]


def test_single_chunk_small_file(client: TikTokClient, sandbox: Any, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mov"
    plan = plan_chunks(video.stat().st_size)
    publish_id, url = start(client, plan)
    assert uploader(client).upload(url, video, plan).final_status == 201
    assert sandbox.received(publish_id).sha256 == sha256_file(video)


def test_5xx_on_a_chunk_is_retried(client: TikTokClient, sandbox: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 16 * MB)
    plan = plan_chunks(video.stat().st_size, 5_242_880)
    sandbox.config.chunk_5xx = {1: 2}
    publish_id, url = start(client, plan)
    result = uploader(client).upload(url, video, plan)
    assert result.retries == 2 and result.bytes_sent == plan.video_size + 2 * plan.length(1)
    assert puts(sandbox, 5) == [206, 503, 503, 206, 201]
    assert sandbox.received(publish_id).sha256 == sha256_file(video)


def test_connection_reset_mid_chunk_is_retried(client: TikTokClient, sandbox: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 16 * MB)
    plan = plan_chunks(video.stat().st_size, 5_242_880)
    sandbox.config.chunk_reset = {2: 1}
    publish_id, url = start(client, plan)
    result = uploader(client).upload(url, video, plan)
    assert result.retries == 1
    got = sandbox.received(publish_id)
    assert got.complete and got.sha256 == sha256_file(video)


def test_retries_are_bounded(client: TikTokClient, sandbox: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 11 * MB)
    plan = plan_chunks(video.stat().st_size, 5_242_880)
    sandbox.config.chunk_5xx = {0: 50}
    _, url = start(client, plan)
    with pytest.raises(NetworkError) as info:
        uploader(client).upload(url, video, plan)
    assert "chunk 1 of 2 after 4 tries" in info.value.message and info.value.exit_code == 4
    assert len(puts(sandbox, 4)) == 4


def test_expired_url_is_a_clear_error(client: TikTokClient, sandbox: Any, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    plan = plan_chunks(video.stat().st_size)
    _, url = start(client, plan)
    sandbox.config.upload_url_ttl = 0
    with pytest.raises(UploadError) as info:
        uploader(client).upload(url, video, plan)
    assert info.value.http_status == 403 and "expired" in info.value.message and info.value.hint
    assert "upload_token" not in info.value.user_text()


def test_unknown_upload_is_a_clear_error(client: TikTokClient, sandbox: Any, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    plan = plan_chunks(video.stat().st_size)
    _, url = start(client, plan)
    with pytest.raises(UploadError) as info:
        uploader(client).upload(url.replace("upload_token=", "upload_token=x"), video, plan)
    assert info.value.http_status == 404 and info.value.exit_code == 4


def test_416_resyncs_from_the_servers_progress(client: TikTokClient, sandbox: Any, tmp_path: Path) -> None:
    """Two chunks arrived but their answers were lost: the uploader's 416 tells it where to go on."""
    video = make_video(tmp_path / "v.mp4", 16 * MB)
    plan = plan_chunks(video.stat().st_size, 5_242_880)
    publish_id, url = start(client, plan)
    data = video.read_bytes()
    for i in range(2):
        first, last = plan.ranges[i]
        headers = {"Content-Type": "video/mp4", "Content-Range": plan.content_range(i)}
        with requests.put(url, data=data[first : last + 1], headers=headers, timeout=30) as resp:
            assert resp.status_code == 206
    result = uploader(client).upload(url, video, plan)
    assert result.final_status == 201
    assert puts(sandbox, 4) == [206, 206, 416, 201]
    assert sandbox.received(publish_id).sha256 == sha256_file(video)


def test_cancel_stops_inside_a_chunk(client: TikTokClient, sandbox: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 30 * MB)
    plan = plan_chunks(video.stat().st_size, 10 * MB)
    publish_id, url = start(client, plan)
    cancel = threading.Event()
    at_cancel: list[int] = []
    seen: list[int] = []

    def on_progress(done: int, total: int) -> None:
        seen.append(done)
        if done >= plan.ranges[1][0] + 2 * BUFFER_SIZE and not cancel.is_set():
            at_cancel.append(done)
            cancel.set()

    with pytest.raises(Cancelled) as info:
        uploader(client).upload(url, video, plan, on_progress=on_progress, cancel=cancel)
    assert info.value.exit_code == 130
    assert max(seen) == at_cancel[0]  # not one more buffer read after the event was set
    got = sandbox.received(publish_id)
    assert not got.complete and got.size == plan.length(0)  # chunk 2 was cut off, never accepted


def test_file_changed_since_planning(client: TikTokClient, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 6 * MB)
    plan = plan_chunks(5 * MB)
    with pytest.raises(UploadError):
        uploader(client).upload("http://127.0.0.1:9/upload/", video, plan)


def test_chunk_body_streams_in_small_buffers(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 40 * MB)
    sizes: list[int] = []
    with open(video, "rb", buffering=0) as fh:
        body = _ChunkBody(fh, 3 * MB, 30 * MB, BUFFER_SIZE, None, sizes.append)
        pieces = [len(p) for p in body]
    assert len(body) == 30 * MB and sum(pieces) == 30 * MB and max(pieces) <= BUFFER_SIZE
    assert sizes == pieces


@pytest.mark.parametrize(
    ("name", "container", "expected"),
    [
        ("a.mp4", None, "video/mp4"),
        ("a.MOV", None, "video/quicktime"),
        ("a.webm", None, "video/webm"),
        ("a.bin", "mov", "video/quicktime"),
        ("a.mp4", "webm", "video/webm"),
    ],
)
def test_content_type(name: str, container: str | None, expected: str) -> None:
    assert content_type_for(Path(name), container) == expected


def test_resync_reads_both_meanings_of_the_progress_header() -> None:
    plan = plan_chunks(50_000_123, 10_000_000)
    # "bytes 0-19999999/…": a last-byte index (20,000,000 received) or a count (19,999,999) -> chunk 3
    assert _resync(plan, 0, {19_999_999, 20_000_000}) == 2
    assert _resync(plan, 1, {20_000_000, 20_000_001}) == 2  # the count reading
    assert _resync(plan, 2, {19_999_999, 20_000_000}) == 2  # where we are: send this chunk again
    assert _resync(plan, 0, set()) == 0  # nothing received yet
    assert _resync(plan, 4, {50_000_122, 50_000_123}) == 5  # everything arrived: done
    assert _resync(plan, 1, {12_345, 12_346}) is None  # mid-chunk: out of step


def test_a_file_that_grows_during_the_upload_is_refused_before_the_last_chunk(
    client: Any, sandbox: Any, tmp_path: Path
) -> None:
    video = make_video(tmp_path / "growing.mp4", 20_000_000)
    plan = plan_chunks(20_000_000, 10_000_000)
    init = client.init_direct(PostSettings(privacy_level="SELF_ONLY"), plan)

    def grow(number: int, count: int) -> None:
        if number == 1:
            with open(video, "ab") as fh:  # an export still writing
                fh.write(b"\0" * 1000)

    with pytest.raises(UploadError, match="changed while it was uploading"):
        Uploader().upload(init.upload_url, video, plan, on_chunk=grow)
    assert not sandbox.received(init.publish_id).complete
