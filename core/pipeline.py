"""The publish engine: fresh creator_info -> preflight -> init -> upload -> status, one attempt state machine.

Call publish() from a worker thread (never a GUI thread): it blocks until the outcome is known or the user stops.
Every step is written to the history (core.history, core.attempt) before the next network step. It reports
through plain callbacks, stops when `cancel` is set, and raises only ClipshipError subclasses:
InputError (nothing was sent), DuplicateError (ask the user, then call again with force=True), AuthError,
ApiError / NetworkError / UploadError (after retries), PublishFailed (TikTok said FAILED; .result holds the
PublishResult), Cancelled (stopped before the last byte: the attempt is INTERRUPTED and resumable, or nothing
was sent) and Detached (stopped after the last byte: TikTok may still publish).

Re-posting a file whose earlier upload was interrupted resumes it: status/fetch says how many bytes TikTok has,
and only the missing chunks are sent to the same upload URL, with no new init, while that URL is valid.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from core.api import StatusResult, TikTokClient
from core.attempt import (
    AT_TIKTOK,
    PENDING_AT_TIKTOK,
    RESUMABLE,
    TERMINAL,
    State,
    can_move,
)
from core.chunks import ChunkPlan, plan_from
from core.config import Config
from core.errors import (
    ApiAuthError,
    ApiError,
    Cancelled,
    ClipshipError,
    Detached,
    DuplicateError,
    InputError,
    NetworkError,
    PublishFailed,
    StorageError,
    UploadError,
)
from core.history import UPLOAD_URL_TTL_S, Attempt, History, HistoryError, fingerprint
from core.models import CreatorInfo, PostSettings, ProgressCallback, PublishResult, Stage, StageCallback
from core.postcheck import Prepared, check_creator, prepare
from core.upload import Uploader

log = logging.getLogger(__name__)

POLL_INTERVALS = (1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 5.0, 8.0, 10.0)  # then 10 s: well under 30/min
LINK_INTERVALS = (5.0, 10.0, 15.0, 20.0, 30.0)  # asking for the post id after PUBLISH_COMPLETE, then every 30 s
MAX_WAIT_S = 30 * 60.0
LINK_WAIT_S = 10 * 60.0  # the window's bound on waiting for the post id (the CLI's is shorter)
SUCCESS_STATUSES = ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX")
UPLOAD_BYTES_PER_S = 500_000  # a slow uplink, for how long the token must stay valid during the upload

AttemptCallback = Callable[[Attempt], None]

__all__ = ["POLL_INTERVALS", "Prepared", "prepare", "publish", "reconcile", "resume_status"]


def _stage(cb: StageCallback | None, stage: Stage, detail: str = "") -> None:
    if cb is not None:
        cb(stage, detail)


def _intervals(schedule: Sequence[float]) -> Iterator[float]:
    yield from schedule
    while True:
        yield schedule[-1] if schedule else 10.0


def target_of(client: TikTokClient) -> str:
    """Where a post went, for duplicate detection: the embedded sandbox moves port each run but keeps its state."""
    return "sandbox" if client.config.sandbox else client.api_base


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


@dataclasses.dataclass
class _Run:
    """One call's collaborators, so the steps below take one argument instead of ten."""

    client: TikTokClient
    history: History
    cancel: threading.Event
    on_stage: StageCallback | None
    on_progress: ProgressCallback | None
    on_attempt: AttemptCallback | None
    uploader: Uploader | None
    poll_intervals: Sequence[float]
    max_wait_s: float
    link_wait_s: float
    started: float

    @classmethod
    def start(
        cls,
        client: TikTokClient,
        history: History | None,
        cancel: threading.Event | None,
        on_stage: StageCallback | None,
        on_progress: ProgressCallback | None,
        on_attempt: AttemptCallback | None,
        uploader: Uploader | None,
        poll_intervals: Sequence[float],
    ) -> _Run:
        """A run with an in-memory history when none is given (the caller closes it) and a cancel event."""
        return cls(
            client,
            history if history is not None else History.memory(),
            cancel or threading.Event(),
            on_stage,
            on_progress,
            on_attempt,
            uploader,
            poll_intervals,
            MAX_WAIT_S,
            0.0,
            time.monotonic(),
        )

    def record(self, attempt_id: int, state: State, **fields: object) -> Attempt:
        attempt = self.history.transition(attempt_id, state, **fields)  # type: ignore[arg-type]
        if self.on_attempt is not None:
            self.on_attempt(attempt)
        return attempt

    def result(self, attempt: Attempt, resumed: bool = False) -> PublishResult:
        return result_of(attempt, time.monotonic() - self.started, resumed)


