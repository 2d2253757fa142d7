"""publish() and resume_status() end to end against the sandbox: happy paths, faults, preflight, history."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from core.api import TikTokClient
from core.context import StaticToken
from core.errors import ApiError, Cancelled, Detached, DuplicateError, InputError, PublishFailed
from core.history import History
from core.models import PostSettings, Stage
from core.pipeline import publish, resume_status
from core.upload import Uploader
from tests.engine_helpers import SandboxRefreshTokens, fast_client, make_video, settled_log, sha256_file

FAST = {"poll_intervals": (0.1,)}
PRIVATE = PostSettings(privacy_level="SELF_ONLY", title="Hello #clipship")


@pytest.fixture
def sb(sandbox: Any) -> Any:
    sandbox.config.processing_delay_s = 0.2
    sandbox.config.moderation_delay_s = 0.2
    return sandbox


@pytest.fixture
def client(sb: Any, tmp_path: Path) -> Any:
    c = fast_client(sb, StaticToken(sb.issue_token()["access_token"]), tmp_path)
    yield c
    c.close()


@pytest.fixture
def history(tmp_path: Path) -> Any:
    h = History.in_dir(tmp_path / "data")
    yield h
    h.close()


@pytest.fixture
def video(media: Path) -> Path:
    return media / "h264_720x1280_30fps.mp4"


def paths(sb: Any) -> list[str]:
    return [r.path for r in sb.request_log]


def test_direct_post_end_to_end(client: TikTokClient, sb: Any, video: Path, history: History) -> None:
    stages: list[tuple[Stage, str]] = []
    progress: list[tuple[int, int]] = []
    settings = PostSettings(
        privacy_level="PUBLIC_TO_EVERYONE",
        title="Launch day 🚀 #clipship @friend",
        disable_comment=False,
        disable_duet=True,
        disable_stitch=False,
        video_cover_timestamp_ms=500,
        brand_organic_toggle=True,
        is_aigc=True,
    )
    result = publish(
        client,
        video,
        settings,
        on_stage=lambda s, d: stages.append((s, d)),
        on_progress=lambda d, t: progress.append((d, t)),
        history=history,
        account="acct",
        **FAST,
    )
    assert result.status == "PUBLISH_COMPLETE" and result.fail_reason is None
    assert (result.video_size, result.chunk_size, result.chunk_count) == (video.stat().st_size,) * 2 + (1,)
    assert sb.received(result.publish_id).sha256 == sha256_file(video)
    order = [s for s, _ in stages]
    assert order[0] == Stage.CHECKING and order[-1] == Stage.PUBLISHED
    assert (Stage.UPLOADING, "chunk 1 of 1") in stages and Stage.PROCESSING in order
    assert order.index(Stage.INITIALIZING) < order.index(Stage.UPLOADING) < order.index(Stage.PROCESSING)
    assert progress[-1] == (result.video_size, result.video_size)
    sent = sb.state.publishes[result.publish_id].post_info
    assert sent["title"] == settings.title and sent["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert sent["disable_comment"] is False and sent["disable_duet"] is True and sent["is_aigc"] is True
    assert sent["brand_organic_toggle"] is True and sent["brand_content_toggle"] is False
    assert sent["video_cover_timestamp_ms"] == 500
    record = history.get(result.publish_id)
    assert record is not None and record.status == "PUBLISH_COMPLETE" and record.account == "acct"
    assert record.log_ids and record.fingerprint.startswith(f"{video.stat().st_size}:")
    statuses = [s for _, s, _ in history.events(result.publish_id)]
    assert statuses[:4] == ["CHECKING", "INITIATED", "UPLOADING", "PROCESSING_UPLOAD"]
    assert statuses[-1] == "PUBLISH_COMPLETE"


def test_draft_goes_to_the_inbox(client: TikTokClient, sb: Any, video: Path, history: History) -> None:
    stages: list[Stage] = []
    result = publish(
        client, video, PostSettings(draft=True), on_stage=lambda s, d: stages.append(s), history=history, **FAST
    )
    assert result.status == "SEND_TO_USER_INBOX" and result.publish_id.startswith("v_inbox_file")
    assert stages[-1] == Stage.SENT_TO_INBOX
    assert "/v2/post/publish/inbox/video/init/" in paths(sb) and "/v2/post/publish/video/init/" not in paths(sb)
    assert history.attempts()[0].draft


def test_multi_chunk_150_mb(client: TikTokClient, sb: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "long.mp4", 150_000_000)
    chunks: list[str] = []
    result = publish(
        client, video, PRIVATE, on_stage=lambda s, d: chunks.append(d) if s == Stage.UPLOADING else None, **FAST
    )
    assert result.status == "PUBLISH_COMPLETE" and result.chunk_count == 15 and result.chunk_size == 10_000_000
    assert chunks[2] == "chunk 3 of 15" and len(chunks) == 15
    assert sb.received(result.publish_id).sha256 == sha256_file(video)


def test_no_wait_returns_after_the_upload(client: TikTokClient, sb: Any, video: Path, history: History) -> None:
    stages: list[Stage] = []
    result = publish(client, video, PRIVATE, wait=False, history=history, on_stage=lambda s, d: stages.append(s))
    assert result.status == "PROCESSING_UPLOAD" and stages[-1] == Stage.UPLOADED
    assert not any("status/fetch" in p for p in paths(sb))
    resumed = resume_status(client, result.publish_id, history, **FAST)
    assert resumed.status == "PUBLISH_COMPLETE" and resumed.video_size == result.video_size
    record = history.get(result.publish_id)
    assert record is not None and record.status == "PUBLISH_COMPLETE"


def test_failed_reason_raises_publish_failed(client: TikTokClient, sb: Any, video: Path, history: History) -> None:
    sb.config.final_fail_reason = "frame_rate_check_failed"
    with pytest.raises(PublishFailed) as info:
        publish(client, video, PRIVATE, history=history, **FAST)
    err = info.value
    assert err.fail_reason == "frame_rate_check_failed" and err.exit_code == 1 and "23-60" in err.message
    assert err.result is not None and err.result.status == "FAILED"
    record = history.get(err.publish_id)
    assert record is not None and record.status == "FAILED" and record.fail_reason == "frame_rate_check_failed"


def test_token_expiry_mid_post_is_refreshed(sb: Any, tmp_path: Path) -> None:
    tokens = SandboxRefreshTokens(sb, sb.issue_token())
    video = make_video(tmp_path / "v.mp4", 16_000_000)
    sb.config.token_expire_after_calls = 2  # creator_info and init pass; the first status fetch gets a 401
    with fast_client(sb, tokens, tmp_path) as c:
        result = publish(c, video, PRIVATE, chunk_size=5_242_880, **FAST)
    assert result.status == "PUBLISH_COMPLETE" and tokens.refreshes == 1
    assert tokens.ensured and tokens.ensured[0] >= 600  # asked for a token that outlives the upload
    codes = [r.error_code for r in settled_log(sb, 1, "status/fetch")]
    assert "access_token_invalid" in codes


def test_faults_during_a_post_are_survived(client: TikTokClient, sb: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 12_000_000)
    sb.config.chunk_5xx = {0: 1}
    sb.config.chunk_reset = {1: 1}
    sb.config.force_429 = {"status": 2, "creator_info": 1}
    sb.config.init_5xx = 1
    up = Uploader(client.session, backoff_base=0.01)
    result = publish(client, video, PRIVATE, chunk_size=6_000_000, uploader=up, **FAST)
    assert result.status == "PUBLISH_COMPLETE"
    assert sb.received(result.publish_id).sha256 == sha256_file(video)


def test_cancel_mid_upload(client: TikTokClient, sb: Any, tmp_path: Path, history: History) -> None:
    video = make_video(tmp_path / "v.mp4", 30_000_000)
    cancel = threading.Event()
    stages: list[Stage] = []

    def on_progress(done: int, total: int) -> None:
        if done > 12_000_000:
            cancel.set()

    with pytest.raises(Cancelled):
        publish(
            client,
            video,
            PRIVATE,
            chunk_size=10_000_000,
            on_progress=on_progress,
            on_stage=lambda s, d: stages.append(s),
            cancel=cancel,
            history=history,
        )
    assert stages[-1] == Stage.CANCELLED
    record = history.attempts()[0]
    assert record.status == "INTERRUPTED" and record.resumable() and record.acked_bytes == 10_000_000
    assert not sb.received(record.publish_id).complete
    assert not any("status/fetch" in p for p in paths(sb))


def test_duplicates_need_force(client: TikTokClient, sb: Any, video: Path, history: History) -> None:
    first = publish(client, video, PRIVATE, history=history, account="a1", wait=False)
    sb.clear_request_log()
    with pytest.raises(DuplicateError) as info:
        publish(client, video, PRIVATE, history=history, account="a1")
    assert first.publish_id in info.value.message and info.value.exit_code == 2
    assert [r.path for r in sb.request_log] == ["/v2/post/publish/status/fetch/"]  # asked TikTok first
    other = publish(client, video, PRIVATE, history=history, account="a2", wait=False)  # another account: fine
    again = publish(client, video, PRIVATE, history=history, account="a1", force=True, wait=False)
    assert len({first.publish_id, other.publish_id, again.publish_id}) == 3


def test_creator_disabled_interactions_are_sent_off(client: TikTokClient, sb: Any, video: Path) -> None:
    sb.config.creator.comment_disabled = True
    settings = PostSettings(privacy_level="SELF_ONLY", disable_comment=False, disable_duet=False)
    result = publish(client, video, settings, wait=False)
    sent = sb.state.publishes[result.publish_id].post_info
    assert sent["disable_comment"] is True and sent["disable_duet"] is False


LOCAL_PROBLEMS = [
    ("h264_720x1280_30fps.mp4", PostSettings(), None, "privacy"),
    ("h264_720x1280_30fps.mp4", PostSettings(privacy_level="EVERYONE"), None, "Unknown privacy"),
    ("h264_720x1280_30fps.mp4", PostSettings(privacy_level="SELF_ONLY", brand_content_toggle=True), None, "Branded"),
    ("h264_720x1280_30fps.mp4", PostSettings(privacy_level="SELF_ONLY", title="😀" * 1101), None, "2202"),
    ("h264_720x1280_30fps.mp4", PostSettings(privacy_level="SELF_ONLY", video_cover_timestamp_ms=-1), None, "cover"),
    ("h264_720x1280_30fps.mp4", PostSettings(privacy_level="SELF_ONLY", video_cover_timestamp_ms=5000), None, "end"),
    ("h264_720x1280_30fps.mp4", PRIVATE, 1000, "Chunk size"),
    ("missing.mp4", PRIVATE, None, "No such file"),
    ("text_renamed.mp4", PRIVATE, None, "refuse"),
    ("h264_720x1280_10fps.mp4", PRIVATE, None, "refuse"),
    ("h264_360x640_24fps_12min.mp4", PRIVATE, None, "refuse"),
]


@pytest.mark.parametrize(("name", "settings", "chunk", "words"), LOCAL_PROBLEMS)
def test_local_problems_send_nothing(
    client: TikTokClient, sb: Any, media: Path, name: str, settings: PostSettings, chunk: int | None, words: str
) -> None:
    with pytest.raises(InputError) as info:
        publish(client, media / name, settings, chunk_size=chunk)
    assert words in info.value.message and info.value.exit_code == 2
    assert sb.request_log == []


def test_creator_limits_block_before_init(client: TikTokClient, sb: Any, media: Path) -> None:
    sb.config.creator.account_private = True
    with pytest.raises(InputError) as info:
        publish(client, media / "h264_720x1280_30fps.mp4", PostSettings(privacy_level="PUBLIC_TO_EVERYONE"))
    assert "FOLLOWER_OF_CREATOR" in info.value.hint
    sb.config.creator.max_video_post_duration_sec = 1
    with pytest.raises(InputError):
        publish(client, media / "h264_720x1280_vfr.mp4", PRIVATE)
    assert "/v2/post/publish/creator_info/query/" in {r.path for r in settled_log(sb, 2)}


def test_cannot_post_now_stops_before_init(client: TikTokClient, sb: Any, video: Path) -> None:
    sb.config.creator_info_error = "spam_risk_too_many_posts"
    with pytest.raises(ApiError) as info:
        publish(client, video, PRIVATE)
    assert "cannot post now" in info.value.message
    assert [r.path for r in settled_log(sb, 1)] == ["/v2/post/publish/creator_info/query/"]


def test_cancel_while_waiting_keeps_the_post_resumable(
    client: TikTokClient, sb: Any, video: Path, history: History
) -> None:
    sb.config.processing_delay_s = 1.0
    cancel = threading.Event()

    def on_stage(stage: Stage, detail: str) -> None:
        if stage == Stage.PROCESSING:
            cancel.set()

    with pytest.raises(Detached) as info:
        publish(client, video, PRIVATE, on_stage=on_stage, cancel=cancel, history=history, **FAST)
    assert "will still process" in info.value.message and "clipship status" in info.value.hint
    record = history.attempts()[0]
    assert record.status == "PROCESSING_UPLOAD" and sb.received(record.publish_id).complete
    assert resume_status(client, record.publish_id, history, **FAST).status == "PUBLISH_COMPLETE"


def test_the_daily_cap_says_when_the_account_can_post_again(
    client: TikTokClient, sb: Any, video: Path, history: History, tmp_path: Path
) -> None:
    first = publish(client, video, PRIVATE, history=history, account="acct", wait=False)
    sb.config.creator_info_error = "spam_risk_too_many_posts"
    other = make_video(tmp_path / "other.mp4", 6_000_000)
    with pytest.raises(ApiError) as info:
        publish(client, other, PRIVATE, history=history, account="acct")
    record = history.get(first.publish_id)
    assert record is not None
    expected = time.strftime("%a %H:%M", time.localtime(record.created_at + 86400))
    assert f"can post again around {expected}" in info.value.hint
