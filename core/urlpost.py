"""Posts TikTok downloads itself (source PULL_FROM_URL): photo carousels and videos from a URL.

The same attempt lifecycle and history as file uploads (core.attempt, core.history): CHECKING -> (init)
PROCESSING_DOWNLOAD -> PUBLISH_COMPLETE / SEND_TO_USER_INBOX / FAILED. Nothing is uploaded by the app, so there is
nothing to resume; stopping while TikTok downloads sends publish/cancel/, and the record says "nothing was posted"
only when TikTok confirmed it (FAILED publish_cancelled).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.api import TikTokClient
from core.attempt import PENDING_AT_TIKTOK, State
from core.errors import (
    ApiAuthError,
    ApiError,
    ApiInputError,
    Cancelled,
    ClipshipError,
    Detached,
    InputError,
    NetworkError,
)
from core.history import Attempt, History
from core.models import (
    PHOTO_DESCRIPTION_MAX_UTF16,
    PHOTO_MAX_COUNT,
    PHOTO_TITLE_MAX_UTF16,
    PRIVACY_LABELS,
    PRIVACY_LEVELS,
    CreatorInfo,
    PhotoSettings,
    PostSettings,
    PublishResult,
    Stage,
    utf16_len,
)
from core.pipeline import (
    MAX_WAIT_S,
    POLL_INTERVALS,
    AttemptCallback,
    _finish,
    _intervals,
    _public,
    _Run,
    _stage,
    _wait_for_link,
    apply_status,
    target_of,
)
from core.postcheck import check_privacy, check_settings
from core.progress import human_bytes
from core.urlcheck import static_problems, url_prefix

CANCEL_CONFIRM_S = 10.0  # after TikTok accepted a cancel, how long to wait for the status to say so

KIND_PHOTOS = "photos"
KIND_VIDEO_URL = "video_url"


@dataclass(frozen=True)
class UrlPostRequest:
    """One PULL_FROM_URL post with every value resolved: photos (PhotoSettings) or one video (PostSettings)."""

    kind: str  # KIND_PHOTOS or KIND_VIDEO_URL
    urls: tuple[str, ...]
    settings: PhotoSettings | PostSettings
    account: str | None = None
    wait: bool = True
    link_wait_s: float = 0.0


def check_photo_settings(settings: PhotoSettings, count: int) -> None:
    """The photo post's settings alone (InputError, exit 2, before any request)."""
    if not 1 <= count <= PHOTO_MAX_COUNT:
        raise InputError(
            f"A photo post takes 1 to {PHOTO_MAX_COUNT} images; {count} were given.", "Give 1-35 image URLs."
        )
    for name, text, limit in (
        ("title", settings.title, PHOTO_TITLE_MAX_UTF16),
        ("description", settings.description, PHOTO_DESCRIPTION_MAX_UTF16),
    ):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"The {name} is not valid text.", f"Type the {name} again.") from None
        if utf16_len(text) > limit:
            raise InputError(
                f"The {name} is {utf16_len(text)} characters (UTF-16 units); TikTok allows {limit} for photo posts.",
                f"Shorten the {name}.",
            )
    if not 0 <= settings.cover_index < count:
        raise InputError(
            f"The cover index {settings.cover_index} is not one of the {count} images.",
            f"Give --cover-index 0 to {count - 1} (0 is the first image).",
        )
    if settings.draft:
        direct_only = [
            flag
            for flag, on in (
                ("--privacy", bool(settings.privacy_level)),
                ("--no-comment", settings.disable_comment),
                ("--auto-music", settings.auto_add_music),
                ("--your-brand", settings.brand_organic_toggle),
                ("--branded-content", settings.brand_content_toggle),
            )
            if on
        ]
        if direct_only:
            raise InputError(
                f"{', '.join(direct_only)} apply only to direct posts; a draft is finished in the TikTok app.",
                "Leave them out with --draft, or post directly with --privacy.",
            )
        return
    check_privacy(
        settings.privacy_level,
        settings.brand_content_toggle,
        f"Use --privacy {', '.join(PRIVACY_LEVELS)}, or --draft to finish it in the TikTok app.",
    )