def result_of(attempt: Attempt, elapsed_s: float = 0.0, resumed: bool = False) -> PublishResult:
    return PublishResult(
        publish_id=attempt.publish_id or "",
        status=attempt.status,
        fail_reason=attempt.fail_reason,
        post_ids=attempt.post_ids,
        video_size=attempt.file_size,
        chunk_size=attempt.chunk_size,
        chunk_count=attempt.chunk_count,
        elapsed_s=round(elapsed_s, 3),
        log_ids=attempt.log_ids,
        post_url=attempt.post_url,
        resumed=resumed,
        acked_bytes=attempt.acked_bytes,
    )


def publish(
    client: TikTokClient,
    path: Path | str,
    settings: PostSettings,
    *,
    chunk_size: int | None = None,
    on_stage: StageCallback | None = None,
    on_progress: ProgressCallback | None = None,
    on_attempt: AttemptCallback | None = None,
    cancel: threading.Event | None = None,
    wait: bool = True,
    history: History | None = None,
    account: str | None = None,
    username: str = "",
    force: bool = False,
    uploader: Uploader | None = None,
    poll_intervals: Sequence[float] = POLL_INTERVALS,
    max_wait_s: float = MAX_WAIT_S,
    link_wait_s: float = 0.0,
) -> PublishResult:
    """Post one video (direct, or to the inbox when settings.draft) and follow it to its outcome.

    wait=False returns once TikTok has every byte (status UPLOADED). `history` (not closed here; an in-memory
    one when None) records the attempt from before its first request. A file already at TikTok for `account`
    raises DuplicateError unless force=True; one whose upload was interrupted is resumed. `link_wait_s` is how
    long to keep asking for the post id after PUBLISH_COMPLETE. `uploader` and `poll_intervals` are for tests.
    """
    path = Path(path)
    own_history = history is None
    run = _Run.start(client, history, cancel, on_stage, on_progress, on_attempt, uploader, poll_intervals)
    run.max_wait_s, run.link_wait_s = max_wait_s, link_wait_s
    try:
        return _publish(run, path, settings, chunk_size, wait, account or "", username, force)
    finally:
        if own_history:
            run.history.close()


