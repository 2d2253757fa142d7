"""The API client against the real sandbox over loopback: envelopes, typed errors, refresh, backoff, rate limits."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from core.api import RateLimiter, TikTokClient
from core.chunks import ChunkPlan, plan_chunks
from core.context import StaticToken
from core.errors import (
    ERROR_CODES,
    FAIL_REASONS,
    ApiAuthError,
    ApiError,
    ApiInputError,
    AuthError,
    NetworkError,
    PublishFailed,
    api_error,
)
from core.models import PostSettings
from tests.engine_helpers import SandboxRefreshTokens, fast_client, settled_log

DOCUMENTED_CODES = (
    "ok invalid_param invalid_params spam_risk_too_many_posts spam_risk_user_banned_from_posting "
    "reached_active_user_cap "
    "unaudited_client_can_only_post_to_private_accounts url_ownership_unverified privacy_level_option_mismatch "
    "access_token_invalid scope_not_authorized rate_limit_exceeded spam_risk_too_many_pending_share "
    "app_version_check_failed internal_error invalid_file_upload scope_permission_missed invalid_publish_id "
    "token_not_authorized_for_specified_publish_id publish_not_cancellable"
).split()
DOCUMENTED_FAIL_REASONS = (
    "file_format_check_failed duration_check_failed frame_rate_check_failed picture_size_check_failed internal "
    "video_pull_failed photo_pull_failed publish_cancelled auth_removed spam_risk_too_many_posts "
    "spam_risk_user_banned_from_posting spam_risk_text spam_risk"
).split()


@pytest.fixture
def client(sandbox: Any, tmp_path: Path) -> Any:
    c = fast_client(sandbox, StaticToken(sandbox.issue_token()["access_token"]), tmp_path)
    yield c
    c.close()


def calls(sb: Any, path_part: str, count: int) -> list[tuple[int, str | None]]:
    return [(r.status, r.error_code) for r in settled_log(sb, count, path_part)]


def test_creator_info_reads_every_field(client: TikTokClient, sandbox: Any) -> None:
    info = client.creator_info()
    profile = sandbox.config.creator
    assert info.nickname == profile.nickname and info.username == profile.username
    assert info.privacy_level_options == tuple(profile.options())
    assert info.max_video_post_duration_sec == profile.max_video_post_duration_sec
    assert info.avatar_url.startswith("http")


def test_private_account_options(client: TikTokClient, sandbox: Any) -> None:
    sandbox.config.creator.account_private = True
    sandbox.config.creator.duet_disabled = True
    info = client.creator_info()
    assert "PUBLIC_TO_EVERYONE" not in info.privacy_level_options
    assert "FOLLOWER_OF_CREATOR" in info.privacy_level_options and info.duet_disabled


@pytest.mark.parametrize(
    "code", ["spam_risk_too_many_posts", "spam_risk_user_banned_from_posting", "reached_active_user_cap"]
)
def test_creator_info_http_200_codes_mean_cannot_post_now(client: TikTokClient, sandbox: Any, code: str) -> None:
    sandbox.config.creator_info_error = code
    with pytest.raises(ApiError) as info:
        client.creator_info()
    err = info.value
    assert err.code == code and err.http_status == 200 and err.log_id
    assert "cannot post now" in err.message and err.hint
    assert err.exit_code == 4
    assert err.retryable == (code != "spam_risk_user_banned_from_posting")


def test_user_info(client: TikTokClient) -> None:
    user = client.user_info()
    assert user["open_id"] and user["display_name"]


def test_refresh_once_after_401_and_repeat(sandbox: Any, tmp_path: Path) -> None:
    tokens = SandboxRefreshTokens(sandbox, sandbox.issue_token())
    with fast_client(sandbox, tokens, tmp_path) as c:
        c.creator_info()
        sandbox.config.token_expire_after_calls = 0  # every token alive now stops working
        info = c.creator_info()
    assert info.nickname and tokens.refreshes == 1
    assert calls(sandbox, "creator_info", 3)[-2:] == [(401, "access_token_invalid"), (200, "ok")]


def test_static_token_rejected_is_an_auth_error(client: TikTokClient, sandbox: Any) -> None:
    sandbox.config.token_expire_after_calls = 0
    with pytest.raises(AuthError) as info:
        client.creator_info()
    assert info.value.exit_code == 3


def test_missing_scope_is_an_auth_error(sandbox: Any, tmp_path: Path) -> None:
    token = sandbox.issue_token(scopes=("user.info.basic",))["access_token"]
    with fast_client(sandbox, StaticToken(token), tmp_path) as c, pytest.raises(ApiAuthError) as info:
        c.creator_info()
    assert info.value.code == "scope_not_authorized" and info.value.exit_code == 3


def test_429_backs_off_and_retries(client: TikTokClient, sandbox: Any) -> None:
    sandbox.config.force_429 = {"creator_info": 2}
    assert client.creator_info().nickname
    assert calls(sandbox, "creator_info", 3) == [(429, "rate_limit_exceeded")] * 2 + [(200, "ok")]


def test_429_gives_up_after_bounded_retries(client: TikTokClient, sandbox: Any) -> None:
    sandbox.config.force_429 = {"status": 10}
    with pytest.raises(ApiError) as info:
        client.fetch_status("v_pub_file~v2-1.1")
    assert info.value.code == "rate_limit_exceeded" and info.value.retryable and info.value.exit_code == 4
    assert len(calls(sandbox, "status", 4)) == 1 + len(client.rate_limit_waits)


def test_init_5xx_is_retried(client: TikTokClient, sandbox: Any) -> None:
    sandbox.config.init_5xx = 1
    result = client.init_direct(PostSettings(privacy_level="SELF_ONLY"), plan_chunks(1000))
    assert result.publish_id and result.upload_url.startswith("http")
    assert [s for s, _ in calls(sandbox, "video/init", 2)] == [500, 200]
    assert "upload_url" not in repr(result) and "upload_token" not in repr(result)


def test_lost_init_response_is_retried(client: TikTokClient, sandbox: Any) -> None:
    sandbox.config.drop_init_response = 1
    result = client.init_inbox(plan_chunks(1000))
    assert result.publish_id.startswith("v_inbox_file")
    assert [s for s, _ in calls(sandbox, "inbox/video/init", 2)] == [0, 200]


def test_privacy_mismatch_is_an_input_error(client: TikTokClient, sandbox: Any) -> None:
    sandbox.config.creator.account_private = True
    with pytest.raises(ApiInputError) as info:
        client.init_direct(PostSettings(privacy_level="PUBLIC_TO_EVERYONE"), plan_chunks(1000))
    assert info.value.code == "privacy_level_option_mismatch" and info.value.http_status == 403


def test_bad_plan_is_refused_by_tiktok_as_invalid_params(client: TikTokClient) -> None:
    bad = ChunkPlan(100_000_000, 100_000_000, 1, ((0, 99_999_999),))  # one chunk over 64 MB
    with pytest.raises(ApiInputError) as info:
        client.init_direct(PostSettings(privacy_level="SELF_ONLY"), bad)
    assert info.value.code in ("invalid_param", "invalid_params") and "chunk" in info.value.message.lower()


def test_unknown_publish_id(client: TikTokClient) -> None:
    with pytest.raises(ApiError) as info:
        client.fetch_status("v_pub_file~v2-1.404")
    assert info.value.code == "invalid_publish_id"


def test_tokens_never_reach_logs_or_errors(sandbox: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    token = sandbox.issue_token()["access_token"]
    caplog.set_level(logging.DEBUG)
    sandbox.config.force_429 = {"creator_info": 10}
    with fast_client(sandbox, StaticToken(token), tmp_path) as c, pytest.raises(ApiError) as info:
        c.creator_info()
    texts = [caplog.text, str(info.value), repr(info.value), info.value.user_text(), repr(c)]
    assert all(token not in t for t in texts)


def test_unreachable_api_is_a_network_error(tmp_path: Path, sandbox: Any) -> None:
    port = sandbox.port
    sandbox.stop()
    with fast_client(sandbox, StaticToken("x"), tmp_path) as c, pytest.raises(NetworkError) as info:
        c.creator_info()
    assert info.value.exit_code == 4 and str(port) not in info.value.hint


def test_error_table_covers_every_documented_code() -> None:
    for code in DOCUMENTED_CODES:
        if code != "ok":
            assert code in ERROR_CODES, code
            assert ERROR_CODES[code].sentence and ERROR_CODES[code].hint
    for reason in DOCUMENTED_FAIL_REASONS:
        assert reason in FAIL_REASONS, reason
    assert "private" in ERROR_CODES["unaudited_client_can_only_post_to_private_accounts"].hint.lower()
    assert ERROR_CODES["invalid_param"].sentence == ERROR_CODES["invalid_params"].sentence
    assert FAIL_REASONS["internal"].retryable and not FAIL_REASONS["spam_risk"].retryable


def test_api_error_kinds_and_exit_codes() -> None:
    assert isinstance(api_error("access_token_invalid", "", "", 401), AuthError)
    assert api_error("invalid_params", "The chunk size is invalid", "L1", 400).exit_code == 2
    err = api_error("something_new", "Odd", "L2", 502)
    assert err.exit_code == 4 and err.retryable and "something_new" in err.message and "L2" in err.message
    failed = PublishFailed("frame_rate_check_failed", "v_pub_file~1")
    assert failed.exit_code == 1 and "23-60" in failed.message and failed.hint


def test_rate_limiter_sliding_window() -> None:
    now = [0.0]
    waited: list[float] = []

    def wait(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(30, window=60.0, clock=lambda: now[0])
    stamps = []
    for _ in range(95):
        limiter.acquire(wait)
        stamps.append(now[0])
        now[0] += 0.5  # a caller polling every half second
    for i, t in enumerate(stamps):
        in_window = [s for s in stamps[: i + 1] if s > t - 60.0]
        assert len(in_window) <= 30
    assert waited == [45.0, 45.0, 45.0]  # 30 at once, then one slot per freed stamp
