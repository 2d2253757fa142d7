"""The vocabulary shared by the engine, the command line and the window: plain frozen dataclasses."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
PRIVACY_LABELS = {
    "PUBLIC_TO_EVERYONE": "Everyone",
    "MUTUAL_FOLLOW_FRIENDS": "Friends",
    "FOLLOWER_OF_CREATOR": "Followers",
    "SELF_ONLY": "Only me",
}
TITLE_MAX_UTF16 = 2200


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit TikTok counts captions in."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class CreatorInfo:
    """What creator_info/query says about the signed-in creator, fetched fresh before each post."""

    nickname: str
    username: str
    avatar_url: str
    privacy_level_options: tuple[str, ...]
    comment_disabled: bool
    duet_disabled: bool
    stitch_disabled: bool
    max_video_post_duration_sec: int


@dataclass(frozen=True)
class PostSettings:
    """What the user chose for one post. privacy_level is None until the user picks one (no default)."""

    privacy_level: str | None = None
    title: str = ""
    disable_comment: bool = True
    disable_duet: bool = True
    disable_stitch: bool = True
    video_cover_timestamp_ms: int | None = None
    brand_organic_toggle: bool = False  # "Your brand"
    brand_content_toggle: bool = False  # "Branded content" (paid partnership)
    is_aigc: bool = False
    draft: bool = False  # inbox upload: the creator finishes the post in the TikTok app


class Stage(enum.StrEnum):
    """Where a post is. Terminal stages: PUBLISHED, SENT_TO_INBOX, UPLOADED (no wait), FAILED, CANCELLED."""

    CHECKING = "checking"
    INITIALIZING = "initializing"
    UPLOADING = "uploading"
    PROCESSING = "processing"
    PUBLISHED = "published"
    SENT_TO_INBOX = "sent_to_inbox"
    UPLOADED = "uploaded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PublishResult:
    """The end of one post attempt, as the CLI's --json prints it."""

    publish_id: str
    status: str  # TikTok's status string, e.g. PUBLISH_COMPLETE, SEND_TO_USER_INBOX, FAILED, PROCESSING_UPLOAD
    fail_reason: str | None
    post_ids: tuple[str, ...]
    video_size: int
    chunk_size: int
    chunk_count: int
    elapsed_s: float
    log_ids: tuple[str, ...] = field(default=())
    post_url: str = ""  # https://www.tiktok.com/@USERNAME/video/ID once TikTok gives a post id
    resumed: bool = False  # this run continued an interrupted upload instead of starting a new one
    acked_bytes: int = 0  # bytes TikTok acknowledged


# Plain callbacks the core reports through; the UI turns them into Qt signals.
ProgressCallback = Callable[[int, int], None]  # (bytes sent, total bytes)
StageCallback = Callable[[Stage, str], None]  # (stage, human detail, e.g. "chunk 3 of 15")


PHOTO_TITLE_MAX_UTF16 = 90
PHOTO_DESCRIPTION_MAX_UTF16 = 4000
PHOTO_MAX_COUNT = 35


@dataclass(frozen=True)
class PhotoSettings:
    """What the user chose for one photo post (tiktok-api.md §3.3). privacy_level has no default; with draft
    (MEDIA_UPLOAD) only the title and description are sent."""

    privacy_level: str | None = None
    title: str = ""
    description: str = ""
    disable_comment: bool = False
    auto_add_music: bool = False
    brand_organic_toggle: bool = False  # "Your brand"
    brand_content_toggle: bool = False  # "Branded content"
    draft: bool = False  # post_mode MEDIA_UPLOAD: the creator finishes the post in the TikTok app
    cover_index: int = 0  # photo_cover_index, 0-based