def _publish(
    run: _Run,
    path: Path,
    settings: PostSettings,
    chunk_size: int | None,
    wait: bool,
    account: str,
    username: str,
    force: bool,
) -> PublishResult:
    _stage(run.on_stage, Stage.CHECKING, "checking the video")
    prepared = prepare(path, settings, chunk_size)  # local checks: InputError before any request
    _check_free_space(run.client.config, prepared.plan.video_size)
    target = target_of(run.client)
    file_print = fingerprint(path)
    run.history.recover()
    earlier = run.history.latest(file_print, account, target, settings.draft, RESUMABLE | AT_TIKTOK)
    if earlier is not None:
        if earlier.owned_elsewhere():
            raise InputError(
                "This video is being uploaded to this account right now by another Clipship "
                f"(process {earlier.owner_pid}).",
                "Wait for that upload to finish, or stop it first.",
            )
        _stage(run.on_stage, Stage.CHECKING, "asking TikTok about the earlier upload of this video")
        earlier = reconcile(run.client, run.history, earlier, run.cancel)
        if earlier.state in AT_TIKTOK and not force:
            raise DuplicateError(duplicate_text(earlier), "Post it again only if you mean to (--force).", earlier)
        if earlier.state in RESUMABLE:
            if earlier.resumable() and _same_request(earlier, settings):
                try:
                    return _resume(run, earlier, prepared, wait)
                except UploadError as exc:
                    if exc.http_status not in (403, 404):
                        raise
                    _stage(run.on_stage, Stage.CHECKING, "the earlier upload link has expired; starting anew")
            else:
                why = "its upload link has expired" if not earlier.url_valid() else "the post settings changed"
                run.record(earlier.id, State.ABANDONED, detail=f"not resumed: {why}; a new upload replaced it")

    _stage(run.on_stage, Stage.CHECKING, "asking TikTok what this account may post")
    plan = prepared.plan
    attempt = run.history.create(
        path=path.resolve(),
        file_size=plan.video_size,
        file_fingerprint=file_print,
        account=account,
        api_base=target,
        sandbox=run.client.config.sandbox,
        settings=settings,
        chunk_size=plan.chunk_size,
        chunk_count=plan.count,
        username=username,
        request=settings,
    )
    if run.on_attempt is not None:
        run.on_attempt(attempt)
    try:
        creator = _creator_info(run.client, settings, run.cancel)
        checked = check_creator(prepared, settings, creator)  # InputError before init
        if run.cancel.is_set():
            raise Cancelled("Cancelled.", "")
        _stage(run.on_stage, Stage.INITIALIZING, "inbox upload" if settings.draft else "direct post")
        if checked.draft:
            init = run.client.init_inbox(plan, run.cancel)
        else:
            init = run.client.init_direct(checked, plan, run.cancel)
    except Cancelled:
        run.record(attempt.id, State.CANCELLED, detail="cancelled before the upload began; nothing was sent")
        raise Cancelled("Cancelled before the upload began. Nothing was sent to TikTok.", "") from None
    except ClipshipError as exc:
        run.record(attempt.id, State.FAILED, error=exc.message, detail="refused before the upload; nothing was sent")
        explain_cap(exc, run.history, account, settings.draft)
        raise
    except BaseException:
        run.record(attempt.id, State.ABANDONED, detail="stopped before the upload began; nothing was uploaded")
        raise
    attempt = run.record(
        attempt.id,
        State.INITIATED,
        publish_id=init.publish_id,
        upload_url=init.upload_url,
        upload_expires_at=time.time() + UPLOAD_URL_TTL_S,
        username=(creator.username if creator is not None else "") or username or None,
        settings=checked,
        log_id=init.log_id,
    )
    return _upload_and_follow(run, attempt, prepared, plan, 0, wait, resumed=False)


DAILY_CAPS = ("spam_risk_too_many_posts", "spam_risk_too_many_pending_share")


def explain_cap(exc: BaseException, history: History, account: str, draft: bool) -> None:
    """A daily-cap refusal says when the account can post again, from the history (when it knows)."""
    if isinstance(exc, ApiError) and exc.code in DAILY_CAPS:
        when = _cap_clears_at(history, account, draft)
        if when is not None:
            exc.hint = (
                f"This account can post again around {time.strftime('%a %H:%M', time.localtime(when))}: 24 "
                "hours after the first of its posts through Clipship in the last day (other apps count too)."
            )


def _cap_clears_at(history: History, account: str, draft: bool) -> float | None:
    """When the oldest of this account's posts in the last 24 h leaves TikTok's rolling window (None: none known)."""
    now = time.time()
    oldest = history.oldest_since(account, now - 86400, draft)
    return oldest + 86400 if oldest is not None else None


MIN_FREE_BYTES = 5_000_000  # the history's records and their journal, with room to spare


def _check_free_space(config: Config, video_size: int) -> None:
    """Before any request: room in the data dir for the history (and, in sandbox mode, for the sandbox's copy)."""
    try:
        free = shutil.disk_usage(config.data_dir).free
    except OSError:
        return
    need = MIN_FREE_BYTES + (video_size if config.sandbox else 0)
    if free < need:
        what = "the post history and the sandbox's copy of the video" if config.sandbox else "the post history"
        raise StorageError(
            f"The data dir {config.data_dir} has {free / 1e6:,.1f} MB free; {what} need {need / 1e6:,.1f} MB.",
            "Free some space on that disk (or set CLIPSHIP_DATA_DIR to a folder on another one), then post again.",
        )


def _same_request(attempt: Attempt, settings: PostSettings) -> bool:
    """Whether a new post asks for what the interrupted one was initialised with (else it cannot continue it)."""
    return attempt.request == dataclasses.asdict(settings) or not attempt.request


def duplicate_text(attempt: Attempt) -> str:
    when = time.strftime("%-d %b %Y %H:%M", time.localtime(attempt.created_at))
    where = f" ({attempt.post_url})" if attempt.post_url else ""
    if attempt.state == State.PUBLISHED:
        what = f"was already posted to this account on {when}{where}"
    elif attempt.state == State.INBOX:
        what = f"was already posted to this account's TikTok inbox on {when}"
    else:
        what = f"was already posted to this account on {when}: TikTok has every byte and is processing it"
    return f"This video {what} (publish id {attempt.publish_id})."


