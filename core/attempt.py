"""The post attempt state machine: every state an attempt can be in, the transitions allowed, what each one means.

One attempt is one row of the history database (core.history). Every transition is written before the next
network step, so a process killed at any instant leaves a record that tells the truth:

    CHECKING ──> INITIATED ──> UPLOADING ──> UPLOADED ──> PROCESSING_UPLOAD ──> PUBLISH_COMPLETE
        │            │             │  ▲           │                │        └──> SEND_TO_USER_INBOX
        │            └──> INTERRUPTED ┘           └────────────────┴──────────> FAILED
        └──> CANCELLED / FAILED (nothing was sent)     INTERRUPTED ──> ABANDONED (the upload link is gone)

- CHECKING: fresh creator_info and the checks before init. Nothing has reached TikTok.
- INITIATED: TikTok gave a publish_id and an upload URL (kept with its expiry and the chunk plan); no byte sent.
- UPLOADING: chunks are being sent; acked_bytes is what TikTok has acknowledged.
- INTERRUPTED: the upload stopped before the last byte (cancel, Ctrl-C, SIGTERM, a crash, the network). TikTok
  does not publish a partial upload; re-posting the same file resumes it while the upload URL is valid.
- UPLOADED: every byte was sent; the outcome is TikTok's (it may publish even if we never hear back).
- PROCESSING_UPLOAD, PUBLISH_COMPLETE, SEND_TO_USER_INBOX, FAILED: what TikTok's status/fetch said.
- PROCESSING_DOWNLOAD: a PULL_FROM_URL post (a video or photos from URLs): TikTok gave a publish_id and downloads
  the files itself (nothing is uploaded by the app). A cancel that TikTok confirms ends it FAILED with
  publish_cancelled. Its init is recorded as UPLOADED before it is sent (TikTok may act on it even if the answer
  never arrives): a kill or a lost answer leaves "sent, outcome not known", never "not posted".
- ABANDONED: an interrupted upload that can no longer be resumed (its URL expired, or TikTok forgot it).
- CANCELLED: stopped before init; nothing was sent.

The values are the strings stored in the history (TikTok's own status names where TikTok decides).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class State(enum.StrEnum):
    CHECKING = "CHECKING"
    INITIATED = "INITIATED"
    UPLOADING = "UPLOADING"
    INTERRUPTED = "INTERRUPTED"
    UPLOADED = "UPLOADED"
    PROCESSING = "PROCESSING_UPLOAD"
    DOWNLOADING = "PROCESSING_DOWNLOAD"
    PUBLISHED = "PUBLISH_COMPLETE"
    INBOX = "SEND_TO_USER_INBOX"
    FAILED = "FAILED"
    ABANDONED = "ABANDONED"
    CANCELLED = "CANCELLED"


# What TikTok's status/fetch may say, and the states it moves an attempt to.
TIKTOK_STATES = (State.PROCESSING, State.PUBLISHED, State.INBOX, State.FAILED)
_AFTER_DOWNLOAD = frozenset({State.DOWNLOADING, *TIKTOK_STATES})

# The one table of allowed transitions (a state may always be written again, e.g. new acked bytes or post ids).
TRANSITIONS: Mapping[State, frozenset[State]] = {
    State.CHECKING: frozenset(
        {State.INITIATED, State.UPLOADED, State.DOWNLOADING, State.CANCELLED, State.FAILED, State.ABANDONED}
    ),
    State.INITIATED: frozenset({State.UPLOADING, State.INTERRUPTED, State.ABANDONED, *TIKTOK_STATES}),
    State.UPLOADING: frozenset({State.INTERRUPTED, State.UPLOADED, State.FAILED, State.ABANDONED, *TIKTOK_STATES}),
    State.INTERRUPTED: frozenset({State.UPLOADING, State.UPLOADED, State.ABANDONED, *TIKTOK_STATES}),
    # TikTok's status says bytes are missing after all (the last ones were sent, but never arrived).
    # A URL post whose init left (UPLOADED with no publish_id yet) moves on with TikTok's answer.
    State.UPLOADED: frozenset({State.INTERRUPTED, State.DOWNLOADING, *TIKTOK_STATES}),
    State.PROCESSING: frozenset(TIKTOK_STATES),
    State.DOWNLOADING: _AFTER_DOWNLOAD,
    State.INBOX: frozenset({State.PUBLISHED}),  # the creator finished the draft in the TikTok app
    State.PUBLISHED: frozenset(),
    State.FAILED: frozenset(),
    State.ABANDONED: frozenset(),
    State.CANCELLED: frozenset(),
}

# Being worked on by a live process (a record left in one of these by a dead process is recovered at start).
ACTIVE = frozenset({State.CHECKING, State.INITIATED, State.UPLOADING})
# An upload that stopped before its last byte and may be continued while its upload URL is valid.
RESUMABLE = frozenset({State.INITIATED, State.UPLOADING, State.INTERRUPTED})
# Every byte reached TikTok (or may have): posting the same file again could duplicate it.
AT_TIKTOK = frozenset({State.UPLOADED, State.PROCESSING, State.DOWNLOADING, State.PUBLISHED, State.INBOX})
# Nothing will change any more without the user (PUBLISH_COMPLETE may still gain its post id).
TERMINAL = frozenset({State.PUBLISHED, State.INBOX, State.FAILED, State.ABANDONED, State.CANCELLED})
# TikTok decides from here: keep asking status/fetch.
PENDING_AT_TIKTOK = frozenset({State.UPLOADED, State.PROCESSING, State.DOWNLOADING})


class TransitionError(ValueError):
    """A transition the state machine does not allow (a bug, never a user error)."""


def parse(value: str) -> State:
    """A stored status string as a State (statuses written by wave 1 map onto the nearest state)."""
    legacy = {"INITIALIZED": State.INITIATED, "ERROR": State.INTERRUPTED}
    if value in legacy:
        return legacy[value]
    return State(value)


def can_move(old: State, new: State) -> bool:
    return new == old or new in TRANSITIONS[old]


def check_move(old: State, new: State) -> None:
    if not can_move(old, new):
        raise TransitionError(f"an attempt cannot go from {old} to {new}")


def post_url(username: str, post_id: str) -> str:
    """The public link of a published video."""
    return f"https://www.tiktok.com/@{username}/video/{post_id}" if username and post_id else ""