def check_request(request: UrlPostRequest, prefixes: Sequence[str] = ()) -> None:
    """Every check that needs no request (settings, https, host names, verified prefixes): InputError."""
    if request.kind == KIND_PHOTOS:
        assert isinstance(request.settings, PhotoSettings)
        check_photo_settings(request.settings, len(request.urls))
    else:
        assert isinstance(request.settings, PostSettings)
        if len(request.urls) != 1:
            raise InputError("A video post takes one URL.", "Give one https:// address with --url.")
        check_settings(request.settings)
    problems = [p for url in request.urls for p in static_problems(url, prefixes)]
    if problems:
        raise InputError(" ".join(p.text() for p in problems), "Nothing was sent to TikTok.")


def photo_body(urls: Sequence[str], settings: PhotoSettings) -> dict[str, Any]:
    """The content/init body of a photo post (tiktok-api.md §3.3)."""
    info: dict[str, Any] = {}
    if settings.title:
        info["title"] = settings.title
    if settings.description:
        info["description"] = settings.description
    if not settings.draft:
        info.update(
            privacy_level=settings.privacy_level,
            disable_comment=settings.disable_comment,
            auto_add_music=settings.auto_add_music,
            brand_content_toggle=settings.brand_content_toggle,
            brand_organic_toggle=settings.brand_organic_toggle,
        )
    return {
        "media_type": "PHOTO",
        "post_mode": "MEDIA_UPLOAD" if settings.draft else "DIRECT_POST",
        "post_info": info,
        "source_info": {
            "source": "PULL_FROM_URL",
            "photo_images": list(urls),
            "photo_cover_index": settings.cover_index,
        },
    }


def url_fingerprint(urls: Sequence[str]) -> str:
    return "url:" + hashlib.sha256("\n".join(urls).encode("utf-8")).hexdigest()


def publish_urls(
    client: TikTokClient,
    request: UrlPostRequest,
    *,
    history: History | None = None,
    account: str = "",
    username: str = "",
    on_stage: Any = None,
    on_attempt: AttemptCallback | None = None,
    cancel: threading.Event | None = None,
    poll_intervals: Sequence[float] = POLL_INTERVALS,
    max_wait_s: float = MAX_WAIT_S,
) -> PublishResult:
    """Post photos or a video from URLs and follow it (request.wait) to TikTok's outcome.

    Raises what core.pipeline.publish raises: InputError (nothing sent), AuthError, ApiError / NetworkError,
    PublishFailed (TikTok said FAILED), Cancelled (stopped before init, or a cancel TikTok confirmed: nothing was
    posted) and Detached (stopped while TikTok may still post)."""
    own_history = history is None
    run = _Run.start(client, history, cancel, on_stage, None, on_attempt, None, poll_intervals)
    run.max_wait_s, run.link_wait_s = max_wait_s, request.link_wait_s
    try:
        return _publish(run, request, account, username)
    finally:
        if own_history:
            run.history.close()