def _start_index(plan: ChunkPlan, have: int) -> int:
    """The first chunk TikTok lacks when it has `have` bytes (read as a count, or as a last-byte index)."""
    if have >= plan.video_size - 1:
        return plan.count
    for index in range(plan.count - 1, -1, -1):
        first = plan.ranges[index][0]
        if first in (have, have + 1) or first <= have:
            return index
    return 0


def rebased(url: str, base: str) -> str:
    """`url` with its scheme and host:port replaced by those of `base` (the embedded sandbox of this run)."""
    if not base:
        return url
    parts, new = urlsplit(url), urlsplit(base)
    return urlunsplit((new.scheme, new.netloc, parts.path, parts.query, parts.fragment))


def _resume(run: _Run, attempt: Attempt, prepared: Prepared, wait: bool) -> PublishResult:
    if run.client.config.upload_rebase and attempt.upload_url:
        url = rebased(attempt.upload_url, run.client.config.upload_rebase)
        if url != attempt.upload_url:
            attempt = run.history.transition(attempt.id, attempt.state, upload_url=url)
    plan = plan_from(attempt.file_size, attempt.chunk_size, attempt.chunk_count)
    start = _start_index(plan, attempt.acked_bytes)
    _stage(
        run.on_stage,
        Stage.UPLOADING,
        f"resuming the interrupted upload: TikTok has {_mb(plan.ranges[start][0] if start < plan.count else 0)}"
        f" of {_mb(plan.video_size)}",
    )
    log.info("resuming %s at chunk %d of %d", attempt.publish_id, start + 1, plan.count)
    return _upload_and_follow(run, attempt, prepared, plan, start, wait, resumed=True)


def _upload_and_follow(
    run: _Run, attempt: Attempt, prepared: Prepared, plan: ChunkPlan, start: int, wait: bool, resumed: bool
) -> PublishResult:
    assert attempt.upload_url is not None and attempt.publish_id is not None
    upload_url = attempt.upload_url
    first_byte = plan.ranges[start][0] if start < plan.count else plan.video_size
    attempt = run.record(attempt.id, State.UPLOADING, acked_bytes=first_byte, claim=True)
    up = run.uploader or Uploader(run.client.session)
    try:
        run.client.tokens.ensure_fresh(min(4000.0, 600.0 + plan.video_size / UPLOAD_BYTES_PER_S))

        def on_chunk(number: int, count: int) -> None:
            _stage(run.on_stage, Stage.UPLOADING, f"chunk {number} of {count}")

        def on_ack(acked: int) -> None:
            run.record(attempt.id, State.UPLOADING, acked_bytes=acked)

        def on_retry(number: int, attempt_no: int, allowed: int) -> None:
            _stage(run.on_stage, Stage.UPLOADING, f"reconnecting… (attempt {attempt_no} of {allowed})")

        up.upload(
            upload_url,
            prepared.path,
            plan,
            content_type=prepared.content_type,
            on_progress=run.on_progress,
            on_chunk=on_chunk,
            on_ack=on_ack,
            on_retry=on_retry,
            cancel=run.cancel,
            start_index=start,
        )
    except BaseException as exc:
        _after_upload_error(run, attempt, up.all_sent, exc)
        raise  # _after_upload_error raises the user's error; this is for mypy
    finally:
        if run.uploader is None:
            up.close()
    # 201: TikTok has every byte and starts processing (tiktok-api.md 1.4).
    attempt = run.record(attempt.id, State.PROCESSING, acked_bytes=plan.video_size, detail="TikTok has every byte")
    if not wait:
        _stage(run.on_stage, Stage.UPLOADED, "upload finished; TikTok is processing the video")
        return run.result(attempt, resumed)
    return _finish(run, follow(run, attempt), resumed)


