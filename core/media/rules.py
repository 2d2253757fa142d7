"""TikTok's video limits and check(facts, limits) -> every Problem, each with a plain message and a fix."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.media import fmt
from core.media.probe import EMPTY, NO_PERMISSION, NOT_A_FILE, NOT_FOUND, MediaFacts
from core.models import CreatorInfo

DEFAULT_MAX_DURATION_S = 600  # the longest any creator may post through the API (10 min)
# TikTok says "4 GB" without a unit. 4,000,000,000 bytes is valid under both readings (GB and GiB);
# the 294,967,296 bytes between 4 GB and 4 GiB might be refused, so they are treated as too large.
MAX_FILE_SIZE = 4_000_000_000
ACCEPTED_CONTAINERS = ("mp4", "mov", "webm")
ACCEPTED_CODECS = ("h264", "h265", "vp8", "vp9")
PORTRAIT = 9 / 16
SHORT_VIDEO_S = 3.0  # third parties report TikTok refusing shorter videos (unconfirmed): a note, not a block


@dataclass(frozen=True)
class Limits:
    """What TikTok accepts. Defaults are the documented limits; max_duration_s comes from the creator."""

    max_duration_s: float = DEFAULT_MAX_DURATION_S
    min_fps: float = 23
    max_fps: float = 60
    min_side: int = 360
    max_side: int = 4096
    max_size: int = MAX_FILE_SIZE
    # Who set max_duration_s, for the message: "tiktok" (the API's 10 min), "creator" or "user" (--max-duration).
    max_duration_source: str = "tiktok"

    @classmethod
    def from_creator(cls, info: CreatorInfo) -> Limits:
        """The signed-in creator's limits (creator_info.max_video_post_duration_sec; 600 s if it is missing)."""
        seconds = info.max_video_post_duration_sec
        if not seconds or seconds <= 0:
            return cls()
        return cls(max_duration_s=seconds, max_duration_source="creator")

    def duration_rule(self) -> str:
        """'TikTok allows up to 10 min (600 s)', or the creator's / the user's own limit."""
        limit = fmt.duration_with_seconds(self.max_duration_s)
        if self.max_duration_source == "creator":
            return f"this account can post up to {limit}"
        if self.max_duration_source == "user":
            return f"the limit you set is {limit}"
        return f"TikTok allows up to {limit}"


@dataclass(frozen=True)
class Problem:
    """One reason TikTok would refuse the video (blocking) or a note worth knowing (advisory)."""

    code: str  # stable id, e.g. "frame_rate"
    blocking: bool
    message: str  # what is wrong, with the measured value
    fix: str  # what to do about it

    def to_dict(self) -> dict[str, str | bool]:
        return {"code": self.code, "blocking": self.blocking, "message": self.message, "fix": self.fix}


_REEXPORT = "Re-export it as MP4 with H.264 video (any video editor or HandBrake can do this)."


def check(facts: MediaFacts, limits: Limits | None = None) -> list[Problem]:
    """Every problem with `facts` under `limits`, blocking ones first; an empty list means all is well."""
    limits = limits or Limits()
    if facts.unreadable is not None:
        return [_unreadable(facts)]
    if facts.file_size == 0:
        return [Problem(EMPTY, True, "The file is empty (0 bytes).", "Export or copy the video again.")]
    problems: list[Problem] = []
    if facts.truncated:
        problems.append(
            Problem(
                "truncated",
                True,
                "The file is cut short: its index describes more video than the file holds "
                "(an unfinished copy, download or export).",
                "Copy or export the video again and let it finish.",
            )
        )
    if not facts.has_video:
        problems.append(_no_video(facts))
        return problems + _size_problems(facts, limits)
    problems += _format_problems(facts)
    problems += _depth_problems(facts)
    problems += _picture_problems(facts, limits)
    problems += _time_problems(facts, limits)
    problems += _size_problems(facts, limits)
    return sorted(problems, key=lambda p: not p.blocking)  # stable: keeps the order within each group


def _unreadable(facts: MediaFacts) -> Problem:
    where = facts.path
    if facts.unreadable == NOT_FOUND:
        return Problem(NOT_FOUND, True, f"No file at {where}.", "Check the path for typos, or pick the file again.")
    if facts.unreadable == NOT_A_FILE:
        return Problem(NOT_A_FILE, True, f"{where} is a folder or a device, not a video file.", "Pick a video file.")
    if facts.unreadable == NO_PERMISSION:
        return Problem(
            NO_PERMISSION,
            True,
            f"Clipship may not read {where} (permission denied).",
            "Give yourself read permission on the file, or copy it somewhere you own.",
        )
    if facts.unreadable == EMPTY:
        return Problem(EMPTY, True, f"The file is empty (0 bytes): {where}.", "Export or copy the video again.")
    detail = f" ({facts.detail})" if facts.detail else ""
    return Problem("read_error", True, f"Could not read {where}{detail}.", "Check the disk or copy the file again.")


def _no_video(facts: MediaFacts) -> Problem:
    if facts.image_format:
        message = f"This is a still image ({facts.image_format}), not a video."
        return Problem("no_video", True, message, "Pick a video file (MP4, MOV or WebM).")
    if facts.container is None:
        message = "This is not a video: the file's content is not a format Clipship recognises."
        return Problem("unknown_format", True, message, "Pick a video file (MP4, MOV or WebM).")
    if facts.audio_codec:
        message = f"This file has sound ({fmt.codec(facts.audio_codec)}) but no video track."
        return Problem("no_video", True, message, "Pick the video file, or add a picture track in a video editor.")
    message = f"This {fmt.container(facts.container)} file has no video track."
    return Problem("no_video", True, message, "Pick a video file (MP4, MOV or WebM).")