def _publish(run: _Run, request: UrlPostRequest, account: str, username: str) -> PublishResult:
    _stage(run.on_stage, Stage.CHECKING, "checking the post")
    check_request(request)
    settings = request.settings
    what = "photo post" if request.kind == KIND_PHOTOS else "video from a URL"
    attempt = run.history.create(
        path=request.urls[0],
        file_size=0,
        file_fingerprint=url_fingerprint(request.urls),
        account=account,
        api_base=target_of(run.client),
        sandbox=run.client.config.sandbox,
        settings=settings,
        chunk_size=0,
        chunk_count=0,
        username=username,
        request=settings,
        kind=request.kind,
        urls=request.urls,
    )
    if run.on_attempt is not None:
        run.on_attempt(attempt)
    try:
        _stage(run.on_stage, Stage.CHECKING, "asking TikTok what this account may post")
        creator = _creator_info(run.client, settings.draft, run.cancel)
        settings = _check_creator(settings, creator)
        if run.cancel.is_set():
            raise Cancelled("Cancelled.", "")
        _stage(run.on_stage, Stage.INITIALIZING, f"{what}: {'draft' if settings.draft else 'direct post'}")
        # From the moment the init leaves, TikTok may download and post the files whatever happens here (a kill,
        # a lost answer): the record says so before the request is sent, and only TikTok's answer changes it.
        attempt = run.record(attempt.id, State.UPLOADED, detail=SENDING)
        # Not cut short by a cancel: an init cut mid-request may still start TikTok's download, and then only
        # publish/cancel/ (below) can stop it truthfully.
        if isinstance(settings, PhotoSettings):
            init = run.client.init_photos(photo_body(request.urls, settings))
        else:
            init = run.client.init_video_url(settings, request.urls[0])
    except Cancelled:
        run.record(attempt.id, State.CANCELLED, detail="cancelled before anything was sent")
        raise Cancelled("Cancelled before the post was sent. Nothing was sent to TikTok.", "") from None
    except ApiError as exc:
        run.record(attempt.id, State.FAILED, error=exc.message, detail="refused by TikTok; nothing was posted")
        if exc.code == "url_ownership_unverified":
            raise unverified_error(request.urls, exc) from None
        raise
    except NetworkError as exc:
        if attempt.state != State.UPLOADED:  # creator_info, before the post left: nothing was sent
            run.record(attempt.id, State.FAILED, error=exc.message, detail="no answer before sending; nothing was sent")
            raise
        run.record(  # stays "sent, outcome not known": TikTok may have started the download
            attempt.id,
            State.UPLOADED,
            error=exc.message,
            detail="TikTok's answer to the post did not arrive; it may have started the download",
        )
        raise NetworkError(
            f"{exc.message} TikTok may have received the post anyway.",
            "Check the account in the TikTok app before posting again.",
        ) from None
    except ClipshipError as exc:
        run.record(attempt.id, State.FAILED, error=exc.message, detail="refused before sending; nothing was sent")
        raise
    except BaseException:
        sent = attempt.state == State.UPLOADED  # the init had left: TikTok may have it
        run.record(
            attempt.id,
            State.UPLOADED if sent else State.ABANDONED,
            error="Stopped while the post was being sent: TikTok may have received it." if sent else None,
            detail="stopped during the init request" if sent else "stopped before anything was sent",
        )
        raise
    attempt = run.record(
        attempt.id,
        State.DOWNLOADING,
        publish_id=init.publish_id,
        username=(creator.username if creator is not None else "") or username or None,
        settings=settings,
        log_id=init.log_id,
        detail="TikTok is downloading the files",
    )
    if run.cancel.is_set():  # stopped while the init was under way
        _stop(run, attempt)
    if not request.wait:
        _stage(run.on_stage, Stage.UPLOADED, "TikTok is downloading the files; it posts when done")
        return run.result(attempt)
    attempt = _follow(run, attempt)
    if attempt.state == State.PUBLISHED and not attempt.post_ids and run.link_wait_s > 0 and _public(attempt):
        attempt = _wait_for_link(run, attempt)
    return _finish(run, attempt, False)


SENDING = "the post is being sent to TikTok, which downloads the files itself"


def unverified_error(urls: Sequence[str], exc: ApiError) -> ApiInputError:
    """url_ownership_unverified (exit 2), naming the prefix(es) to verify in the developer portal."""
    prefixes = sorted({url_prefix(u) for u in urls})
    return ApiInputError(
        exc.code,
        f"TikTok has not verified that this app owns {' or '.join(prefixes)} ({exc.code}). Nothing was posted.",
        exc.log_id,
        exc.http_status,
        hint="In TikTok's developer portal (your app > URL properties) verify the URL prefix "
        f"{prefixes[0]} (or its domain), then list it: 'clipship config set verified_url_prefixes {prefixes[0]}'.",
    )


def _creator_info(client: TikTokClient, draft: bool, cancel: threading.Event) -> CreatorInfo | None:
    try:
        return client.creator_info(cancel)
    except ApiAuthError as exc:
        if draft and exc.code == "scope_not_authorized":
            return None
        raise


def _check_creator(settings: PhotoSettings | PostSettings, creator: CreatorInfo | None) -> Any:
    if creator is None or settings.draft:
        return settings
    if settings.privacy_level not in creator.privacy_level_options:
        offered = ", ".join(f"{o} ({PRIVACY_LABELS.get(o, o)})" for o in creator.privacy_level_options)
        raise InputError(
            f"This account cannot post with privacy {settings.privacy_level}.",
            f"Choose one the account offers: {offered or 'none'}.",
        )
    no_comment = settings.disable_comment or creator.comment_disabled
    if isinstance(settings, PostSettings):
        return dataclasses.replace(
            settings,
            disable_comment=no_comment,
            disable_duet=settings.disable_duet or creator.duet_disabled,
            disable_stitch=settings.disable_stitch or creator.stitch_disabled,
        )
    return dataclasses.replace(settings, disable_comment=no_comment)