def _after_upload_error(run: _Run, attempt: Attempt, all_sent: bool, exc: BaseException) -> None:
    """Record what an upload that stopped really left behind, and raise what the user should be told. A history
    that cannot be written (a full disk) never hides the error that stopped the upload: the next run finds the
    attempt left active by a dead process and records it then."""
    try:
        _after_upload_error_recorded(run, attempt, all_sent, exc)
    except HistoryError as failure:
        log.warning("could not record how the upload ended: %s", failure.message)
        if isinstance(exc, ClipshipError):
            raise exc from None
        raise


def _after_upload_error_recorded(run: _Run, attempt: Attempt, all_sent: bool, exc: BaseException) -> None:
    publish_id = attempt.publish_id or ""
    current = run.history.get_id(attempt.id) or attempt
    acked = current.acked_bytes
    if all_sent and not isinstance(exc, UploadError):
        run.record(attempt.id, State.UPLOADED, detail="every byte was sent; TikTok's answer did not arrive")
        _stage(run.on_stage, Stage.UPLOADED, "every byte was sent; TikTok decides the outcome")
        if isinstance(exc, Cancelled | KeyboardInterrupt):
            raise Detached(
                "Stopped watching. Every byte was sent, so TikTok will still process the video and may publish it.",
                f"See how it ends with 'clipship status {publish_id}' (or on the History tab).",
            ) from None
        if isinstance(exc, ClipshipError):
            raise NetworkError(
                f"Every byte was sent, but TikTok did not confirm the upload ({exc.message}).",
                f"TikTok may still publish it: check with 'clipship status {publish_id}' before posting again.",
            ) from None
        return
    if isinstance(exc, UploadError) and exc.http_status in (400, 403, 404, 416):
        run.record(attempt.id, State.ABANDONED, error=exc.message, detail="the upload cannot be continued")
        return  # the original error says what happened
    detail = "cancelled during the upload" if isinstance(exc, Cancelled | KeyboardInterrupt) else "upload stopped"
    error = exc.message if isinstance(exc, ClipshipError) and not isinstance(exc, Cancelled) else None
    run.record(attempt.id, State.INTERRUPTED, detail=detail, error=error)
    _stage(run.on_stage, Stage.CANCELLED, f"upload stopped at {_mb(acked)} of {_mb(attempt.file_size)}")
    if isinstance(exc, Cancelled):
        raise Cancelled(
            f"Upload stopped at {_mb(acked)} of {_mb(attempt.file_size)}. Nothing was posted: TikTok does not "
            "publish an unfinished upload.",
            "Post the same video again within the hour to resume where it stopped.",
        ) from None
    if isinstance(exc, NetworkError):
        raise NetworkError(exc.message, "Post the same video again to resume where it stopped.") from None


def reconcile(client: TikTokClient, history: History, attempt: Attempt, cancel: threading.Event | None) -> Attempt:
    """Bring an earlier attempt's record up to date with TikTok (status/fetch) where the record cannot know."""
    if attempt.state in TERMINAL or attempt.owned_elsewhere():
        return attempt
    if attempt.publish_id is None:
        if attempt.state == State.UPLOADED:  # a URL post whose answer never came: only the TikTok app can tell
            return attempt
        return history.transition(attempt.id, State.ABANDONED, detail="nothing was uploaded")
    try:
        st = client.fetch_status(attempt.publish_id, cancel)
    except ApiError as exc:
        if exc.code in ("invalid_publish_id", "token_not_authorized_for_specified_publish_id"):
            if attempt.state in RESUMABLE:
                return history.transition(
                    attempt.id, State.ABANDONED, detail="TikTok no longer knows this upload", error=exc.message
                )
            return attempt
        if isinstance(exc, ApiAuthError):
            raise
        log.info("status of %s unknown (%s); using the record", attempt.publish_id, exc.code)
        return attempt
    except NetworkError:
        return attempt
    return apply_status(history, attempt, st)


