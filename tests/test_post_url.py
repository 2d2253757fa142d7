"""`post --url` as a user runs it: video init with PULL_FROM_URL, status to the end, Ctrl-C during the download."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.engine_helpers import cli_env
from tests.test_photos import ROOT, one_object, run, url

VIDEO_INIT = "/v2/post/publish/video/init/"
INBOX_INIT = "/v2/post/publish/inbox/video/init/"


@pytest.fixture
def sb(sandbox: Any) -> Any:
    sandbox.config.processing_delay_s = 0.2
    return sandbox


@pytest.fixture
def env(sb: Any, tmp_path: Path) -> dict[str, str]:
    return {**cli_env(sb, tmp_path / "cli-data"), "CLIPSHIP_MEDIA_CA": sb.media_ca}


def url_publishes(sb: Any) -> list[Any]:
    return [p for p in sb.state.publishes.values() if p.source == "PULL_FROM_URL"]


def test_video_from_url_direct(env: dict[str, str], sb: Any) -> None:
    video = url(sb, "media/clip_720x1280.mp4")
    out = run(env, "post", "--url", video, "--privacy", "SELF_ONLY", "--title", "from a URL", "--no-duet", "--json")
    assert out.returncode == 0, out.stderr
    obj = one_object(out)
    assert obj["status"] == "PUBLISH_COMPLETE" and obj["publish_id"].startswith("v_pub_url~v2.")
    assert obj["video_size"] is None and obj["chunk_size"] is None and obj["chunk_count"] is None
    pub = sb.state.publishes[obj["publish_id"]]
    assert pub.urls == [video] and pub.post_info["title"] == "from a URL" and pub.post_info["disable_duet"] is True
    assert (
        sb.received(obj["publish_id"]).path.read_bytes()
        == (ROOT / "core/sandbox/demo_media/clip_720x1280.mp4").read_bytes()
    )
    assert not [r for r in sb.request_log if r.method == "PUT"]  # nothing uploaded by the app
    record = json.loads(run(env, "history", "--json").stdout)[0]
    assert record["kind"] == "video_url" and record["urls"] == [video]


def test_video_from_url_draft(env: dict[str, str], sb: Any) -> None:
    out = run(env, "post", "--url", url(sb, "media/clip_720x1280.mp4"), "--draft", "--json")
    assert out.returncode == 0, out.stderr
    obj = one_object(out)
    assert obj["status"] == "SEND_TO_USER_INBOX" and obj["publish_id"].startswith("v_inbox_url~v2.")
    assert [r.status for r in sb.request_log if r.path == INBOX_INIT] == [200]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--url", "http://localhost/v.mp4", "--privacy", "SELF_ONLY"), "only https"),
        (("--url", "https://127.0.0.1/v.mp4", "--privacy", "SELF_ONLY"), "IP address"),
        (("--url", "{media}/redirect/clip_720x1280.mp4", "--privacy", "SELF_ONLY"), "redirects"),
        (("--url", "{media}/media/photo_720x720.jpg", "--privacy", "SELF_ONLY"), "MP4, MOV or WebM"),
        (("--url", "{media}/media/clip_720x1280.mp4", "--privacy", "SELF_ONLY", "--chunk-size", "6000000"), "chunk"),
        (("--url", "{media}/media/clip_720x1280.mp4"), "privacy"),
        (("--url", "{media}/media/clip_720x1280.mp4", "--privacy", "SELF_ONLY", "--branded-content"), "Branded"),
        (("{video}", "--url", "{media}/media/clip_720x1280.mp4", "--privacy", "SELF_ONLY"), "either a VIDEO"),
    ],
)
def test_bad_input_exits_2_with_nothing_sent(
    env: dict[str, str], sb: Any, media: Path, args: tuple[str, ...], words: str
) -> None:
    filled = [a.format(media=sb.media_base_url, video=media / "h264_720x1280_30fps.mp4") for a in args]
    out = run(env, "post", *filled, "--json")
    assert out.returncode == 2, out.stderr
    assert words in out.stderr and "Traceback" not in out.stderr
    assert not [r for r in sb.request_log if r.path.startswith("/v2/")]


def test_unverified_prefix_exits_2(env: dict[str, str], sb: Any) -> None:
    sb.config.verified_url_prefixes = ("https://cdn.example.com/",)
    out = run(env, "post", "--url", url(sb, "media/clip_720x1280.mp4"), "--privacy", "SELF_ONLY")
    assert out.returncode == 2 and f"{sb.media_base_url}/media/" in out.stderr
    assert [r.status for r in sb.request_log if r.path == VIDEO_INIT] == [403]


def test_pull_failure_exits_1(env: dict[str, str], sb: Any) -> None:
    out = run(env, "post", "--url", url(sb, "once/v1/clip_720x1280.mp4"), "--privacy", "SELF_ONLY", "--json")
    assert out.returncode == 1, out.stderr
    assert one_object(out)["fail_reason"] == "video_pull_failed"


def wait_for(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.parametrize("kind", ["video", "photos"])
def test_ctrl_c_during_the_download_cancels_it(env: dict[str, str], sb: Any, kind: str) -> None:
    if kind == "video":
        args = ["post", "--url", url(sb, "slow/clip_720x1280.mp4?s=30"), "--privacy", "SELF_ONLY", "--json"]
    else:
        args = ["post-photos", url(sb, "slow/photo_1080x1920.jpg?s=30"), "--privacy", "SELF_ONLY", "--json"]
    cmd = [sys.executable, str(ROOT / "main.py"), *args]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pub = wait_for(lambda: next((p for p in url_publishes(sb) if p.downloaded_bytes), None))
        wait_for(lambda: [r for r in sb.request_log if r.path.endswith("/status/fetch/")])  # following it now
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Nothing was posted" in err and "publish_cancelled" in err
    assert [r.status for r in sb.request_log if r.path == "/v2/post/publish/cancel/"] == [200]
    assert sb.publish_status(pub.publish_id) == "FAILED" and pub.fail_reason == "publish_cancelled"
    obj = json.loads(out.strip().splitlines()[-1])
    assert obj["publish_id"] == pub.publish_id and obj["error"]["exit_code"] == 130
    record = json.loads(run(env, "history", "--json").stdout)[0]
    assert (record["status"], record["fail_reason"]) == ("FAILED", "publish_cancelled")


def test_ctrl_c_after_tiktok_finished_does_not_claim_a_cancel(env: dict[str, str], sb: Any) -> None:
    """Stopping while TikTok processes (the download is over) cannot cancel: the user is told it may be posted."""
    sb.config.processing_delay_s = 30.0
    cmd = [sys.executable, str(ROOT / "main.py"), "post", "--url", url(sb, "media/clip_720x1280.mp4"), "--draft"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: any(p.completed_at for p in url_publishes(sb)))
        wait_for(lambda: [r for r in sb.request_log if r.path.endswith("/status/fetch/")])
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Nothing was posted" not in err and "may be posted" in err
    assert [r.error_code for r in sb.request_log if r.path == "/v2/post/publish/cancel/"] == ["publish_not_cancellable"]