def _follow(run: _Run, attempt: Attempt) -> Attempt:
    """status/fetch until TikTok decides; Ctrl-C / cancel while it downloads sends publish/cancel/."""
    assert attempt.publish_id is not None
    delays = _intervals(run.poll_intervals)
    deadline = time.monotonic() + run.max_wait_s
    last = ""
    _stage(run.on_stage, Stage.PROCESSING, "TikTok is downloading the files")
    while attempt.state in PENDING_AT_TIKTOK:
        try:
            run.client.wait(next(delays), run.cancel)
            st = run.client.fetch_status(attempt.publish_id, run.cancel)
        except Cancelled:
            _stop(run, attempt)
        attempt = apply_status(run.history, attempt, st)
        if run.on_attempt is not None:
            run.on_attempt(attempt)
        if st.status != last:
            last = st.status
            if st.status == "PROCESSING_DOWNLOAD":
                got = f" ({human_bytes(st.downloaded_bytes)} so far)" if st.downloaded_bytes else ""
                _stage(run.on_stage, Stage.PROCESSING, f"TikTok is downloading{got}")
            else:
                _stage(run.on_stage, Stage.PROCESSING, st.status.replace("_", " ").lower())
        if attempt.state in PENDING_AT_TIKTOK and time.monotonic() > deadline:
            raise NetworkError(
                f"TikTok is still working on the post after {run.max_wait_s / 60:.0f} minutes.",
                f"Check again later with 'clipship status {attempt.publish_id}'.",
            )
    return attempt


def _stop(run: _Run, attempt: Attempt) -> None:
    """The user stopped while TikTok works on the post: cancel a download, then say truthfully what happened."""
    publish_id = attempt.publish_id or ""
    later = f"See how it ends with 'clipship status {publish_id}' (or on the History tab)."
    current = run.history.get_id(attempt.id) or attempt
    if current.state != State.DOWNLOADING:
        raise Detached("Stopped watching. TikTok has the files and may still post them.", later)
    _stage(run.on_stage, Stage.CANCELLED, "asking TikTok to cancel the download")
    try:
        run.client.cancel_publish(publish_id)
    except ApiError as exc:
        run.history.transition(attempt.id, current.state, detail=f"cancel refused: {exc.code}")
        if exc.code == "publish_not_cancellable":
            raise Detached(
                "Stopped watching. TikTok could no longer cancel the post (its download had ended): it may be posted.",
                later,
            ) from None
        raise Detached(
            f"Stopped watching. The cancel was not confirmed ({exc.message}); TikTok may post.", later
        ) from None
    except NetworkError as exc:
        raise Detached(
            f"Stopped watching. The cancel did not reach TikTok ({exc.message}); TikTok may post.", later
        ) from None
    run.history.transition(attempt.id, current.state, detail="TikTok accepted the cancel")
    deadline = time.monotonic() + CANCEL_CONFIRM_S
    while time.monotonic() < deadline:
        try:
            st = run.client.fetch_status(publish_id)
        except ClipshipError:
            break
        current = apply_status(run.history, current, st)
        if run.on_attempt is not None:
            run.on_attempt(current)
        if current.state not in PENDING_AT_TIKTOK:
            break
        time.sleep(0.5)
    if current.state == State.FAILED:
        _stage(run.on_stage, Stage.CANCELLED, "cancelled; nothing was posted")
        raise Cancelled(
            f"Cancelled: TikTok stopped the download ({current.fail_reason or 'publish_cancelled'}).",
            "Nothing was posted.",
        )
    if current.state in (State.PUBLISHED, State.INBOX):
        raise Detached(f"Too late to cancel: TikTok had already finished the post ({current.status}).", later)
    raise Detached("TikTok accepted the cancel but has not confirmed it yet; the post may still appear.", later)