def apply_status(history: History, attempt: Attempt, st: StatusResult) -> Attempt:
    """One status/fetch answer applied to the record. PROCESSING_UPLOAD is also what TikTok says while bytes
    are missing: uploaded_bytes tells an interrupted upload from one TikTok is processing."""
    if attempt.kind != "video":
        return _apply_download_status(history, attempt, st)
    size = attempt.file_size
    if st.status in ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD"):
        have = st.uploaded_bytes
        confirmed = attempt.state == State.PROCESSING or attempt.acked_bytes >= size
        if confirmed or (have is not None and have >= size - 1) or (have is None and attempt.state == State.UPLOADED):
            new = State.PROCESSING
            acked = max(attempt.acked_bytes, size if have is not None and have >= size - 1 else 0)
        else:
            new = State.INTERRUPTED
            acked = have if have is not None else attempt.acked_bytes
        if not can_move(attempt.state, new):
            return attempt
        return history.transition(attempt.id, new, acked_bytes=acked, log_id=st.log_id)
    try:
        new = State(st.status)
    except ValueError:
        log.info("unknown status %r for %s", st.status, attempt.publish_id)
        return attempt
    if not can_move(attempt.state, new):
        return attempt
    return history.transition(
        attempt.id, new, fail_reason=st.fail_reason, post_ids=st.post_ids or None, log_id=st.log_id
    )


def _apply_download_status(history: History, attempt: Attempt, st: StatusResult) -> Attempt:
    """status/fetch of a PULL_FROM_URL post: PROCESSING_DOWNLOAD while TikTok fetches the files."""
    if st.status == "PROCESSING_DOWNLOAD":
        new = State.DOWNLOADING
    elif st.status == "PROCESSING_UPLOAD":
        new = State.PROCESSING
    else:
        try:
            new = State(st.status)
        except ValueError:
            log.info("unknown status %r for %s", st.status, attempt.publish_id)
            return attempt
    if not can_move(attempt.state, new):
        return attempt
    return history.transition(
        attempt.id,
        new,
        acked_bytes=st.downloaded_bytes,
        fail_reason=st.fail_reason,
        post_ids=st.post_ids or None,
        log_id=st.log_id,
    )


def follow(run: _Run, attempt: Attempt, first_delay: bool = True) -> Attempt:
    """status/fetch until TikTok decides (published, inbox, failed); then, for a public post, until its post id
    (bounded by link_wait_s). Stopping here (cancel) is Detached: the outcome is TikTok's."""
    assert attempt.publish_id is not None
    publish_id = attempt.publish_id
    deadline = time.monotonic() + run.max_wait_s
    delays = _intervals(run.poll_intervals if first_delay else (0.0, *run.poll_intervals))
    last = ""
    _stage(run.on_stage, Stage.PROCESSING, "TikTok is processing the video")
    while attempt.state in PENDING_AT_TIKTOK:
        st = _fetch(run, attempt, next(delays))
        attempt = apply_status(run.history, attempt, st)
        if run.on_attempt is not None:
            run.on_attempt(attempt)
        if st.status != last:
            last = st.status
            _stage(run.on_stage, Stage.PROCESSING, st.status.replace("_", " ").lower())
        if attempt.state == State.INTERRUPTED:
            return attempt
        if attempt.state in PENDING_AT_TIKTOK and time.monotonic() > deadline:
            raise NetworkError(
                f"TikTok is still processing the video after {run.max_wait_s / 60:.0f} minutes.",
                f"Check again later with 'clipship status {publish_id}'.",
            )
    if attempt.state == State.PUBLISHED and not attempt.post_ids and run.link_wait_s > 0 and _public(attempt):
        attempt = _wait_for_link(run, attempt)
    return attempt


def _public(attempt: Attempt) -> bool:
    """TikTok gives a post id only for public posts that passed moderation (tiktok-api.md §4, pitfall 9)."""
    return attempt.settings.get("privacy_level") == "PUBLIC_TO_EVERYONE"


def _wait_for_link(run: _Run, attempt: Attempt) -> Attempt:
    _stage(run.on_stage, Stage.PUBLISHED, "published; waiting for TikTok to give the post's link")
    deadline = time.monotonic() + run.link_wait_s
    delays = _intervals(LINK_INTERVALS)
    while not attempt.post_ids and time.monotonic() < deadline:
        try:
            st = _fetch(run, attempt, min(next(delays), max(0.0, deadline - time.monotonic())))
        except (Detached, NetworkError):
            return attempt  # published all the same; the link can be asked for later
        attempt = apply_status(run.history, attempt, st)
        if run.on_attempt is not None:
            run.on_attempt(attempt)
    return attempt


