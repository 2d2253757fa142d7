"""The sandbox as TikTok for PULL_FROM_URL: content/init validation, verified prefixes, its own downloads and their
fail_reasons, PROCESSING_DOWNLOAD, cancel. Driven by the real API client over loopback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from core.api import TikTokClient
from core.context import StaticToken
from core.errors import ApiError
from core.models import PhotoSettings, PostSettings
from core.urlpost import photo_body
from tests.engine_helpers import fast_client


@pytest.fixture
def sb(sandbox: Any) -> Any:
    sandbox.config.processing_delay_s = 0.0
    sandbox.config.moderation_delay_s = 0.0
    return sandbox


@pytest.fixture
def client(sb: Any, tmp_path: Path) -> Any:
    with fast_client(sb, StaticToken(sb.issue_token()["access_token"]), tmp_path) as c:
        yield c


def settle(client: TikTokClient, publish_id: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        st = client.fetch_status(publish_id)
        if st.status != "PROCESSING_DOWNLOAD" or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def photos(sb: Any, *names: str) -> list[str]:
    return [f"{sb.media_base_url}/{name}" for name in names]


DIRECT = PhotoSettings(privacy_level="SELF_ONLY", title="t", description="d #x", cover_index=0)


def test_photo_direct_post_is_downloaded_and_published(sb: Any, client: TikTokClient) -> None:
    urls = photos(sb, "media/photo_1080x1920.jpg", "media/photo_1080x1080.webp")
    init = client.init_photos(photo_body(urls, DIRECT))
    assert init.publish_id.startswith("p_pub_url~v2.") and init.upload_url == ""
    assert client.fetch_status(init.publish_id).status == "PROCESSING_DOWNLOAD"
    st = settle(client, init.publish_id)
    assert st.status == "PUBLISH_COMPLETE" and st.fail_reason is None and st.uploaded_bytes is None
    sizes = [(Path(__file__).parents[1] / "core/sandbox/demo_media" / u.rsplit("/", 1)[1]).stat().st_size for u in urls]
    assert st.downloaded_bytes == sum(sizes)
    pub = sb.state.publishes[init.publish_id]
    assert pub.urls == urls and pub.post_info["description"] == "d #x" and pub.post_info["auto_add_music"] is False
    fetched = [r for r in sb.request_log if r.path.startswith("/media/")]
    assert len(fetched) == 2 and all(r.status == 200 for r in fetched)


def test_photo_draft_goes_to_the_inbox(sb: Any, client: TikTokClient) -> None:
    body = photo_body(photos(sb, "media/photo_720x720.jpg"), PhotoSettings(title="draft", draft=True))
    assert body["post_mode"] == "MEDIA_UPLOAD" and body["post_info"] == {"title": "draft"}
    init = client.init_photos(body)
    assert init.publish_id.startswith("p_inbox_url~v2.")
    assert settle(client, init.publish_id).status == "SEND_TO_USER_INBOX"


def test_video_from_url_direct_and_inbox(sb: Any, client: TikTokClient) -> None:
    url = f"{sb.media_base_url}/media/clip_720x1280.mp4"
    direct = client.init_video_url(PostSettings(privacy_level="SELF_ONLY"), url)
    inbox = client.init_video_url(PostSettings(draft=True), url)
    assert direct.publish_id.startswith("v_pub_url~v2.") and inbox.publish_id.startswith("v_inbox_url~v2.")
    assert settle(client, direct.publish_id).status == "PUBLISH_COMPLETE"
    assert settle(client, inbox.publish_id).status == "SEND_TO_USER_INBOX"
    clip = (Path(__file__).parents[1] / "core/sandbox/demo_media/clip_720x1280.mp4").read_bytes()
    page = requests.get(f"{sb.base_url}/video/?publish_id={direct.publish_id}&key={sb.view_key}", timeout=10)
    assert page.status_code == 200 and page.content == clip  # the demo pages play what TikTok downloaded


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("media/photo_640x640.png", "file_format_check_failed"),
        ("media/photo_2000x2000.jpg", "picture_size_check_failed"),
        ("big.jpg", "picture_size_check_failed"),
        ("redirect/photo_720x720.jpg", "photo_pull_failed"),
        ("media/missing.jpg", "photo_pull_failed"),
    ],
)
def test_photo_pull_failures(sb: Any, client: TikTokClient, path: str, reason: str) -> None:
    urls = photos(sb, "media/photo_720x720.jpg", path)
    st = settle(client, client.init_photos(photo_body(urls, DIRECT)).publish_id)
    assert (st.status, st.fail_reason) == ("FAILED", reason)
    if path.startswith("redirect/"):  # the sandbox did not follow the redirect
        assert not [r for r in sb.request_log if r.path == "/media/photo_720x720.jpg" and r.status != 200]
        assert len([r for r in sb.request_log if r.path.startswith("/media/photo_720x720")]) == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [("media/photo_720x720.jpg", "file_format_check_failed"), ("redirect/clip_720x1280.mp4", "video_pull_failed")],
)
def test_video_pull_failures(sb: Any, client: TikTokClient, path: str, reason: str) -> None:
    init = client.init_video_url(PostSettings(privacy_level="SELF_ONLY"), f"{sb.media_base_url}/{path}")
    st = settle(client, init.publish_id)
    assert (st.status, st.fail_reason) == ("FAILED", reason)


def test_unverified_and_malformed_urls_are_refused_at_init(sb: Any, client: TikTokClient) -> None:
    sb.config.verified_url_prefixes = ("https://localhost:1/only-here/",)
    with pytest.raises(ApiError) as unverified:
        client.init_photos(photo_body(photos(sb, "media/photo_720x720.jpg"), DIRECT))
    assert (unverified.value.code, unverified.value.http_status) == ("url_ownership_unverified", 403)
    with pytest.raises(ApiError) as video:
        client.init_video_url(PostSettings(draft=True), f"{sb.media_base_url}/media/clip_720x1280.mp4")
    assert video.value.code == "url_ownership_unverified"
    sb.config.verified_url_prefixes = None
    for url in ("http://localhost/a.jpg", "https://127.0.0.1/a.jpg"):
        with pytest.raises(ApiError) as bad:
            client.init_photos(photo_body([url], DIRECT))
        assert (bad.value.code, bad.value.http_status) == ("invalid_params", 400)
    assert not [p for p in sb.state.publishes.values() if p.source == "PULL_FROM_URL"]


def raw_init(sb: Any, body: Any, scopes: tuple[str, ...] = ("video.publish", "video.upload")) -> tuple[int, str]:
    token = sb.issue_token(scopes=("user.info.basic", *scopes))["access_token"]
    resp = requests.post(
        sb.base_url + "/v2/post/publish/content/init/",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return resp.status_code, resp.json()["error"]["code"]


def test_content_init_is_strict(sb: Any) -> None:
    url = f"{sb.media_base_url}/media/photo_720x720.jpg"
    good = photo_body([url], DIRECT)
    assert raw_init(sb, good) == (200, "ok")

    def changed(**edits: Any) -> dict[str, Any]:
        body: dict[str, Any] = {**good, "post_info": dict(good["post_info"]), "source_info": dict(good["source_info"])}
        for key, value in edits.items():
            where, _, name = key.partition("__")
            if name:
                body[where][name] = value
            else:
                body[where] = value
        return body

    assert raw_init(sb, changed(media_type="VIDEO")) == (400, "invalid_param")
    assert raw_init(sb, changed(post_mode="DIRECT POST")) == (400, "invalid_param")
    assert raw_init(sb, changed(post_info__title="x" * 91)) == (400, "invalid_param")
    assert raw_init(sb, changed(post_info__description="😀" * 2001)) == (400, "invalid_param")  # 4002 units
    assert raw_init(sb, changed(post_info__privacy_level="FOLLOWER_OF_CREATOR")) == (
        403,
        "privacy_level_option_mismatch",
    )
    branded = changed(post_info__brand_content_toggle=True)
    assert raw_init(sb, branded) == (400, "invalid_param")  # SELF_ONLY
    assert raw_init(sb, changed(source_info__photo_cover_index=1)) == (400, "invalid_params")
    assert raw_init(sb, changed(source_info__photo_images=[url] * 36)) == (400, "invalid_params")
    assert raw_init(sb, changed(source_info__source="FILE_UPLOAD")) == (400, "invalid_params")
    draft = photo_body([url], PhotoSettings(draft=True))
    draft["post_info"]["privacy_level"] = "SELF_ONLY"
    assert raw_init(sb, draft) == (400, "invalid_param")  # DIRECT_POST only
    assert raw_init(sb, good, scopes=("video.upload",)) == (401, "scope_not_authorized")
    assert raw_init(sb, photo_body([url], PhotoSettings(draft=True)), scopes=("video.upload",)) == (200, "ok")


def test_cancel_during_download(sb: Any, client: TikTokClient) -> None:
    init = client.init_video_url(
        PostSettings(privacy_level="SELF_ONLY"), f"{sb.media_base_url}/slow/clip_720x1280.mp4?s=20"
    )
    deadline = time.monotonic() + 5
    while not sb.state.publishes[init.publish_id].downloaded_bytes and time.monotonic() < deadline:
        time.sleep(0.05)
    st = client.fetch_status(init.publish_id)
    assert st.status == "PROCESSING_DOWNLOAD" and (st.downloaded_bytes or 0) > 0
    client.cancel_publish(init.publish_id)
    st = client.fetch_status(init.publish_id)
    assert (st.status, st.fail_reason) == ("FAILED", "publish_cancelled")
    with pytest.raises(ApiError) as again:
        client.cancel_publish(init.publish_id)
    assert again.value.code == "publish_not_cancellable"
    time.sleep(0.3)
    assert sb.publish_status(init.publish_id) == "FAILED"  # the download thread did not overwrite the outcome


def test_a_download_whose_sandbox_died_has_failed(sb: Any, client: TikTokClient, tmp_path: Path) -> None:
    from core.sandbox import Sandbox

    init = client.init_photos(photo_body(photos(sb, "slow/photo_720x720.jpg?s=30"), DIRECT))
    pub = sb.state.publishes[init.publish_id]
    with sb.state.lock:
        pub.puller_pid = 999_999_999  # no such process
        sb.state.save()
    with Sandbox(sb.state_dir.parent / "other", sb.config) as other:
        assert other.state_dir != sb.state_dir
    again = Sandbox(sb.state_dir, sb.config)  # a restart of the same state dir (not started: no second listener)
    assert again.world.publish_status(init.publish_id) == "FAILED"
    assert again.world.publish(init.publish_id).fail_reason == "photo_pull_failed"  # type: ignore[union-attr]


def test_engine_cancel_during_init_cancels_the_download(sb: Any, client: TikTokClient) -> None:
    """A stop while the init is under way does not cut it (TikTok may act on it): the download is cancelled."""
    import threading

    from core.attempt import State
    from core.errors import Cancelled, Detached
    from core.history import History
    from core.models import Stage
    from core.urlpost import KIND_PHOTOS, UrlPostRequest, publish_urls

    cancel = threading.Event()

    def on_stage(stage: Stage, detail: str) -> None:
        if stage == Stage.INITIALIZING:
            cancel.set()

    request = UrlPostRequest(KIND_PHOTOS, tuple(photos(sb, "slow/photo_720x720.jpg?s=20")), DIRECT)
    with History.memory() as history:
        with pytest.raises(Cancelled) as stopped:
            publish_urls(client, request, history=history, on_stage=on_stage, cancel=cancel, poll_intervals=(0.1,))
        assert not isinstance(stopped.value, Detached) and "publish_cancelled" in stopped.value.message
        (attempt,) = history.attempts()
    assert (attempt.state, attempt.fail_reason) == (State.FAILED, "publish_cancelled")
    assert sb.publish_status(attempt.publish_id or "") == "FAILED"
    assert [r.status for r in sb.request_log if r.path == "/v2/post/publish/cancel/"] == [200]
