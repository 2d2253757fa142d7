"""Media preflight against the tiny real videos in tests/media: facts, every problem, bad input, big files."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.media import (
    MAX_FILE_SIZE,
    READ_CAP,
    Limits,
    MediaFacts,
    Problem,
    check,
    inspect,
    preflight,
)
from core.models import CreatorInfo

sys.path.insert(0, str(Path(__file__).parent))
from mp4pad import pad_mdat, pad_mp4  # noqa: E402

MEDIA = Path(__file__).parent / "media"
GOOD = MEDIA / "h264_720x1280_30fps.mp4"

# name: (container, codec, width, height, fps, duration_s, mime, audio)
GOOD_FILES = {
    "h264_720x1280_30fps.mp4": ("mp4", "h264", 720, 1280, 30.0, 1.0, "video/mp4", "aac"),
    "h264_720x1280_30fps.mov": ("mov", "h264", 720, 1280, 30.0, 1.0, "video/quicktime", "aac"),
    "hevc_720x1280_30fps.mp4": ("mp4", "h265", 720, 1280, 30.0, 1.0, "video/mp4", None),
    "vp9_720x1280_30fps.webm": ("webm", "vp9", 720, 1280, 30.0, 1.008, "video/webm", "opus"),
    "vp8_720x1280_30fps.webm": ("webm", "vp8", 720, 1280, 30.0, 1.0, "video/webm", None),
}


def codes(problems: list[Problem] | tuple[Problem, ...], blocking: bool | None = None) -> list[str]:
    return [p.code for p in problems if blocking is None or p.blocking is blocking]


def creator(max_seconds: int) -> CreatorInfo:
    return CreatorInfo(
        nickname="Test",
        username="test",
        avatar_url="",
        privacy_level_options=("SELF_ONLY",),
        comment_disabled=False,
        duet_disabled=False,
        stitch_disabled=False,
        max_video_post_duration_sec=max_seconds,
    )


@pytest.mark.parametrize("name", sorted(GOOD_FILES))
def test_good_files_have_the_right_facts_and_pass(name: str) -> None:
    container, codec, width, height, fps, duration, mime, audio = GOOD_FILES[name]
    facts = inspect(MEDIA / name)
    assert facts.unreadable is None and facts.has_video and not facts.truncated
    assert (facts.container, facts.video_codec, facts.mime_type, facts.audio_codec) == (container, codec, mime, audio)
    assert (facts.width, facts.height, facts.rotation) == (width, height, 0)
    assert (facts.display_width, facts.display_height) == (width, height)
    assert facts.frame_rate == pytest.approx(fps) and facts.frame_rate_mode == "CFR"
    assert facts.duration_s == pytest.approx(duration, abs=0.001)
    assert facts.file_size == (MEDIA / name).stat().st_size
    assert facts.bit_rate is not None and facts.bit_rate > 0
    assert codes(check(facts), blocking=True) == []


def test_facts_are_immutable_and_typed() -> None:
    facts = inspect(GOOD)
    with pytest.raises(AttributeError):
        facts.width = 1  # type: ignore[misc]
    assert isinstance(facts.frame_rate, float) and isinstance(facts.duration_s, float)
    assert isinstance(facts.width, int) and isinstance(facts.file_size, int) and isinstance(facts.bit_rate, int)
    assert facts.path == str(GOOD)


def test_rotated_phone_video_is_portrait_after_rotation() -> None:
    facts = inspect(MEDIA / "h264_1280x720_rot90.mp4")
    assert (facts.width, facts.height, facts.rotation) == (1280, 720, 90)
    assert (facts.display_width, facts.display_height) == (720, 1280)
    assert "aspect_ratio" not in codes(check(facts))
    assert "turned 90" in "\n".join(facts.summary_lines())


def test_landscape_gets_an_advisory_only() -> None:
    problems = check(inspect(MEDIA / "h264_1280x720_landscape.mp4"))
    assert codes(problems, blocking=True) == []
    (aspect,) = [p for p in problems if p.code == "aspect_ratio"]
    assert "1280x720" in aspect.message and "16:9" in aspect.message and "9:16" in aspect.fix


def test_variable_frame_rate_uses_the_real_average() -> None:
    facts = inspect(MEDIA / "h264_720x1280_vfr.mp4")
    assert facts.frame_rate_mode == "VFR"
    assert facts.duration_s is not None
    assert facts.frame_rate == pytest.approx(90 / facts.duration_s, rel=0.01)  # 60 fps for 1 s, then 30 fps
    assert 44 < facts.frame_rate < 46
    assert codes(check(facts), blocking=True) == []


def test_ten_fps_is_refused_with_the_measured_value_and_a_fix() -> None:
    problems = check(inspect(MEDIA / "h264_720x1280_10fps.mp4"))
    assert codes(problems, blocking=True) == ["frame_rate"]
    problem = problems[0]
    assert problem.message == "Frame rate is 10 fps; TikTok needs 23-60 fps."
    assert problem.fix == "Re-export at 30 fps."


def test_every_problem_is_reported_at_once() -> None:
    problems = check(inspect(MEDIA / "h264_200x200_10fps.mp4"))
    assert sorted(codes(problems, blocking=True)) == ["frame_rate", "resolution"]
    assert "aspect_ratio" in codes(problems, blocking=False)
    resolution = next(p for p in problems if p.code == "resolution")
    assert "200x200" in resolution.message and "360" in resolution.message and "4096" in resolution.message
    assert problems[0].blocking and problems[1].blocking  # blocking problems come first


def test_a_side_over_4096_is_refused() -> None:
    facts = inspect(MEDIA / "h264_5000x5000_30fps.mp4")
    assert (facts.width, facts.height) == (5000, 5000)
    problems = check(facts)
    assert codes(problems, blocking=True) == ["resolution"]
    assert "5000x5000" in problems[0].message and "4096" in problems[0].fix


def test_twelve_minutes_is_over_the_default_and_the_creator_limit() -> None:
    facts = inspect(MEDIA / "h264_360x640_24fps_12min.mp4")
    assert facts.duration_s == pytest.approx(720) and facts.frame_rate == pytest.approx(24)
    default = check(facts)
    assert codes(default, blocking=True) == ["duration"]
    assert "12 min (720 s)" in default[0].message and "600 s" in default[0].message
    assert "low_resolution" in codes(default, blocking=False)

    limits = Limits.from_creator(creator(300))
    assert limits.max_duration_s == 300
    (problem,) = [p for p in check(facts, limits) if p.blocking]
    assert problem.code == "duration"
    assert "this account can post up to 5 min (300 s)" in problem.message
    assert problem.fix == "Trim it to 5 min or less."

    assert codes(check(facts, Limits.from_creator(creator(900))), blocking=True) == []


def test_creator_without_a_duration_gets_the_api_limit() -> None:
    assert Limits.from_creator(creator(0)) == Limits()
    assert Limits().max_duration_s == 600 and Limits().max_size == MAX_FILE_SIZE == 4_000_000_000


def test_a_short_video_is_only_a_note() -> None:
    problems = check(inspect(GOOD))
    assert [(p.code, p.blocking) for p in problems] == [("short_duration", False)]


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("audio_only.m4a", "no_video", "no video track"),
        ("png_renamed.mp4", "no_video", "still image (PNG)"),
        ("text_renamed.mp4", "unknown_format", "not a video"),
        ("h264_truncated.mp4", "truncated", "cut short"),
    ],
)
def test_files_that_are_not_usable_videos(name: str, code: str, words: str) -> None:
    report = preflight(MEDIA / name)
    assert not report.accepted
    assert codes(report.blocking) == [code]
    assert words in report.blocking[0].message and report.blocking[0].fix


def test_truncated_mp4_looks_valid_apart_from_the_flag() -> None:
    facts = inspect(MEDIA / "h264_truncated.mp4")
    assert facts.truncated and facts.has_video
    assert (facts.width, facts.height, facts.frame_rate, facts.duration_s) == (720, 1280, 30.0, 1.0)
    assert not inspect(GOOD).truncated


def test_missing_path(tmp_path: Path) -> None:
    report = preflight(tmp_path / "nope.mp4")
    assert report.facts is not None and report.facts.unreadable == "not_found"
    assert codes(report.problems) == ["not_found"] and "nope.mp4" in report.problems[0].message


def test_missing_parent_and_nul_byte(tmp_path: Path) -> None:
    file = tmp_path / "file.txt"
    file.write_text("x")
    assert codes(preflight(file / "child.mp4").problems) == ["not_found"]
    assert codes(preflight("bad\0name.mp4").problems) == ["not_found"]


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "clip.mp4"
    folder.mkdir()
    report = preflight(folder)
    assert codes(report.problems) == ["not_a_file"] and "folder" in report.problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX-only")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    assert codes(preflight(fifo).problems) == ["not_a_file"]


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    report = preflight(empty)
    assert report.facts is not None and report.facts.file_size == 0
    assert codes(report.problems) == ["empty"] and "0 bytes" in report.problems[0].message


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_no_read_permission(tmp_path: Path) -> None:
    locked = tmp_path / "locked.mp4"
    shutil.copyfile(GOOD, locked)
    locked.chmod(0)
    try:
        if os.geteuid() == 0:
            # root reads anything: drop the effective uid to "nobody" so open() really fails with EACCES.
            # tmp_path's parents are root-only (0700), so give it a world-traversable twin under /tmp.
            import tempfile

            with tempfile.TemporaryDirectory() as shared:
                os.chmod(shared, 0o755)
                locked_copy = Path(shared) / "locked.mp4"
                shutil.copyfile(GOOD, locked_copy)
                locked_copy.chmod(0)
                os.seteuid(65534)
                try:
                    facts = inspect(locked_copy)
                finally:
                    os.seteuid(0)
        else:
            facts = inspect(locked)
    finally:
        locked.chmod(0o600)
    assert facts.unreadable == "no_permission"
    (problem,) = check(facts)
    assert problem.code == "no_permission" and "permission denied" in problem.message


def test_non_ascii_path_with_spaces(tmp_path: Path) -> None:
    folder = tmp_path / "Mein Ürlaub – café 🎬"
    folder.mkdir()
    clip = folder / "clip été 日本.mp4"
    shutil.copyfile(GOOD, clip)
    facts = inspect(clip)
    assert facts.path == str(clip)
    assert (facts.video_codec, facts.width, facts.height, facts.frame_rate) == ("h264", 720, 1280, 30.0)
    assert preflight(clip).accepted


def test_large_padded_files_are_read_and_sized(tmp_path: Path) -> None:
    just_under = pad_mp4(GOOD, tmp_path / "under.mp4", MAX_FILE_SIZE)
    over = pad_mp4(GOOD, tmp_path / "over.mp4", 4 * 1024**3 + 1000)  # needs a 64-bit box size
    under_facts = inspect(just_under)
    assert under_facts.file_size == MAX_FILE_SIZE and not under_facts.truncated
    assert (under_facts.video_codec, under_facts.duration_s, under_facts.frame_rate) == ("h264", 1.0, 30.0)
    assert codes(check(under_facts), blocking=True) == []
    problems = check(inspect(over))
    assert codes(problems, blocking=True) == ["file_size"]
    assert "4.3 GB (4,294,968,296 bytes)" in problems[0].message and "up to 4 GB" in problems[0].message


def test_index_after_gigabytes_of_media_is_found(tmp_path: Path) -> None:
    small = inspect(MEDIA / "h264_720x1280_vfr.mp4")  # moov after mdat, as cameras write
    big = inspect(pad_mdat(MEDIA / "h264_720x1280_vfr.mp4", tmp_path / "camera.mp4", 3_500_000_000))
    assert big.file_size == 3_500_000_000 and not big.truncated
    same = ("video_codec", "width", "height", "frame_rate", "frame_rate_mode", "duration_s")
    assert [getattr(big, name) for name in same] == [getattr(small, name) for name in same]


def _bytes_read_by_this_process() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io to count bytes read")
def test_inspect_never_reads_the_whole_file(tmp_path: Path) -> None:
    junk = tmp_path / "zeros.mp4"  # unrecognisable content makes MediaInfo scan: the read cap must stop it
    with open(junk, "wb") as out:
        out.truncate(4 * READ_CAP)
    padded = pad_mp4(GOOD, tmp_path / "padded.mp4", 2 * 1024**3)
    before = _bytes_read_by_this_process()
    assert codes(preflight(junk).problems) == ["unknown_format"]
    middle = _bytes_read_by_this_process()
    assert inspect(padded).has_video
    after = _bytes_read_by_this_process()
    assert middle - before <= READ_CAP + 1024 * 1024
    assert after - middle < 1024 * 1024


def test_summary_names_what_people_care_about() -> None:
    text = "\n".join(inspect(GOOD).summary_lines())
    for words in ("720x1280 px, 9:16 portrait", "30 fps (constant)", "1 s", "H.264 in MP4", "AAC", "8.9 KB"):
        assert words in text
    assert inspect(MEDIA / "png_renamed.mp4").summary()[0] == ("Format", "PNG image, no video track")


def test_report_json_shape() -> None:
    data = json.loads(json.dumps(preflight(MEDIA / "h264_200x200_10fps.mp4").to_dict()))
    assert set(data) == {"path", "accepted", "facts", "problems"} and data["accepted"] is False
    assert data["facts"]["display_width"] == 200 and data["facts"]["video_codec"] == "h264"
    assert set(data["problems"][0]) == {"code", "blocking", "message", "fix"}


def test_check_lists_every_problem_of_a_hopeless_file() -> None:
    facts = MediaFacts(
        path="x.mkv",
        file_size=5_000_000_000,
        container="Matroska",
        has_video=True,
        video_codec="ProRes",
        width=200,
        height=5000,
        frame_rate=120.0,
        frame_rate_mode="CFR",
        duration_s=700.0,
        truncated=True,
    )
    problems = check(facts)
    assert set(codes(problems, blocking=True)) == {
        "truncated",
        "container",
        "codec",
        "resolution",
        "frame_rate",
        "duration",
        "file_size",
    }
    rate = next(p for p in problems if p.code == "frame_rate")
    assert rate.message == "Frame rate is 120 fps; TikTok needs 23-60 fps." and "60 fps or less" in rate.fix
    assert "Matroska" in next(p for p in problems if p.code == "container").message


def test_frame_rate_bounds_are_inclusive() -> None:
    base = dict(path="x.mp4", file_size=1000, container="mp4", has_video=True, video_codec="h264")
    base.update(width=1080, height=1920, duration_s=10.0)
    for fps, ok in ((23.0, True), (22.9, False), (23.976, True), (59.94, True), (60.0, True), (60.5, False)):
        facts = MediaFacts(**base, frame_rate=fps)  # type: ignore[arg-type]
        assert ("frame_rate" not in codes(check(facts))) is ok, fps


_texts = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["mp4", "mov", "webm", "h264", "vp9", "VFR"]))
_numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))
_ints = st.one_of(st.none(), st.integers(min_value=-(2**40), max_value=2**40))


@settings(max_examples=300, deadline=None)
@given(
    unreadable=st.one_of(st.none(), st.sampled_from(["not_found", "not_a_file", "no_permission", "empty", "x"])),
    file_size=st.integers(min_value=0, max_value=2**63),
    container=_texts,
    has_video=st.booleans(),
    video_codec=_texts,
    width=_ints,
    height=_ints,
    rotation=st.integers(min_value=-720, max_value=720),
    frame_rate=_numbers,
    frame_rate_mode=_texts,
    duration_s=_numbers,
    audio_codec=_texts,
    truncated=st.booleans(),
    image_format=_texts,
    max_duration=st.floats(min_value=0.001, max_value=1e6),
)
def test_check_never_raises_and_always_explains(max_duration: float, **fields: object) -> None:
    facts = MediaFacts(path="clip.mp4", **fields)  # type: ignore[arg-type]
    problems = check(facts, Limits(max_duration_s=max_duration))
    for problem in problems:
        assert problem.code and problem.message and problem.fix
    if facts.unreadable is not None or not facts.has_video or facts.truncated:
        assert any(p.blocking for p in problems)
    facts.summary_lines()
    json.dumps(facts.to_dict())


def test_capped_reader_stops_at_the_cap(tmp_path: Path) -> None:
    from core.media.probe import _CappedReader

    data = tmp_path / "data.bin"
    data.write_bytes(bytes(range(256)) * 40)  # 10,240 bytes
    with open(data, "rb") as raw:
        reader = _CappedReader(raw, 5000)
        assert len(reader.read(4096)) == 4096
        reader.seek(8000)  # seeking is free: MediaInfo jumps over media it does not need
        assert reader.read(4096) == (bytes(range(256)) * 40)[8000:8904]
        assert reader.read(4096) == b"" and reader.bytes_read == 5000


def test_wording_of_numbers() -> None:
    from core.media import fmt

    assert [fmt.duration(s) for s in (0.1, 1, 59.5, 60, 300, 720, 3725)] == [
        "0.1 s",
        "1 s",
        "59.5 s",
        "1 min",
        "5 min",
        "12 min",
        "1 h 2 min 5 s",
    ]
    assert fmt.duration_with_seconds(300) == "5 min (300 s)" and fmt.fps(29.97) == "29.97 fps"
    assert [fmt.size(n) for n in (999, 8894, 4_000_000_000, 4 * 1024**3)] == ["999 bytes", "8.9 KB", "4 GB", "4.3 GB"]
    assert fmt.aspect(1080, 1920) == "9:16 portrait" and fmt.aspect(1920, 1080) == "16:9 landscape"
    assert fmt.number(float("nan")) == "unknown"
