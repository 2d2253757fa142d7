"""The checks before a post: local ones (file, settings, media, chunk plan), then those needing creator_info."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from core import media
from core.chunks import ChunkPlan, plan_chunks
from core.errors import InputError
from core.media import MediaFacts, Problem
from core.models import PRIVACY_LABELS, PRIVACY_LEVELS, TITLE_MAX_UTF16, CreatorInfo, PostSettings, utf16_len
from core.upload import content_type_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A file that passed the local checks: its chunk plan, upload Content-Type and core.media facts."""

    path: Path
    plan: ChunkPlan
    content_type: str
    facts: MediaFacts | None = None
    duration_s: float | None = None


def _blocking_text(problems: tuple[Problem, ...] | list[Problem]) -> str:
    return " ".join(f"{p.message} {p.fix}".strip() for p in problems if p.blocking)


def check_settings(settings: PostSettings) -> None:
    """The post settings alone: privacy chosen (direct posts), branded content not private, title length."""
    try:
        settings.title.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "The title is not valid text: it holds bytes that are not UTF-8.",
            "Type the title again, or set the terminal to UTF-8.",
        ) from None
    if not settings.draft:
        check_privacy(
            settings.privacy_level,
            settings.brand_content_toggle,
            "Use --privacy PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY.",
        )
        length = utf16_len(settings.title)
        if length > TITLE_MAX_UTF16:
            raise InputError(
                f"The title is {length} characters (UTF-16 units); TikTok allows {TITLE_MAX_UTF16}.",
                "Shorten the title.",
            )
    cover = settings.video_cover_timestamp_ms
    if cover is not None and cover < 0:
        raise InputError("The cover time cannot be negative.", "Give the cover frame's time in milliseconds.")


def prepare(path: Path, settings: PostSettings, chunk_size: int | None = None) -> Prepared:
    """Every check that needs no request. Raises InputError (exit 2): nothing has been sent."""
    check_settings(settings)
    if not path.exists():
        raise InputError(f"No such file: {path}", "Check the path.")
    if not path.is_file():
        raise InputError(f"Not a file: {path}", "Give the path of a video file.")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}", "Check the file's permissions.") from None
    report = media.preflight(path, media.Limits())
    if report.blocking:
        raise InputError("TikTok would refuse this video: " + _blocking_text(report.blocking), "Fix the video first.")
    facts = report.facts
    duration = facts.duration_s if facts is not None else None
    cover = settings.video_cover_timestamp_ms
    if cover is not None and duration is not None and cover > duration * 1000:
        raise InputError(
            f"The cover time {cover} ms is past the end of the video ({duration:.1f} s).",
            "Choose a time within the video.",
        )
    plan = plan_chunks(size, chunk_size)
    ctype = facts.mime_type if facts is not None and facts.mime_type else content_type_for(path)
    return Prepared(path, plan, ctype, facts, duration)


def check_creator(prepared: Prepared, settings: PostSettings, creator: CreatorInfo | None) -> PostSettings:
    """The checks against fresh creator_info; returns the settings with interactions the creator disabled off."""
    if creator is None:
        return settings
    if not settings.draft:
        if settings.privacy_level not in creator.privacy_level_options:
            offered = ", ".join(f"{o} ({PRIVACY_LABELS.get(o, o)})" for o in creator.privacy_level_options)
            raise InputError(
                f"This account cannot post with privacy {settings.privacy_level}.",
                f"Choose one the account offers: {offered or 'none'}.",
            )
        if prepared.facts is not None:
            problems = media.check(prepared.facts, media.Limits.from_creator(creator))
            if any(p.blocking for p in problems):
                raise InputError(
                    "TikTok would refuse this video for this account: " + _blocking_text(problems),
                    "Trim the video, or send it as a draft (--draft) and trim it in the TikTok app.",
                )
        settings = dataclasses.replace(
            settings,
            disable_comment=settings.disable_comment or creator.comment_disabled,
            disable_duet=settings.disable_duet or creator.duet_disabled,
            disable_stitch=settings.disable_stitch or creator.stitch_disabled,
        )
    return settings


def check_privacy(privacy_level: str | None, branded: bool, missing_hint: str) -> None:
    """A direct post's privacy (tiktok-api.md §9): chosen explicitly, one TikTok knows, and never "Only me" for
    branded content. InputError (exit 2) otherwise; `missing_hint` says how to choose one."""
    if not privacy_level:
        raise InputError("Choose who can see the post: TikTok requires an explicit privacy level.", missing_hint)
    if privacy_level not in PRIVACY_LEVELS:
        raise InputError(f"Unknown privacy level {privacy_level!r}.", f"Use one of: {', '.join(PRIVACY_LEVELS)}.")
    if branded and privacy_level == "SELF_ONLY":
        raise InputError(
            "Branded content visibility cannot be set to private (Only me).",
            "Choose a public or friends privacy level, or leave out --branded-content.",
        )