def _format_problems(facts: MediaFacts) -> list[Problem]:
    problems = []
    if facts.container not in ACCEPTED_CONTAINERS:
        message = f"The file is {fmt.container(facts.container)}; TikTok needs MP4, MOV or WebM."
        problems.append(Problem("container", True, message, _REEXPORT))
    if facts.video_codec not in ACCEPTED_CODECS:
        message = f"Video codec is {fmt.codec(facts.video_codec)}; TikTok needs H.264, H.265, VP8 or VP9."
        problems.append(Problem("codec", True, message, _REEXPORT))
    return problems


def _depth_problems(facts: MediaFacts) -> list[Problem]:
    if not facts.hdr and (facts.bit_depth or 8) <= 8:
        return []
    what = "HDR" if facts.hdr else f"{facts.bit_depth}-bit"
    if facts.hdr and (facts.bit_depth or 8) > 8:
        what = f"{facts.bit_depth}-bit HDR"
    message = f"The video is {what}; TikTok may convert it, and colours can come out washed out or too dark."
    return [Problem("hdr", False, message, "Convert it to 8-bit SDR (Make it TikTok-ready, or `clipship fix`).")]


def _picture_problems(facts: MediaFacts, limits: Limits) -> list[Problem]:
    width, height = facts.display_width, facts.display_height
    if not width or not height:
        return [
            Problem(
                "resolution_unknown",
                False,
                "Could not measure the picture size.",
                f"If TikTok refuses the video, re-export it with each side {limits.min_side}-{limits.max_side} px.",
            )
        ]
    problems = []
    picture = f"{width}x{height} px"
    if min(width, height) < limits.min_side or max(width, height) > limits.max_side:
        too_small = min(width, height) < limits.min_side
        fix = (
            "Re-export at 720x1280 or 1080x1920."
            if too_small
            else f"Scale it down so no side exceeds {limits.max_side} px, e.g. to 1080x1920."
        )
        message = f"Picture is {picture}; TikTok needs each side between {limits.min_side} and {limits.max_side} px."
        problems.append(Problem("resolution", True, message, fix))
    if abs(width / height - PORTRAIT) > 0.01 * PORTRAIT:
        message = (
            f"Picture is {picture} ({fmt.aspect(width, height)}), not 9:16; TikTok will show it with bars or cropped."
        )
        fix = "For full screen, crop or re-export to 9:16, e.g. 1080x1920."
        problems.append(Problem("aspect_ratio", False, message, fix))
    if min(width, height) < 720 and not any(p.code == "resolution" for p in problems):
        message = f"Picture is {picture}, below 720p; it may look soft on phones."
        problems.append(Problem("low_resolution", False, message, "Export at 720x1280 or more; 1080x1920 is best."))
    return problems


def _time_problems(facts: MediaFacts, limits: Limits) -> list[Problem]:
    problems = []
    rate = facts.frame_rate
    needs = f"TikTok needs {fmt.number(limits.min_fps)}-{fmt.number(limits.max_fps)} fps"
    if rate is None or not math.isfinite(rate) or rate <= 0:
        fix = "If TikTok refuses the video, re-export it at 30 fps."
        problems.append(Problem("frame_rate_unknown", False, f"Could not measure the frame rate; {needs}.", fix))
    elif round(rate, 2) < limits.min_fps or round(rate, 2) > limits.max_fps:
        average = "an average of " if facts.frame_rate_mode == "VFR" else ""
        fix = "Re-export at 30 fps." if rate < limits.min_fps else "Re-export at 60 fps or less (30 fps is safest)."
        problems.append(Problem("frame_rate", True, f"Frame rate is {average}{fmt.fps(rate)}; {needs}.", fix))
    seconds = facts.duration_s
    if seconds is None or math.isnan(seconds) or seconds < 0:
        problems.append(
            Problem(
                "duration_unknown",
                False,
                "Could not measure the duration.",
                f"Make sure the video is at most {fmt.duration_with_seconds(limits.max_duration_s)} long.",
            )
        )
    elif seconds > limits.max_duration_s:
        message = f"The video is {fmt.duration_with_seconds(seconds)} long; {limits.duration_rule()}."
        fix = f"Trim it to {fmt.duration(limits.max_duration_s)} or less."
        problems.append(Problem("duration", True, message, fix))
    elif seconds < SHORT_VIDEO_S:
        message = f"The video is only {fmt.duration(seconds)} long; some report TikTok refusing videos under 3 s."
        problems.append(Problem("short_duration", False, message, "If TikTok refuses it, make it 3 s or longer."))
    return problems


def _size_problems(facts: MediaFacts, limits: Limits) -> list[Problem]:
    if facts.file_size <= limits.max_size:
        return []
    message = f"The file is {fmt.size_with_bytes(facts.file_size)}; TikTok accepts up to {fmt.size(limits.max_size)}."
    fix = "Re-export at a lower bit rate (e.g. 10 Mbit/s for 1080p), or trim it."
    return [Problem("file_size", True, message, fix)]