def _fetch(run: _Run, attempt: Attempt, delay: float) -> StatusResult:
    publish_id = attempt.publish_id or ""
    try:
        run.client.wait(delay, run.cancel)
        return run.client.fetch_status(publish_id, run.cancel)
    except Cancelled:
        _stage(run.on_stage, Stage.UPLOADED, "stopped watching; TikTok goes on processing the video")
        has = "TikTok has the whole video" if attempt.kind == "video" else "TikTok fetches the files itself"
        raise Detached(
            f"Stopped watching. {has} and will still process it; it may be published.",
            f"See how it ends with 'clipship status {publish_id}' (or on the History tab).",
        ) from None
    except ClipshipError as exc:
        run.history.transition(attempt.id, attempt.state, error=exc.message)
        raise


def _finish(run: _Run, attempt: Attempt, resumed: bool) -> PublishResult:
    out = run.result(attempt, resumed)
    if attempt.state == State.FAILED:
        _stage(run.on_stage, Stage.FAILED, out.fail_reason or "")
        what = "the photos" if attempt.kind == "photos" else "the video"
        raise PublishFailed(out.fail_reason or "", out.publish_id, out, what)
    if attempt.state == State.INBOX:
        _stage(run.on_stage, Stage.SENT_TO_INBOX, "open the TikTok inbox notification to finish posting")
    elif attempt.state == State.PUBLISHED:
        _stage(run.on_stage, Stage.PUBLISHED, out.post_url or "it may take a few minutes to appear on the profile")
    return out


def resume_status(
    client: TikTokClient,
    publish_id: str,
    history: History | None = None,
    *,
    on_stage: StageCallback | None = None,
    on_attempt: AttemptCallback | None = None,
    cancel: threading.Event | None = None,
    poll_intervals: Sequence[float] = POLL_INTERVALS,
    max_wait_s: float = MAX_WAIT_S,
    link_wait_s: float = 0.0,
) -> PublishResult:
    """Where an earlier attempt stands, asked of TikTok and recorded: an interrupted upload is reported as such
    (and stays resumable); one TikTok has is followed to its outcome. A publish id this history never saw is
    followed as TikTok reports it."""
    own_history = history is None
    run = _Run.start(client, history, cancel, on_stage, None, on_attempt, None, poll_intervals)
    run.max_wait_s, run.link_wait_s = max_wait_s, link_wait_s
    try:
        run.history.recover()
        attempt = run.history.get(publish_id)
        if attempt is None:
            return _follow_unknown(run, publish_id)
        if attempt.owned_elsewhere():
            _stage(on_stage, Stage.UPLOADING, f"being uploaded by another Clipship (process {attempt.owner_pid})")
            return run.result(attempt)
        attempt = reconcile(client, run.history, attempt, run.cancel)
        if attempt.state in RESUMABLE or attempt.state in (State.ABANDONED, State.CANCELLED):
            return run.result(attempt)
        if attempt.state in PENDING_AT_TIKTOK or (attempt.state == State.PUBLISHED and not attempt.post_ids):
            attempt = follow(run, attempt, first_delay=False)
        return _finish(run, attempt, False)
    finally:
        if own_history:
            run.history.close()


def _follow_unknown(run: _Run, publish_id: str) -> PublishResult:
    """status/fetch for a publish id that is not in this history (e.g. posted from another machine)."""
    delays = _intervals((0.0, *run.poll_intervals))
    deadline = time.monotonic() + run.max_wait_s
    while True:
        try:
            run.client.wait(next(delays), run.cancel)
            st = run.client.fetch_status(publish_id, run.cancel)
        except Cancelled:
            raise Detached("Stopped watching.", f"Check again with 'clipship status {publish_id}'.") from None
        _stage(run.on_stage, Stage.PROCESSING, st.status.replace("_", " ").lower())
        if st.status in (*SUCCESS_STATUSES, "FAILED") or time.monotonic() > deadline:
            out = PublishResult(publish_id, st.status, st.fail_reason, st.post_ids, 0, 0, 0, 0.0, (st.log_id,))
            if st.status == "FAILED":
                raise PublishFailed(st.fail_reason or "", publish_id, out)
            return out


def _creator_info(client: TikTokClient, settings: PostSettings, cancel: threading.Event) -> CreatorInfo | None:
    """Fresh creator_info. A draft needs only video.upload, so a missing video.publish grant is not fatal there."""
    try:
        return client.creator_info(cancel)
    except ApiAuthError as exc:
        if settings.draft and exc.code == "scope_not_authorized":
            return None
        raise
