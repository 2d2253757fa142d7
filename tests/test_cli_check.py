"""`python main.py check VIDEO` as a user runs it: the report, exit codes 0/2, --json, --max-duration."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / "tests" / "media"


def run_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "check", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env=env,
    )


def test_accepted_video_exits_0_with_facts_and_notes() -> None:
    out = run_check(str(MEDIA / "h264_720x1280_30fps.mp4"))
    assert out.returncode == 0, out.stderr
    assert "general limits" in out.stderr  # signed out: it says which limits it used
    for words in ("H.264 in MP4", "720x1280 px, 9:16 portrait", "30 fps", "Duration", "8.9 KB", "AAC"):
        assert words in out.stdout
    assert "Notes (TikTok accepts these)" in out.stdout and "TikTok would refuse" not in out.stdout
    assert out.stdout.rstrip().endswith("OK: TikTok should accept this video.")


def test_refused_video_exits_2_and_lists_every_problem_with_fixes() -> None:
    out = run_check(str(MEDIA / "h264_200x200_10fps.mp4"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "TikTok would refuse this video:" in out.stdout
    assert "x Frame rate is 10 fps; TikTok needs 23-60 fps.\n    Fix: Re-export at 30 fps." in out.stdout
    assert "x Picture is 200x200 px; TikTok needs each side between 360 and 4096 px." in out.stdout
    assert "NOT ACCEPTED: 2 problems to fix before posting." in out.stdout


def test_json_shape() -> None:
    out = run_check(str(MEDIA / "h264_1280x720_rot90.mp4"), "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert set(data) == {"path", "accepted", "facts", "problems"}
    assert data["accepted"] is True and data["path"].endswith("h264_1280x720_rot90.mp4")
    facts = data["facts"]
    assert (facts["rotation"], facts["display_width"], facts["display_height"]) == (90, 720, 1280)
    assert (facts["container"], facts["video_codec"], facts["mime_type"]) == ("mp4", "h264", "video/mp4")
    assert all(set(p) == {"code", "blocking", "message", "fix"} for p in data["problems"])
    assert not any(p["blocking"] for p in data["problems"])


def test_json_for_a_refused_file() -> None:
    out = run_check(str(MEDIA / "png_renamed.mp4"), "--json")
    assert out.returncode == 2
    data = json.loads(out.stdout)
    assert data["accepted"] is False
    assert [(p["code"], p["blocking"]) for p in data["problems"]] == [("no_video", True)]


def test_max_duration_option() -> None:
    long_video = str(MEDIA / "h264_360x640_24fps_12min.mp4")
    out = run_check(long_video, "--max-duration", "300")
    assert out.returncode == 2
    assert "The video is 12 min (720 s) long; the limit you set is 5 min (300 s)." in out.stdout
    assert "Fix: Trim it to 5 min or less." in out.stdout
    assert run_check(long_video, "--max-duration", "900").returncode == 0
    assert run_check(long_video).returncode == 2  # the default 600 s


@pytest.mark.parametrize("value", ["0", "-5", "ten", "nan"])
def test_bad_max_duration_is_a_usage_error(value: str) -> None:
    out = run_check(str(MEDIA / "h264_720x1280_30fps.mp4"), "--max-duration", value)
    assert out.returncode == 2 and "--max-duration" in out.stderr and "Traceback" not in out.stderr


def test_missing_file_and_folder_are_problems_not_tracebacks(tmp_path: Path) -> None:
    out = run_check(str(tmp_path / "nope.mp4"))
    assert out.returncode == 2 and "Traceback" not in out.stdout + out.stderr
    assert "No file at" in out.stdout and "nope.mp4" in out.stdout
    out = run_check(str(tmp_path))
    assert out.returncode == 2 and "is a folder or a device, not a video file." in out.stdout


def test_non_ascii_path_under_the_c_locale(tmp_path: Path) -> None:
    """MediaInfo opening the name itself fails under LANG=C; inspect hands it an open file instead."""
    folder = tmp_path / "Mein Ürlaub – café 🎬"
    folder.mkdir()
    clip = folder / "clip été.mp4"
    shutil.copyfile(MEDIA / "h264_720x1280_30fps.mp4", clip)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LC_ALL="C", LANG="C")
    out = run_check(str(clip), "--json", env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["path"] == str(clip) and data["facts"]["video_codec"] == "h264"


@pytest.mark.skipif(os.name != "posix" or not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_file_is_a_problem(capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import main as cli_main

    with tempfile.TemporaryDirectory() as shared:
        os.chmod(shared, 0o755)
        locked = Path(shared) / "locked.mp4"
        shutil.copyfile(MEDIA / "h264_720x1280_30fps.mp4", locked)
        locked.chmod(0)
        # root reads anything: run the command (in this process) with the effective uid of "nobody",
        # so open() fails with a real EACCES. (A subprocess as nobody cannot reach this venv's python.)
        as_root = os.geteuid() == 0
        # Import everything first: as "nobody", the interpreter's own root-only stdlib is out of reach.
        assert cli_main(["check", str(MEDIA / "h264_720x1280_30fps.mp4")]) == 0
        capsys.readouterr()
        if as_root:
            os.seteuid(65534)
        try:
            code = cli_main(["check", str(locked)])
        finally:
            if as_root:
                os.seteuid(0)
    out = capsys.readouterr()
    assert code == 2, out.err
    assert "Clipship may not read" in out.out and "(permission denied)" in out.out
    assert "Fix: Give yourself read permission" in out.out and "Traceback" not in out.err
