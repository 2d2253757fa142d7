"""Optional post-upload checks TikTok runs on the received file, giving its documented fail_reason values."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

CONTAINERS = ("mp4", "mov", "webm")
CODECS = ("h264", "h265", "vp8", "vp9")


def fail_reason(path: Path, max_duration_s: int | None) -> str | None:
    """The fail_reason TikTok would give the file at `path`, or None when it passes (or cannot be inspected).

    max_duration_s is the creator's limit for direct posts; None for inbox drafts (users trim in the app).
    """
    from core.media.probe import MediaInfoUnavailable, inspect

    try:
        facts = inspect(path)
    except MediaInfoUnavailable:
        log.warning("sandbox: MediaInfo unavailable, received media not checked")
        return None
    if (
        facts.unreadable
        or not facts.has_video
        or facts.truncated
        or facts.container not in CONTAINERS
        or facts.video_codec not in CODECS
    ):
        return "file_format_check_failed"
    if facts.duration_s is None or (max_duration_s is not None and facts.duration_s > max_duration_s + 0.5):
        return "duration_check_failed"
    if facts.frame_rate is None or not 23 <= facts.frame_rate <= 60:
        return "frame_rate_check_failed"
    sides = (facts.width, facts.height)
    if any(side is None or not 360 <= side <= 4096 for side in sides):
        return "picture_size_check_failed"
    return None
