"""What the command line prints is safe for a terminal, and bad text input is a clear exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(env: dict[str, str], *args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    cmd: list[str | bytes] = [sys.executable, str(ROOT / "main.py"), *args]
    return subprocess.run(cmd, env=env, capture_output=True, timeout=60, cwd=ROOT)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_")}
    env.update(CLIPSHIP_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    return env


def test_terminal_escapes_in_a_file_name_are_shown_escaped(tmp_path: Path, media: Path) -> None:
    evil = tmp_path / "evil\x1b]0;PWNED\x07\x1b[2J.mp4"
    shutil.copyfile(media / "h264_720x1280_30fps.mp4", evil)
    out = _run(_env(tmp_path), "check", str(evil))
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    assert b"\x1b" not in text and b"\x07" not in text
    assert b"evil\\x1b]0;PWNED\\x07\\x1b[2J.mp4" in text


def test_a_title_that_is_not_text_is_refused(tmp_path: Path, media: Path) -> None:
    video = str(media / "h264_720x1280_30fps.mp4")
    out = _run(_env(tmp_path), "post", video, "--privacy", "SELF_ONLY", "--title", b"bad \xff\xfe bytes")
    assert out.returncode == 2, out.stderr
    assert b"not valid text" in out.stderr and b"Traceback" not in out.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("login", "--port", "99999"),
        ("login", "--timeout", "nan"),
        ("login", "--timeout", "inf"),
        ("history", "--limit", "99999999999999999999999"),
        ("history", "--limit", "0"),
        ("post", "VIDEO", "--privacy", "SELF_ONLY", "--chunk-size", "0"),
        ("post", "VIDEO", "--privacy", "SELF_ONLY", "--chunk-size", "64000001"),
        ("post", "VIDEO", "--privacy", "SELF_ONLY", "--cover-ms", "-5"),
        ("sandbox", "--processing-delay", "nan"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(tmp_path: Path, media: Path, args: tuple[str, ...]) -> None:
    video = str(media / "h264_720x1280_30fps.mp4")
    out = _run(_env(tmp_path), *[video if a == "VIDEO" else a for a in args])
    assert out.returncode == 2, out.stderr
    assert b"Traceback" not in out.stderr and b"error:" in out.stderr.lower()


def test_sandbox_reset_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "thesis.odt").write_text("years of work")
    out = _run(_env(tmp_path), "sandbox", "--reset", "--state-dir", str(docs))
    assert out.returncode == 2 and b"not a sandbox state dir" in out.stderr
    assert (docs / "thesis.odt").read_text() == "years of work"


def test_check_uses_the_signed_in_creators_limits(tmp_path: Path, media: Path, sandbox: Any) -> None:
    """A 12-minute clip: TikTok's general limit (10 min) refuses it either way; a 300 s creator says so by name,
    and a short clip passes both."""
    sandbox.config.creator.max_video_post_duration_sec = 300
    long_clip = str(media / "h264_360x640_24fps_12min.mp4")
    env = _env(tmp_path)
    env.update(CLIPSHIP_API_BASE=sandbox.base_url, CLIPSHIP_ACCESS_TOKEN=sandbox.issue_token()["access_token"])
    signed_in = _run(env, "check", long_clip, "--json")
    assert signed_in.returncode == 2
    problems = " ".join(p["message"] for p in json.loads(signed_in.stdout)["problems"])
    assert "this account can post up to 5 min" in problems
    assert b"Checked against @" in _run(env, "check", long_clip).stderr
    signed_out = _run(_env(tmp_path / "out"), "check", long_clip, "--json")
    assert "this account" not in " ".join(p["message"] for p in json.loads(signed_out.stdout)["problems"])
    assert b"general limits" in _run(_env(tmp_path / "out"), "check", long_clip).stderr
    assert _run(env, "check", str(media / "h264_720x1280_30fps.mp4")).returncode == 0
