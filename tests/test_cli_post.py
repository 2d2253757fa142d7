"""`post`, `status` and `history` as a user runs them: subprocesses against a sandbox over loopback."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.engine_helpers import cli_env, make_video, settled_log, sha256_file

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"publish_id", "status", "fail_reason", "post_ids", "video_size", "chunk_size", "chunk_count", "elapsed_s"}


@pytest.fixture
def sb(sandbox: Any) -> Any:
    sandbox.config.processing_delay_s = 0.2
    sandbox.config.moderation_delay_s = 0.2
    return sandbox


@pytest.fixture
def env(sb: Any, tmp_path: Path) -> dict[str, str]:
    return cli_env(sb, tmp_path / "cli-data")


def run(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "main.py"), *map(str, args)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


def one_object(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout
    obj = json.loads(lines[0])
    assert isinstance(obj, dict) and KEYS <= set(obj)
    return obj


def test_post_json(env: dict[str, str], sb: Any, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    out = run(env, "post", video, "--privacy", "SELF_ONLY", "--title", "cli #test", "--no-duet", "--json")
    assert out.returncode == 0, out.stderr
    obj = one_object(out)
    assert obj["status"] == "PUBLISH_COMPLETE" and obj["fail_reason"] is None and obj["chunk_count"] == 1
    assert obj["video_size"] == obj["chunk_size"] == video.stat().st_size and obj["elapsed_s"] > 0
    assert sb.received(obj["publish_id"]).sha256 == sha256_file(video)
    assert "uploading: chunk 1 of 1" in out.stderr and "\r" not in out.stderr  # no bar when not a terminal
    sent = sb.state.publishes[obj["publish_id"]].post_info
    assert sent["disable_duet"] is True and sent["disable_comment"] is False and sent["title"] == "cli #test"
    assert env["CLIPSHIP_ACCESS_TOKEN"] not in out.stdout + out.stderr


def test_draft_needs_no_privacy(env: dict[str, str], media: Path) -> None:
    out = run(env, "post", media / "vp9_720x1280_30fps.webm", "--draft", "--json")
    assert out.returncode == 0, out.stderr
    assert one_object(out)["status"] == "SEND_TO_USER_INBOX"


def test_no_wait_then_status_then_history(env: dict[str, str], sb: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "multi.mp4", 12_000_000)
    out = run(env, "post", video, "--privacy", "SELF_ONLY", "--chunk-size", "6000000", "--no-wait", "--json")
    assert out.returncode == 0, out.stderr
    obj = one_object(out)
    assert obj["status"] == "PROCESSING_UPLOAD" and obj["chunk_count"] == 2 and obj["chunk_size"] == 6_000_000
    status = run(env, "status", obj["publish_id"], "--json")
    assert status.returncode == 0, status.stderr
    final = one_object(status)
    assert final["status"] == "PUBLISH_COMPLETE" and final["video_size"] == 12_000_000
    listing = run(env, "history", "--json")
    rows = json.loads(listing.stdout)
    assert listing.returncode == 0 and rows[0]["publish_id"] == obj["publish_id"]
    assert rows[0]["status"] == "PUBLISH_COMPLETE" and rows[0]["chunk_count"] == 2
    human = run(env, "history")
    assert obj["publish_id"] in human.stdout and "PUBLISH_COMPLETE" in human.stdout


def test_failed_exits_1(env: dict[str, str], sb: Any, media: Path) -> None:
    sb.config.final_fail_reason = "spam_risk_text"
    out = run(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY", "--json")
    assert out.returncode == 1
    obj = one_object(out)
    assert obj["status"] == "FAILED" and obj["fail_reason"] == "spam_risk_text"
    assert "caption" in out.stderr and "Traceback" not in out.stderr


BAD_INPUT = [
    ("h264_720x1280_30fps.mp4", []),
    ("h264_720x1280_30fps.mp4", ["--privacy", "WORLD"]),
    ("h264_720x1280_30fps.mp4", ["--privacy", "SELF_ONLY", "--chunk-size", "1000"]),
    ("h264_720x1280_30fps.mp4", ["--privacy", "SELF_ONLY", "--branded-content"]),
    ("h264_720x1280_30fps.mp4", ["--privacy", "SELF_ONLY", "--title", "x" * 2201]),
    ("h264_720x1280_30fps.mp4", ["--privacy", "SELF_ONLY", "--cover-ms", "99999"]),
    ("nope.mp4", ["--privacy", "SELF_ONLY"]),
    ("png_renamed.mp4", ["--privacy", "SELF_ONLY"]),
    ("h264_5000x5000_30fps.mp4", ["--privacy", "SELF_ONLY"]),
    ("h264_360x640_24fps_12min.mp4", ["--privacy", "SELF_ONLY", "--json"]),
]


@pytest.mark.parametrize(("name", "flags"), BAD_INPUT)
def test_bad_input_exits_2_sending_nothing(
    env: dict[str, str], sb: Any, media: Path, name: str, flags: list[str]
) -> None:
    out = run(env, "post", media / name, *flags)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("Error: ") and "Traceback" not in out.stderr
    assert sb.request_log == []
    if "--json" in flags:
        assert one_object(out)["error"]["exit_code"] == 2


def test_privacy_the_account_lacks_exits_2_before_init(env: dict[str, str], sb: Any, media: Path) -> None:
    sb.config.creator.account_private = True
    out = run(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "PUBLIC_TO_EVERYONE")
    assert out.returncode == 2 and "FOLLOWER_OF_CREATOR" in out.stderr
    assert [r.path for r in settled_log(sb, 1)] == ["/v2/post/publish/creator_info/query/"]


def test_duplicate_needs_force(env: dict[str, str], sb: Any, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    assert run(env, "post", video, "--privacy", "SELF_ONLY", "--no-wait").returncode == 0
    settled_log(sb, 3)
    sb.clear_request_log()
    again = run(env, "post", video, "--privacy", "SELF_ONLY")
    assert again.returncode == 2 and "already posted" in again.stderr and "--force" in again.stderr
    # Only TikTok's status was asked (is the earlier post still there?): no init, no upload.
    assert [r.path for r in sb.request_log] == ["/v2/post/publish/status/fetch/"]
    assert run(env, "post", video, "--privacy", "SELF_ONLY", "--no-wait", "--force").returncode == 0


def test_rejected_token_exits_3(env: dict[str, str], sb: Any, media: Path) -> None:
    env["CLIPSHIP_ACCESS_TOKEN"] = "act.not-a-real-token"
    out = run(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY")
    assert out.returncode == 3 and "Traceback" not in out.stderr and "act.not-a-real-token" not in out.stderr


def test_no_token_exits_3(env: dict[str, str], media: Path) -> None:
    del env["CLIPSHIP_ACCESS_TOKEN"]
    out = run(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY")
    assert out.returncode == 3


def test_expired_upload_url_exits_4(env: dict[str, str], sb: Any, media: Path) -> None:
    sb.config.upload_url_ttl = 0
    out = run(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY", "--json")
    assert out.returncode == 4 and "expired" in out.stderr
    assert one_object(out)["error"]["exit_code"] == 4


def test_unknown_publish_id_status(env: dict[str, str]) -> None:
    out = run(env, "status", "v_pub_file~v2-1.1", "--json")
    assert out.returncode == 2 and one_object(out)["error"]["code"] == "invalid_publish_id"


def test_ctrl_c_mid_upload_exits_130_and_history_says_where(env: dict[str, str], sb: Any, tmp_path: Path) -> None:
    sb.config.slow_chunk_delay_s = 5.0
    video = make_video(tmp_path / "slow.mp4", 20_000_000)
    cmd = [
        sys.executable,
        str(ROOT / "main.py"),
        "post",
        str(video),
        "--privacy",
        "SELF_ONLY",
        "--chunk-size",
        "10000000",
    ]
    with subprocess.Popen(cmd, env=env, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("uploading: chunk 1"):
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err
    assert "Nothing was posted" in err and "resume" in err
    rows = json.loads(run(env, "history", "--json").stdout)
    assert rows[0]["status"] == "INTERRUPTED" and rows[0]["resumable"] is True


def test_progress_bar_on_a_terminal(env: dict[str, str], tmp_path: Path) -> None:
    video = make_video(tmp_path / "bar.mp4", 11_000_000)
    main_fd, child_fd = pty.openpty()
    cmd = [sys.executable, str(ROOT / "main.py"), "post", str(video), "--privacy", "SELF_ONLY", "--no-wait"]
    try:
        proc = subprocess.run(cmd, env=env, cwd=ROOT, stderr=child_fd, stdout=subprocess.PIPE, timeout=60)
        os.close(child_fd)
        chunks = []
        while True:
            try:
                data = os.read(main_fd, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(main_fd)
    text = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert "\r[" in text and "11.0 MB / 11.0 MB" in text and "/s" in text and "ETA" in text


def test_cli_post_never_imports_qt(env: dict[str, str], media: Path) -> None:
    code = (
        "import sys; from core.cli import main\n"
        f"rc = main(['post', {str(media / 'h264_720x1280_30fps.mp4')!r}, '--privacy', 'SELF_ONLY', '--json'])\n"
        "assert rc == 0, rc\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui'))], 'Qt loaded'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_debug_output_keeps_secrets_out(env: dict[str, str], media: Path) -> None:
    out = run(env, "--debug", "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY", "--no-wait")
    assert out.returncode == 0 and "DEBUG" in out.stderr
    assert env["CLIPSHIP_ACCESS_TOKEN"] not in out.stderr and "upload_token" not in out.stderr


def test_faults_are_survived_with_the_real_backoff(env: dict[str, str], sb: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "faulty.mp4", 12_000_000)
    sb.config.chunk_5xx = {0: 1}
    sb.config.chunk_reset = {1: 1}
    sb.config.force_429 = {"status": 1}
    out = run(env, "post", video, "--privacy", "SELF_ONLY", "--chunk-size", "6000000", "--json")
    assert out.returncode == 0, out.stderr
    obj = one_object(out)
    assert obj["status"] == "PUBLISH_COMPLETE" and sb.received(obj["publish_id"]).sha256 == sha256_file(video)
    statuses = [r.status for r in settled_log(sb, 4, "/upload")]
    assert statuses.count(503) == 1 and statuses[-1] == 201
    assert "uploading: reconnecting… (attempt 2 of 6)" in out.stderr  # said while it retries, not only at the end


def test_status_of_a_failed_post_exits_1(env: dict[str, str], sb: Any, media: Path) -> None:
    sb.config.final_fail_reason = "internal"
    out = run(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY", "--no-wait", "--json")
    assert out.returncode == 0
    publish_id = one_object(out)["publish_id"]
    status = run(env, "status", publish_id)
    assert status.returncode == 1 and "FAILED (internal)" in status.stdout and "Post the video again" in status.stderr
    rows = json.loads(run(env, "history", "--json").stdout)
    assert rows[0]["status"] == "FAILED" and rows[0]["fail_reason"] == "internal"


def test_eta_reads_as_a_clock() -> None:
    from core.progress import eta_text as _eta

    assert _eta(100, 0.0) == "--:--"  # the first sample: no speed yet
    assert _eta(0, 0.0) == "0:00"
    assert _eta(1, 1e9) == "0:01"  # a fraction of a second left rounds up
    assert _eta(125 * 10**6, 10**6) == "2:05"
    assert _eta(3725 * 10**6, 10**6) == "1:02:05"
