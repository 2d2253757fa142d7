"""The sandbox's v2 API: auth and the envelope, user/info, creator_info, init validation, caps, rate limits, faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from test_sandbox_support import Api, api, running

from core.sandbox import CreatorProfile, Sandbox

CREATOR_INFO = "/v2/post/publish/creator_info/query/"


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    with running(tmp_path / "state") as server:
        yield server


@pytest.fixture
def client(sb: Sandbox) -> Iterator[Api]:
    with api(sb) as c:
        yield c


def error_of(answer: requests.Response) -> tuple[int, str]:
    body = answer.json()
    assert set(body) == {"data", "error"} and set(body["error"]) == {"code", "message", "log_id"}
    return answer.status_code, body["error"]["code"]


# -- auth and envelope -----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer act.nonsense", "Basic abc"])
def test_missing_or_unknown_token_is_401(sb: Sandbox, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    answer = requests.post(sb.base_url + CREATOR_INFO, headers=headers, timeout=10)
    assert error_of(answer) == (401, "access_token_invalid")
    assert answer.json()["data"] == {}


def test_success_envelope(client: Api) -> None:
    body = client.post(CREATOR_INFO).json()
    assert body["error"]["code"] == "ok" and body["error"]["log_id"]


def test_unknown_path_is_404(client: Api) -> None:
    assert client.post("/v2/post/publish/video/init").status_code == 404  # no trailing slash


# -- user/info -------------------------------------------------------------------------------------------


def test_user_info_basic_fields(sb: Sandbox, client: Api) -> None:
    answer = client.get("/v2/user/info/", params={"fields": "open_id,union_id,avatar_url,display_name"})
    assert error_of(answer) == (200, "ok")
    user = answer.json()["data"]["user"]
    assert set(user) == {"open_id", "union_id", "avatar_url", "display_name"}
    assert user["display_name"] == "Sandbox Creator"
    avatar = requests.get(user["avatar_url"], timeout=10)
    assert avatar.status_code == 200 and avatar.content.startswith(b"\x89PNG")


def test_username_needs_the_profile_scope(sb: Sandbox, client: Api) -> None:
    answer = client.get("/v2/user/info/", params={"fields": "open_id,username"})
    assert error_of(answer) == (400, "scope_permission_missed")
    with api(sb, ("user.info.basic", "user.info.profile")) as profiled:
        answer = profiled.get("/v2/user/info/", params={"fields": "open_id,username"})
        assert answer.json()["data"]["user"]["username"] == "sandbox.creator"


@pytest.mark.parametrize("fields", ["", "open_id,shoe_size"])
def test_user_info_bad_fields(client: Api, fields: str) -> None:
    assert error_of(client.get("/v2/user/info/", params={"fields": fields})) == (400, "invalid_params")


def test_user_info_needs_basic_scope(sb: Sandbox) -> None:
    with api(sb, ("video.upload",)) as c:
        assert error_of(c.get("/v2/user/info/", params={"fields": "open_id"})) == (401, "scope_not_authorized")


# -- creator_info ----------------------------------------------------------------------------------------


def test_creator_info_public_account(client: Api) -> None:
    data = client.post(CREATOR_INFO).json()["data"]
    assert data["creator_nickname"] == "Sandbox Creator" and data["creator_username"] == "sandbox.creator"
    assert data["privacy_level_options"] == ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
    assert data["comment_disabled"] is False and data["duet_disabled"] is False and data["stitch_disabled"] is False
    assert data["max_video_post_duration_sec"] == 600
    assert data["creator_avatar_url"].startswith("http")


def test_creator_info_private_account(sb: Sandbox, client: Api) -> None:
    sb.config.creator = CreatorProfile(account_private=True, comment_disabled=True, max_video_post_duration_sec=300)
    data = client.post(CREATOR_INFO).json()["data"]
    assert data["privacy_level_options"] == ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
    assert data["duet_disabled"] is True and data["stitch_disabled"] is True and data["comment_disabled"] is True
    assert data["max_video_post_duration_sec"] == 300


def test_creator_info_options_override(sb: Sandbox, client: Api) -> None:
    sb.config.creator = CreatorProfile(privacy_level_options=("SELF_ONLY",))
    assert client.post(CREATOR_INFO).json()["data"]["privacy_level_options"] == ["SELF_ONLY"]
    assert error_of(client.init(1000, privacy="PUBLIC_TO_EVERYONE")) == (403, "privacy_level_option_mismatch")


def test_creator_info_error_comes_with_http_200(sb: Sandbox, client: Api) -> None:
    sb.config.creator_info_error = "spam_risk_too_many_posts"
    assert error_of(client.post(CREATOR_INFO)) == (200, "spam_risk_too_many_posts")


def test_creator_info_needs_video_publish(sb: Sandbox) -> None:
    with api(sb, ("user.info.basic", "video.upload")) as c:
        assert error_of(c.post(CREATOR_INFO)) == (401, "scope_not_authorized")


# -- init ------------------------------------------------------------------------------------------------


def test_direct_init_answer(sb: Sandbox, client: Api) -> None:
    answer = client.init(
        1000,
        privacy="PUBLIC_TO_EVERYONE",
        title="hello #sandbox",
        disable_comment=True,
        video_cover_timestamp_ms=0,
        brand_content_toggle=False,
        brand_organic_toggle=True,
        is_aigc=False,
    )
    assert error_of(answer) == (200, "ok")
    data = answer.json()["data"]
    assert data["publish_id"].startswith("v_pub_file~v2-1.") and len(data["publish_id"]) <= 64
    assert data["upload_url"].startswith(sb.upload_base_url + "/upload/?upload_id=") and len(data["upload_url"]) <= 256
    assert sb.upload_base_url != sb.base_url
    assert "upload_token=" in data["upload_url"]
    assert sb.publish_status(data["publish_id"]) == "PROCESSING_UPLOAD"


def test_inbox_init_answer_and_scope(sb: Sandbox, client: Api) -> None:
    data = client.init(1000, inbox=True).json()["data"]
    assert data["publish_id"].startswith("v_inbox_file~v2.")
    with api(sb, ("user.info.basic", "video.publish")) as c:
        assert error_of(c.init(1000, inbox=True)) == (401, "scope_not_authorized")
    with api(sb, ("user.info.basic", "video.upload")) as c:
        assert error_of(c.init(1000)) == (401, "scope_not_authorized")


@pytest.mark.parametrize(
    ("post_info", "expected"),
    [
        ({}, (403, "privacy_level_option_mismatch")),
        ({"privacy_level": "FOLLOWER_OF_CREATOR"}, (403, "privacy_level_option_mismatch")),  # public account
        ({"privacy_level": "EVERYONE"}, (403, "privacy_level_option_mismatch")),
        ({"privacy_level": 1}, (400, "invalid_param")),
        ({"privacy_level": "SELF_ONLY", "title": "\U0001f600" * 1101}, (400, "invalid_param")),  # 2202 UTF-16 units
        ({"privacy_level": "SELF_ONLY", "title": 5}, (400, "invalid_param")),
        ({"privacy_level": "SELF_ONLY", "disable_comment": "true"}, (400, "invalid_param")),
        ({"privacy_level": "SELF_ONLY", "is_aigc": 1}, (400, "invalid_param")),
        ({"privacy_level": "SELF_ONLY", "video_cover_timestamp_ms": 1.5}, (400, "invalid_param")),
        ({"privacy_level": "SELF_ONLY", "video_cover_timestamp_ms": 2**31}, (400, "invalid_param")),
        ({"privacy_level": "SELF_ONLY", "brand_content_toggle": True}, (400, "invalid_param")),
    ],
)
def test_post_info_rejections(client: Api, post_info: dict[str, object], expected: tuple[int, str]) -> None:
    body = {
        "post_info": post_info,
        "source_info": {"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1},
    }
    assert error_of(client.post("/v2/post/publish/video/init/", body)) == expected


@pytest.mark.parametrize(
    "post_info",
    [
        {"privacy_level": "SELF_ONLY", "title": "\U0001f600" * 1100},  # exactly 2200 UTF-16 units
        {"privacy_level": "PUBLIC_TO_EVERYONE", "brand_content_toggle": True},
        {"privacy_level": "MUTUAL_FOLLOW_FRIENDS", "disable_duet": True, "disable_stitch": False},
    ],
)
def test_post_info_accepted(client: Api, post_info: dict[str, object]) -> None:
    body = {
        "post_info": post_info,
        "source_info": {"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1},
    }
    assert error_of(client.post("/v2/post/publish/video/init/", body)) == (200, "ok")


@pytest.mark.parametrize(
    ("video_size", "chunk_size", "count", "message"),
    [
        (50_000_123, 10_000_000, 5, None),
        (64_000_001, 10_000_000, 6, None),
        (50_000_123, 10_000_000, 6, "The total chunk count is invalid"),  # ceil
        (64_000_001, 64_000_001, 1, "The chunk size is invalid"),
        (6_000_000, 5_242_880, 1, "The chunk size is invalid"),
        (4_294_967_296, 10_000_000, 429, "The video size is invalid"),
    ],
)
def test_chunk_plan_over_http(client: Api, video_size: int, chunk_size: int, count: int, message: str | None) -> None:
    answer = client.init(video_size, chunk_size, count)
    if message is None:
        assert error_of(answer) == (200, "ok")
    else:
        assert error_of(answer) == (400, "invalid_params")
        assert answer.json()["error"]["message"] == message


@pytest.mark.parametrize(
    "source_info",
    [
        None,
        {"source": "FILE"},
        {"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000},
        {"source": "FILE_UPLOAD", "video_size": 1000.0, "chunk_size": 1000, "total_chunk_count": 1},
        {"source": "FILE_UPLOAD", "video_size": "1000", "chunk_size": 1000, "total_chunk_count": 1},
        {"source": "FILE_UPLOAD", "video_size": True, "chunk_size": 1, "total_chunk_count": 1},
    ],
)
def test_bad_source_info(client: Api, source_info: object) -> None:
    body = {"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": source_info}
    assert error_of(client.post("/v2/post/publish/video/init/", body)) == (400, "invalid_params")


def test_pull_from_url_is_unverified(client: Api) -> None:
    body = {
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": "https://example.com/v.mp4"},
    }
    assert error_of(client.post("/v2/post/publish/video/init/", body)) == (403, "url_ownership_unverified")


def test_init_body_must_be_json(sb: Sandbox, client: Api) -> None:
    url = sb.base_url + "/v2/post/publish/video/init/"
    headers = client.headers()
    assert error_of(
        client.session.post(url, data="{nope", headers={**headers, "Content-Type": "application/json"}, timeout=10)
    ) == (400, "invalid_params")
    assert error_of(client.session.post(url, data={"a": "b"}, headers=headers, timeout=10)) == (400, "invalid_params")
    assert error_of(client.post("/v2/post/publish/video/init/", [1, 2])) == (400, "invalid_params")


def test_unaudited_client_and_public_account(sb: Sandbox, client: Api) -> None:
    sb.config.audited = False
    assert error_of(client.init(1000, privacy="SELF_ONLY")) == (
        403,
        "unaudited_client_can_only_post_to_private_accounts",
    )
    sb.config.creator = CreatorProfile(account_private=True)
    answer = client.init(1000, privacy="FOLLOWER_OF_CREATOR")
    assert error_of(answer) == (200, "ok")
    publish_id = answer.json()["data"]["publish_id"]
    assert sb.state.publishes[publish_id].privacy_level == "SELF_ONLY"


def test_unaudited_active_user_cap(sb: Sandbox) -> None:
    sb.config.audited, sb.config.active_user_cap = False, 1
    sb.config.creator = CreatorProfile(account_private=True)
    with api(sb, open_id="first") as a, api(sb, open_id="second") as b:
        assert error_of(a.init(1000)) == (200, "ok")
        assert error_of(b.init(1000)) == (403, "reached_active_user_cap")
        assert error_of(a.init(1000)) == (200, "ok")


def test_daily_post_cap(sb: Sandbox, client: Api) -> None:
    sb.config.daily_post_cap = 2
    assert error_of(client.init(1000)) == (200, "ok")
    assert error_of(client.init(1000)) == (200, "ok")
    assert error_of(client.init(1000)) == (403, "spam_risk_too_many_posts")
    assert error_of(client.post(CREATOR_INFO)) == (200, "spam_risk_too_many_posts")
    assert error_of(client.init(1000, inbox=True)) == (200, "ok")  # drafts are a separate cap


def test_pending_share_cap(client: Api) -> None:
    for _ in range(5):
        assert error_of(client.init(1000, inbox=True)) == (200, "ok")
    assert error_of(client.init(1000, inbox=True)) == (403, "spam_risk_too_many_pending_share")


# -- rate limits and faults ------------------------------------------------------------------------------


def test_init_rate_limit_is_shared_by_both_endpoints(sb: Sandbox, client: Api) -> None:
    for i in range(6):
        answer = client.init(3, 1, 3, inbox=bool(i % 2))  # invalid plans still count
        assert answer.status_code == 400
    answer = client.init(1000)
    assert error_of(answer) == (429, "rate_limit_exceeded")
    assert answer.json()["error"]["message"] == "The API rate limit was exceeded. Please try again later."
    with api(sb) as other:  # per access token
        assert other.init(1000).status_code == 200


def test_status_rate_limit_and_switch(sb: Sandbox, client: Api) -> None:
    for _ in range(30):
        assert client.status("v_pub_file~v2-1.1").status_code == 400
    assert error_of(client.status("v_pub_file~v2-1.1")) == (429, "rate_limit_exceeded")
    sb.config.rate_limits_enabled = False
    assert client.status("v_pub_file~v2-1.1").status_code == 400


def test_creator_info_rate_limit(client: Api) -> None:
    codes = [client.post(CREATOR_INFO).status_code for _ in range(21)]
    assert codes == [200] * 20 + [429]


def test_force_429(sb: Sandbox, client: Api) -> None:
    sb.config.force_429 = {"creator_info": 2}
    assert [client.post(CREATOR_INFO).status_code for _ in range(3)] == [429, 429, 200]
    assert sb.config.force_429 == {}


def test_init_5xx_creates_nothing(sb: Sandbox, client: Api) -> None:
    sb.config.init_5xx = 1
    assert error_of(client.init(1000)) == (500, "internal_error")
    assert sb.state.publishes == {}
    assert error_of(client.init(1000)) == (200, "ok")


def test_drop_init_response_still_creates_the_publish(sb: Sandbox, client: Api) -> None:
    sb.config.drop_init_response = 1
    with pytest.raises(requests.ConnectionError):
        client.init(1000)
    assert len(sb.state.publishes) == 1
    assert sb.request_log[-1].status == 0 and sb.request_log[-1].error_code == "connection_dropped"
    assert error_of(client.init(1000)) == (200, "ok")


# -- status ----------------------------------------------------------------------------------------------


def test_status_errors(sb: Sandbox, client: Api) -> None:
    assert error_of(client.status("v_pub_file~v2-1.999")) == (400, "invalid_publish_id")
    assert error_of(client.post("/v2/post/publish/status/fetch/", {})) == (400, "invalid_params")
    publish_id = client.init(1000).json()["data"]["publish_id"]
    with api(sb, open_id="someone-else") as other:
        assert error_of(other.status(publish_id)) == (400, "token_not_authorized_for_specified_publish_id")
    data = client.status(publish_id).json()["data"]
    assert data == {"status": "PROCESSING_UPLOAD", "uploaded_bytes": 0, "publicaly_available_post_id": []}


def test_creator_info_error_holds_for_init_too(sb: Sandbox, client: Api) -> None:
    sb.config.creator_info_error = "spam_risk_too_many_posts"
    assert error_of(client.init(1000)) == (403, "spam_risk_too_many_posts")
    assert error_of(client.init(1000, inbox=True)) == (200, "ok")
    sb.config.creator_info_error = "spam_risk_user_banned_from_posting"
    assert error_of(client.init(1000, inbox=True)) == (403, "spam_risk_user_banned_from_posting")
    sb.config.creator_info_error = None
    assert error_of(client.init(1000)) == (200, "ok")


def test_creator_info_reports_the_active_user_cap(sb: Sandbox) -> None:
    sb.config.audited, sb.config.active_user_cap = False, 1
    sb.config.creator = CreatorProfile(account_private=True)
    with api(sb, open_id="first") as a, api(sb, open_id="second") as b:
        assert error_of(a.init(1000)) == (200, "ok")
        assert error_of(b.post(CREATOR_INFO)) == (200, "reached_active_user_cap")
        assert error_of(a.post(CREATOR_INFO)) == (200, "ok")


def test_errors_before_the_body_is_read_keep_the_connection_usable(sb: Sandbox, client: Api) -> None:
    body = {"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "FILE_UPLOAD"}}
    with requests.Session() as session:
        url = sb.base_url + "/v2/post/publish/video/init/"
        for _ in range(3):  # 401 answered before the body is parsed; the same connection serves the next call
            assert (
                session.post(url, json=body, headers={"Authorization": "Bearer act.x"}, timeout=10).status_code == 401
            )
        answer = session.post(url, json=body, headers=client.headers(), timeout=10)
        assert error_of(answer) == (400, "invalid_params")
    assert [e.status for e in sb.request_log[-4:]] == [401, 401, 401, 400]


def test_cancel_of_a_file_upload_is_not_possible(sb: Sandbox, client: Api) -> None:
    publish_id = client.init(1000).json()["data"]["publish_id"]
    assert error_of(client.post("/v2/post/publish/cancel/", {"publish_id": publish_id})) == (
        400,
        "publish_not_cancellable",
    )
    assert error_of(client.post("/v2/post/publish/cancel/", {"publish_id": "nope"})) == (400, "invalid_publish_id")
    with api(sb, open_id="other") as other:
        answer = other.post("/v2/post/publish/cancel/", {"publish_id": publish_id})
        assert error_of(answer) == (400, "token_not_authorized_for_specified_publish_id")
