"""Several Clipship processes on one data dir, `--sandbox` included: none breaks another."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.engine_helpers import make_video

ROOT = Path(__file__).resolve().parents[1]


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_")}
    env.update(CLIPSHIP_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    return env


def _cmd(*args: str | Path) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "--sandbox", *map(str, args)]


def test_two_sandbox_posts_and_history_at_once(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    videos = [make_video(tmp_path / f"v{n}.mp4", 30_000_000 + n * 1000) for n in range(2)]
    posts = [
        subprocess.Popen(
            _cmd("post", v, "--privacy", "SELF_ONLY", "--chunk-size", "6000000", "--json"),
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for v in videos
    ]
    listings = 0
    while any(p.poll() is None for p in posts):
        out = subprocess.run(_cmd("history", "--json"), env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
        listings += 1
    results = []
    for p in posts:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0 and "Traceback" not in stderr, stderr
        results.append(json.loads(stdout))
    assert {r["status"] for r in results} == {"PUBLISH_COMPLETE"} and listings >= 1
    state = json.loads((tmp_path / "data" / "sandbox" / "server" / "state.json").read_text())
    assert {r["publish_id"] for r in results} <= set(state["publishes"])  # neither overwrote the other's record


def test_a_sandbox_upload_resumes_in_the_next_run(tmp_path: Path) -> None:
    """The embedded sandbox listens on a new port every run: the resumed upload goes to this run's server."""
    env = _env(tmp_path / "data")
    video = make_video(tmp_path / "big.mp4", 200_000_000)
    proc = subprocess.Popen(
        _cmd("post", video, "--privacy", "SELF_ONLY", "--chunk-size", "10000000"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("uploading: chunk 3"):
            break
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    time.sleep(0.2)
    again = subprocess.run(
        _cmd("post", video, "--privacy", "SELF_ONLY", "--chunk-size", "10000000", "--json"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["resumed"] is True and result["status"] == "PUBLISH_COMPLETE"
