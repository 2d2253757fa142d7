"""`clipship fix` on the committed fixtures: a TikTok-ready copy next to the original, never over a file."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from core.errors import Cancelled
from core.media import Limits, preflight
from core.media.convert import convert, output_path, parse_range, parse_time, plan_fix

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_")}
    env.update(CLIPSHIP_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "main.py"), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


def _copy(media: Path, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "videos"
    folder.mkdir(exist_ok=True)
    target = folder / name
    shutil.copyfile(media / name, target)
    return target


def _fix(tmp_path: Path, video: Path, *extra: str) -> tuple[Path, dict[str, Any]]:
    env = _env(tmp_path)
    out = _run(env, "fix", str(video), "--json", *extra)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    data = json.loads(out.stdout)
    path = Path(data["path"])
    assert path.is_file() and path.parent == video.parent and path != video
    limit = ("--max-duration", extra[extra.index("--max-duration") + 1]) if "--max-duration" in extra else ()
    checked = _run(env, "check", str(path), *limit)
    assert checked.returncode == 0, checked.stdout  # the copy passes `check`
    return path, data


@pytest.mark.parametrize(
    ("name", "problem"),
    [("h264_720x1280_10fps.mp4", "frame_rate"), ("h264_200x200_10fps.mp4", "resolution")],
)
def test_low_frame_rate_and_small_pictures_are_made_acceptable(
    tmp_path: Path, media: Path, name: str, problem: str
) -> None:
    video = _copy(media, tmp_path, name)
    before = video.read_bytes()
    path, data = _fix(tmp_path, video)
    assert video.read_bytes() == before  # the original is untouched
    assert path.name == video.stem + ".tiktok.mp4"
    assert problem in [p["code"] for p in data["fixed"]]
    facts = data["facts"]
    assert facts["video_codec"] == "h264" and facts["container"] == "mp4" and 23 <= facts["frame_rate"] <= 60
    assert min(facts["display_width"], facts["display_height"]) >= 360


def test_5000x5000_is_brought_within_the_limits(tmp_path: Path, media: Path) -> None:
    path, data = _fix(tmp_path, _copy(media, tmp_path, "h264_5000x5000_30fps.mp4"))
    facts = data["facts"]
    assert facts["width"] == facts["height"]  # the aspect ratio is kept
    assert 360 <= facts["width"] <= 4096


@pytest.mark.parametrize("name", ["hevc_720x1280_30fps.mp4", "vp9_720x1280_30fps.webm", "h264_720x1280_30fps.mov"])
def test_hevc_vp9_and_mov_become_h264_mp4(tmp_path: Path, media: Path, name: str) -> None:
    video = _copy(media, tmp_path, name)
    path, data = _fix(tmp_path, video)
    facts = data["facts"]
    assert path.suffix == ".mp4" and facts["container"] == "mp4" and facts["video_codec"] == "h264"
    assert (facts["display_width"], facts["display_height"]) == (720, 1280)
    source = preflight(video).facts
    assert source is not None
    assert (facts["audio_codec"] == "aac") == (source.audio_codec is not None)  # sound kept when there was some
    assert abs(facts["duration_s"] - 1.0) < 0.1


def test_10_bit_hdr_becomes_8_bit_sdr(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "hevc_720x1280_10bit_hdr.mp4")
    report = preflight(video)
    assert report.accepted and "hdr" in [p.code for p in report.advisories]  # a note for check, a fix for fix
    path, data = _fix(tmp_path, video)
    facts = data["facts"]
    assert facts["bit_depth"] == 8 and not facts["hdr"] and facts["video_codec"] == "h264"
    assert "hdr" in [p["code"] for p in data["fixed"]]
    assert "hdr" not in [p.code for p in preflight(path).problems]


def test_a_file_over_4_gb_comes_back_small(tmp_path: Path, media: Path) -> None:
    from mp4pad import pad_mp4

    folder = tmp_path / "videos"
    folder.mkdir()
    big = pad_mp4(media / "h264_720x1280_30fps.mp4", folder / "huge.mp4", 4_100_000_000)  # sparse: no disk
    assert "file_size" in [p.code for p in preflight(big).blocking]
    path, data = _fix(tmp_path, big)
    assert "file_size" in [p["code"] for p in data["fixed"]]
    assert path.stat().st_size < 1_000_000


def test_the_bit_rate_keeps_a_10_minute_4k_60_fps_video_under_4_gb() -> None:
    from fractions import Fraction

    from core.media.convert import AUDIO_BITRATE, _bitrate

    video = _bitrate(2160, 3840, Fraction(60), 600.0, True)
    assert (video + AUDIO_BITRATE) * 600 / 8 < 4_000_000_000 * 0.95
    assert _bitrate(1080, 1920, Fraction(30), 30.0, True) < 10_000_000  # short clips: a quality ceiling, not 4 GB


def test_rotation_is_baked_into_the_picture(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_1280x720_rot90.mp4")
    out = _run(_env(tmp_path), "fix", str(video), "--trim", "0-0.5", "--json")
    assert out.returncode == 0, out.stderr
    facts = json.loads(out.stdout)["facts"]
    assert (facts["width"], facts["height"], facts["rotation"]) == (720, 1280, 0)


def test_the_12_minute_clip_is_trimmed_to_a_5_minute_creator(tmp_path: Path, media: Path, sandbox: Any) -> None:
    sandbox.config.creator.max_video_post_duration_sec = 300
    video = _copy(media, tmp_path, "h264_360x640_24fps_12min.mp4")
    env = _env(tmp_path)
    env.update(CLIPSHIP_API_BASE=sandbox.base_url, CLIPSHIP_ACCESS_TOKEN=sandbox.issue_token()["access_token"])
    assert _run(env, "check", str(video)).returncode == 2
    out = _run(env, "fix", str(video))
    assert out.returncode == 0, out.stderr
    path = Path(out.stdout.strip())
    assert path.is_file()
    check = _run(env, "check", str(path), "--json")
    assert check.returncode == 0, check.stdout
    duration = json.loads(check.stdout)["facts"]["duration_s"]
    assert 299 <= duration <= 300


@pytest.mark.parametrize(
    ("text", "span"), [("5-65", (5.0, 65.0)), ("0:05-1:05", (5.0, 65.0)), ("1:00:00-1:00:30.5", (3600.0, 3630.5))]
)
def test_trim_ranges_take_seconds_and_minutes(text: str, span: tuple[float, float]) -> None:
    assert parse_range(text) == span


@pytest.mark.parametrize("text", ["", "5", "65-5", "a-b", "-1-5", "1:2:3:4-5", "nan-5", "5-inf"])
def test_bad_trim_ranges_are_refused(tmp_path: Path, media: Path, text: str) -> None:
    with pytest.raises(ValueError):
        parse_range(text)
        parse_time(text)
    out = _run(_env(tmp_path), "fix", str(media / "h264_720x1280_30fps.mp4"), f"--trim={text}")
    assert out.returncode == 2 and "Traceback" not in out.stderr and "error:" in out.stderr


def test_a_trim_range_picks_the_part(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_360x640_24fps_12min.mp4")
    path, data = _fix(tmp_path, video, "--trim", "0:05-1:05")
    assert abs(data["facts"]["duration_s"] - 60) < 0.2


def test_a_range_after_the_end_is_refused(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_720x1280_10fps.mp4")
    out = _run(_env(tmp_path), "fix", str(video), "--trim", "5-65")
    assert out.returncode == 2 and "the video is 1 s long" in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in video.parent.iterdir()) == [video.name]


def test_a_range_exactly_the_limit_is_accepted(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_360x640_24fps_12min.mp4")
    path, data = _fix(tmp_path, video, "--trim", "1:00-1:30", "--max-duration", "30")
    assert 29.5 < data["facts"]["duration_s"] <= 30


def test_a_range_longer_than_the_limit_is_refused(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_360x640_24fps_12min.mp4")
    out = _run(_env(tmp_path), "fix", str(video), "--trim", "0-400", "--max-duration", "300")
    assert out.returncode == 2 and "5 min" in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in video.parent.iterdir()) == [video.name]


@pytest.mark.parametrize("name", ["audio_only.m4a", "png_renamed.mp4", "text_renamed.mp4"])
def test_not_a_video_is_refused_with_a_message(tmp_path: Path, media: Path, name: str) -> None:
    video = _copy(media, tmp_path, name)
    out = _run(_env(tmp_path), "fix", str(video))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "Can't make this TikTok-ready" in out.stderr
    if name == "audio_only.m4a":
        assert "no video track" in out.stderr
    assert sorted(p.name for p in video.parent.iterdir()) == [name]


def test_nothing_to_fix_writes_no_file(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_720x1280_30fps.mp4")
    out = _run(_env(tmp_path), "fix", str(video))
    assert out.returncode == 0 and "Nothing to fix" in out.stdout
    data = json.loads(_run(_env(tmp_path), "fix", str(video), "--json").stdout)
    assert data["path"] is None and data["fixed"] == []
    assert sorted(p.name for p in video.parent.iterdir()) == [video.name]


def test_an_existing_output_is_never_overwritten(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_720x1280_10fps.mp4")
    keep = video.parent / "mine.mp4"
    keep.write_bytes(b"precious")
    out = _run(_env(tmp_path), "fix", str(video), "-o", str(keep))
    assert out.returncode == 2 and "never overwrites" in out.stderr
    assert keep.read_bytes() == b"precious"
    same = _run(_env(tmp_path), "fix", str(video), "-o", str(video))
    assert same.returncode == 2
    # Without -o, a second copy gets the next free name.
    first = output_path(video)
    first.write_bytes(b"earlier copy")
    assert output_path(video).name == video.stem + ".tiktok-2.mp4"


def test_o_writes_exactly_there(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "hevc_720x1280_30fps.mp4")
    target = tmp_path / "elsewhere.mp4"
    out = _run(_env(tmp_path), "fix", str(video), "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(target) and target.is_file()


def test_cancel_leaves_no_file(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_360x640_24fps_12min.mp4")
    limits = Limits()
    plan = plan_fix(preflight(video, limits), limits)
    cancel = threading.Event()
    seen: list[float] = []

    def progress(done: float, total: float) -> None:
        seen.append(done)
        if done > 5:
            cancel.set()

    with pytest.raises(Cancelled):
        convert(plan, output_path(video), on_progress=progress, cancel=cancel)
    assert seen and max(seen) < plan.duration_s
    assert sorted(p.name for p in video.parent.iterdir()) == [video.name]


def test_ctrl_c_exits_130_and_leaves_no_partial_file(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_360x640_24fps_12min.mp4")
    cmd = [sys.executable, str(ROOT / "main.py"), "fix", str(video)]
    proc = subprocess.Popen(cmd, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(".part" in p.name for p in video.parent.iterdir()):
        time.sleep(0.05)
    assert any(".part" in p.name for p in video.parent.iterdir()), "the conversion did not start"
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "no file was written" in err
    assert sorted(p.name for p in video.parent.iterdir()) == [video.name]


def test_a_landscape_clip_can_be_framed_9_16(tmp_path: Path, media: Path) -> None:
    video = _copy(media, tmp_path, "h264_1280x720_landscape.mp4")
    for pad in ("black", "blur"):
        out = _run(_env(tmp_path), "fix", str(video), "--pad", pad, "--json")
        assert out.returncode == 0, out.stderr
        facts = json.loads(out.stdout)["facts"]
        assert facts["width"] * 16 == facts["height"] * 9
