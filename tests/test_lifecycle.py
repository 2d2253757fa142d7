"""The post lifecycle as people break it: real `post` processes killed (SIGKILL, SIGTERM, Ctrl-C) at each stage,
then what `status`, `history` and the next `post` say and do, against the sandbox over loopback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.engine_helpers import cli_env, make_video, settled_log, sha256_file

ROOT = Path(__file__).resolve().parents[1]
INIT = "/v2/post/publish/video/init/"
STATUS = "/v2/post/publish/status/fetch/"


@pytest.fixture
def sb(sandbox: Any) -> Any:
    sandbox.config.processing_delay_s = 0.2
    sandbox.config.moderation_delay_s = 0.0
    return sandbox


@pytest.fixture
def env(sb: Any, tmp_path: Path) -> dict[str, str]:
    return cli_env(sb, tmp_path / "cli-data")


def cli(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "main.py"), *map(str, args)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


def start(env: dict[str, str], *args: str | Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(ROOT / "main.py"), *map(str, args)]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def the_publish(sb: Any) -> Any:
    with sb.state.lock:
        pubs = list(sb.state.publishes.values())
    return pubs[-1] if pubs else None


def history(env: dict[str, str]) -> list[dict[str, Any]]:
    out = cli(env, "history", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert isinstance(rows, list)
    return rows


def one_json(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, (out.stdout, out.stderr)
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def put_ranges(sb: Any) -> list[str]:
    return [r.path for r in sb.request_log if r.path.startswith("/upload")]


def kill_mid_upload(env: dict[str, str], sb: Any, video: Path, sig: int, chunks_done: int) -> subprocess.Popen[str]:
    """Start a post of `video` in 10 MB chunks and send `sig` once TikTok has `chunks_done` chunks."""
    sb.config.slow_chunk_delay_s = 0.6
    proc = start(env, "post", video, "--privacy", "SELF_ONLY", "--chunk-size", "10000000", "--json")
    wait_for("chunks", lambda: (p := the_publish(sb)) is not None and p.next_chunk >= chunks_done)
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    sb.config.slow_chunk_delay_s = 0.0
    return proc


def test_sigkill_mid_upload_then_status_then_resume(env: dict[str, str], sb: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "big.mp4", 50_000_000)
    proc = kill_mid_upload(env, sb, video, signal.SIGKILL, 3)
    assert proc.returncode == -signal.SIGKILL
    pub = the_publish(sb)
    have = pub.received_bytes
    assert 30_000_000 <= have < 50_000_000 and pub.completed_at is None

    # status: interrupted (never "processing" or "posted"), and it stays resumable
    status = cli(env, "status", pub.publish_id, "--json")
    assert status.returncode == 0, status.stderr
    obj = one_json(status)
    assert obj["status"] == "INTERRUPTED" and obj["post_url"] is None
    assert "interrupted" in status.stderr.lower() and "Traceback" not in status.stderr
    row = history(env)[0]
    assert row["status"] == "INTERRUPTED" and row["resumable"] is True and row["acked_bytes"] == have

    # the same post again: resumed, no new init, only the missing chunks
    sb.clear_request_log()
    again = cli(env, "post", video, "--privacy", "SELF_ONLY", "--chunk-size", "10000000", "--json")
    assert again.returncode == 0, again.stderr
    done = one_json(again)
    assert done["resumed"] is True and done["publish_id"] == pub.publish_id
    assert done["status"] == "PUBLISH_COMPLETE" and "resumed" in again.stderr.lower()
    log = settled_log(sb, 1, STATUS)
    assert INIT not in [r.path for r in log]
    assert len(put_ranges(sb)) == (50_000_000 - have) // 10_000_000
    assert sb.received(pub.publish_id).sha256 == sha256_file(video)


def test_sigterm_mid_upload_is_interrupted_not_uploading(env: dict[str, str], sb: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "term.mp4", 30_000_000)
    started = time.monotonic()
    proc = kill_mid_upload(env, sb, video, signal.SIGTERM, 1)
    assert proc.returncode in (130, 143) and time.monotonic() - started < 20
    row = history(env)[0]
    assert row["status"] == "INTERRUPTED" and row["resumable"] is True


def test_ctrl_c_before_the_last_byte_stops_within_a_second(env: dict[str, str], sb: Any, tmp_path: Path) -> None:
    """The server stops reading mid-chunk (a slow link): Ctrl-C must not wait for any timeout."""
    video = make_video(tmp_path / "slow.mp4", 20_000_000)
    sb.config.slow_chunk_delay_s = 60.0  # each 1 MiB piece takes seconds: the client blocks in send()
    proc = start(env, "post", video, "--privacy", "SELF_ONLY", "--chunk-size", "10000000")
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("uploading: chunk 1"):
            break
    time.sleep(0.5)
    asked = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - asked
    sb.config.slow_chunk_delay_s = 0.0
    assert proc.returncode == 130 and took < 2.0, (took, err)
    assert "Nothing was posted" in err and "Traceback" not in err
    assert history(env)[0]["status"] == "INTERRUPTED"


def test_ctrl_c_after_the_last_byte_leaves_the_outcome_to_tiktok(env: dict[str, str], sb: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "silent.mp4", 12_000_000)
    sb.config.chunk_hang = {1: 20.0}  # the last chunk is taken, its answer never comes in time
    sb.config.processing_delay_s = 3.0
    proc = start(env, "post", video, "--privacy", "SELF_ONLY", "--chunk-size", "6000000")
    wait_for("the last chunk", lambda: (p := the_publish(sb)) is not None and p.completed_at is not None)
    asked = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - asked
    assert proc.returncode == 130 and took < 2.0, (took, err)
    assert "Nothing was posted" not in err and "may" in err and "Traceback" not in err
    row = history(env)[0]
    assert row["status"] == "UPLOADED" and row["resumable"] is False

    # TikTok is processing it: a new post asks status first and is refused as a duplicate
    sb.clear_request_log()
    again = cli(env, "post", video, "--privacy", "SELF_ONLY")
    assert again.returncode == 2 and "already posted" in again.stderr and "--force" in again.stderr
    assert [r.path for r in settled_log(sb, 1)] == [STATUS]
    forced = cli(env, "post", video, "--privacy", "SELF_ONLY", "--force", "--no-wait")
    assert forced.returncode == 0, forced.stderr


def test_an_expired_upload_url_starts_a_new_upload(env: dict[str, str], sb: Any, tmp_path: Path) -> None:
    video = make_video(tmp_path / "late.mp4", 30_000_000)
    kill_mid_upload(env, sb, video, signal.SIGKILL, 1)
    pub = the_publish(sb)
    first = pub.publish_id
    with sb.state.lock:
        pub.upload_created_at -= 3 * 3600  # its hour is long over (Clipship's record still thinks it lives)
    sb.clear_request_log()
    again = cli(env, "post", video, "--privacy", "SELF_ONLY", "--chunk-size", "10000000", "--json")
    assert again.returncode == 0, again.stderr
    done = one_json(again)
    assert done["publish_id"] != first and done["resumed"] is False and done["status"] == "PUBLISH_COMPLETE"
    assert INIT in [r.path for r in settled_log(sb, 1, INIT)]
    rows = {r["publish_id"]: r for r in history(env)}
    assert rows[first]["status"] == "ABANDONED"


def test_sigkill_while_checking_leaves_nothing_to_resume(env: dict[str, str], sb: Any, media: Path) -> None:
    sb.config.force_429 = {"creator_info": 3}  # creator_info backs off for seconds: the post is still checking
    proc = start(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY")
    assert proc.stderr is not None
    for line in proc.stderr:
        if "what this account may post" in line:
            break
    time.sleep(0.3)
    proc.kill()
    proc.communicate(timeout=30)
    row = history(env)[0]
    assert row["status"] == "ABANDONED" and row["publish_id"] is None
    sb.config.force_429 = {}
    out = cli(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY", "--json")
    assert out.returncode == 0 and one_json(out)["status"] == "PUBLISH_COMPLETE"


def test_sigkill_while_tiktok_processes_is_a_duplicate_next_time(env: dict[str, str], sb: Any, media: Path) -> None:
    sb.config.processing_delay_s = 30.0
    video = media / "h264_720x1280_30fps.mp4"
    proc = start(env, "post", video, "--privacy", "SELF_ONLY")
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("processing"):
            break
    proc.kill()
    proc.communicate(timeout=30)
    assert history(env)[0]["status"] == "PROCESSING_UPLOAD"
    again = cli(env, "post", video, "--privacy", "SELF_ONLY")
    assert again.returncode == 2 and "already posted" in again.stderr


def test_public_post_gets_its_link(env: dict[str, str], sb: Any, media: Path) -> None:
    sb.config.moderation_delay_s = 1.0
    out = cli(env, "post", media / "h264_720x1280_30fps.mp4", "--privacy", "PUBLIC_TO_EVERYONE", "--json")
    assert out.returncode == 0, out.stderr
    obj = one_json(out)
    assert obj["post_ids"] and obj["resumed"] is False
    assert obj["post_url"] == f"https://www.tiktok.com/@{sb.config.creator.username}/video/{obj['post_ids'][0]}"
    assert history(env)[0]["post_url"] == obj["post_url"]
