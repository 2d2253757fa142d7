"""The publish pipeline: fresh creator_info -> preflight -> init -> upload -> status polling, with history.

Call publish() from a worker thread (never a GUI thread): it blocks until a terminal state. It reports through
plain callbacks, stops when `cancel` is set, and raises only ClipshipError subclasses:
InputError (nothing was sent), DuplicateError (ask the user, then call again with force=True), AuthError,
ApiError / NetworkError / UploadError (after retries), PublishFailed (TikTok said FAILED; .result holds the
PublishResult) and Cancelled.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from core.api import TikTokClient
from core.errors import ApiAuthError, Cancelled, ClipshipError, DuplicateError, NetworkError, PublishFailed
from core.history import History, fingerprint
from core.models import CreatorInfo, PostSettings, ProgressCallback, PublishResult, Stage, StageCallback
from core.postcheck import Prepared, check_creator, prepare
from core.upload import Uploader

log = logging.getLogger(__name__)

POLL_INTERVALS = (1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 5.0, 8.0, 10.0)  # then 10 s: well under 30/min
MAX_WAIT_S = 30 * 60.0
SUCCESS_STATUSES = ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX")
UPLOAD_BYTES_PER_S = 500_000  # a slow uplink, for how long the token must stay valid during the upload

__all__ = ["POLL_INTERVALS", "Prepared", "prepare", "publish", "resume_status"]


def _stage(cb: StageCallback | None, stage: Stage, detail: str = "") -> None:
    if cb is not None:
        cb(stage, detail)


def _intervals(schedule: Sequence[float]) -> Iterator[float]:
    yield from schedule
    while True:
        yield schedule[-1] if schedule else 10.0


def publish(
    client: TikTokClient,
    path: Path | str,
    settings: PostSettings,
    *,
    chunk_size: int | None = None,
    on_stage: StageCallback | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    wait: bool = True,
    history: History | None = None,
    account: str | None = None,
    force: bool = False,
    uploader: Uploader | None = None,
    poll_intervals: Sequence[float] = POLL_INTERVALS,
    max_wait_s: float = MAX_WAIT_S,
) -> PublishResult:
    """Post one video (direct, or to the inbox when settings.draft) and follow it to a terminal state.

    wait=False returns once TikTok has every byte (status PROCESSING_UPLOAD). `history` (not closed here) records
    the attempt from the moment it has a publish_id; with it, a file already posted to `account` raises
    DuplicateError unless force=True. `uploader` and `poll_intervals` exist for tests and the benchmark.
    """
    started = time.monotonic()
    path = Path(path)
    cancel = cancel or threading.Event()
    _stage(on_stage, Stage.CHECKING, "checking the video")
    prepared = prepare(path, settings, chunk_size)  # local checks: InputError before any request
    plan = prepared.plan
    account_key = account or ""
    # Where the post went, for duplicate detection: the embedded sandbox moves port each run but keeps its state.
    target = "sandbox" if client.config.sandbox else client.api_base
    file_print = fingerprint(path)
    if history is not None and not force:
        earlier = history.find_posted(file_print, account_key, target)
        if earlier is not None:
            raise DuplicateError(
                f"This video was already posted to this account (publish id {earlier.publish_id}, "
                f"status {earlier.status}).",
                "Post it again only if you mean to (on the command line: --force).",
            )
    _stage(on_stage, Stage.CHECKING, "asking TikTok what this account may post")
    creator = _creator_info(client, settings, cancel)
    settings = check_creator(prepared, settings, creator)  # InputError before init
    if cancel.is_set():
        raise Cancelled("Cancelled.", "Nothing was sent.")

    _stage(on_stage, Stage.INITIALIZING, "inbox upload" if settings.draft else "direct post")
    init = client.init_inbox(plan, cancel) if settings.draft else client.init_direct(settings, plan, cancel)
    publish_id = init.publish_id
    log_ids = [init.log_id] if init.log_id else []
    if history is not None:
        history.record_attempt(
            publish_id=publish_id,
            path=path.resolve(),
            file_size=plan.video_size,
            file_fingerprint=file_print,
            account=account_key,
            api_base=target,
            sandbox=client.config.sandbox,
            settings=settings,
            chunk_size=plan.chunk_size,
            chunk_count=plan.count,
            log_id=init.log_id,
        )

    def result(status: str, fail_reason: str | None = None, post_ids: tuple[str, ...] = ()) -> PublishResult:
        return PublishResult(
            publish_id=publish_id,
            status=status,
            fail_reason=fail_reason,
            post_ids=post_ids,
            video_size=plan.video_size,
            chunk_size=plan.chunk_size,
            chunk_count=plan.count,
            elapsed_s=round(time.monotonic() - started, 3),
            log_ids=tuple(log_ids),
        )

    # Upload
    try:
        client.tokens.ensure_fresh(min(4000.0, 600.0 + plan.video_size / UPLOAD_BYTES_PER_S))
        if history is not None:
            history.update(publish_id, "UPLOADING")
        up = uploader or Uploader(client.session)

        def on_chunk(number: int, count: int) -> None:
            _stage(on_stage, Stage.UPLOADING, f"chunk {number} of {count}")

        up.upload(
            init.upload_url,
            path,
            plan,
            content_type=prepared.content_type,
            on_progress=on_progress,
            on_chunk=on_chunk,
            cancel=cancel,
        )
    except Cancelled:
        _record(history, publish_id, "CANCELLED", detail="cancelled during the upload")
        _stage(on_stage, Stage.CANCELLED, "upload cancelled; the video will not be posted")
        raise
    except ClipshipError as exc:
        _record(history, publish_id, "ERROR", error=exc.message)
        raise
    except BaseException:  # Ctrl-C or a crash: say where it stopped
        _record(history, publish_id, "INTERRUPTED", detail="interrupted during the upload")
        raise
    _record(history, publish_id, "UPLOADED")
    if not wait:
        _stage(on_stage, Stage.UPLOADED, "upload finished; TikTok is processing the video")
        return result("PROCESSING_UPLOAD")
    final = _poll(client, publish_id, history, on_stage, cancel, poll_intervals, max_wait_s, log_ids)
    out = result(final.status, final.fail_reason, final.post_ids)
    return _finish(out, on_stage)


def resume_status(
    client: TikTokClient,
    publish_id: str,
    history: History | None = None,
    *,
    on_stage: StageCallback | None = None,
    cancel: threading.Event | None = None,
    poll_intervals: Sequence[float] = POLL_INTERVALS,
    max_wait_s: float = MAX_WAIT_S,
) -> PublishResult:
    """Poll an earlier attempt (e.g. after Ctrl-C or a crash) to a terminal state, updating its history record."""
    started = time.monotonic()
    cancel = cancel or threading.Event()
    record = history.get(publish_id) if history is not None else None
    log_ids = list(record.log_ids) if record is not None else []
    final = _poll(client, publish_id, history, on_stage, cancel, (0.0, *poll_intervals), max_wait_s, log_ids)
    out = PublishResult(
        publish_id=publish_id,
        status=final.status,
        fail_reason=final.fail_reason,
        post_ids=final.post_ids,
        video_size=record.file_size if record is not None else 0,
        chunk_size=record.chunk_size if record is not None else 0,
        chunk_count=record.chunk_count if record is not None else 0,
        elapsed_s=round(time.monotonic() - started, 3),
        log_ids=tuple(log_ids),
    )
    return _finish(out, on_stage)


def _finish(out: PublishResult, on_stage: StageCallback | None) -> PublishResult:
    if out.status == "FAILED":
        _stage(on_stage, Stage.FAILED, out.fail_reason or "")
        raise PublishFailed(out.fail_reason or "", out.publish_id, out)
    if out.status == "SEND_TO_USER_INBOX":
        _stage(on_stage, Stage.SENT_TO_INBOX, "open the TikTok inbox notification to finish posting")
    else:
        _stage(on_stage, Stage.PUBLISHED, "it may take a few minutes to appear on the profile")
    return out


def _creator_info(client: TikTokClient, settings: PostSettings, cancel: threading.Event) -> CreatorInfo | None:
    """Fresh creator_info. A draft needs only video.upload, so a missing video.publish grant is not fatal there."""
    try:
        return client.creator_info(cancel)
    except ApiAuthError as exc:
        if settings.draft and exc.code == "scope_not_authorized":
            return None
        raise


@dataclasses.dataclass
class _Final:
    status: str
    fail_reason: str | None
    post_ids: tuple[str, ...]


def _poll(
    client: TikTokClient,
    publish_id: str,
    history: History | None,
    on_stage: StageCallback | None,
    cancel: threading.Event,
    poll_intervals: Sequence[float],
    max_wait_s: float,
    log_ids: list[str],
) -> _Final:
    """status/fetch until PUBLISH_COMPLETE, SEND_TO_USER_INBOX or FAILED; fast at first, then every 10 s."""
    deadline = time.monotonic() + max_wait_s
    delays = _intervals(poll_intervals)
    last = ""
    _stage(on_stage, Stage.PROCESSING, "TikTok is processing the video")
    while True:
        try:
            client.wait(next(delays), cancel)
            st = client.fetch_status(publish_id, cancel)
        except Cancelled:
            _stage(on_stage, Stage.CANCELLED, "stopped waiting; TikTok goes on processing the video")
            raise Cancelled(
                "Stopped waiting for TikTok; the upload is complete, so the video may still be posted.",
                f"See how it ends with 'clipship status {publish_id}'.",
            ) from None
        except ClipshipError as exc:
            _record(history, publish_id, None, error=exc.message)
            raise
        if st.log_id and st.log_id not in log_ids:
            log_ids.append(st.log_id)
        if st.status != last:
            last = st.status
            _stage(on_stage, Stage.PROCESSING, st.status.replace("_", " ").lower())
        if history is not None:
            history.update(
                publish_id, st.status, fail_reason=st.fail_reason, post_ids=st.post_ids or None, log_id=st.log_id
            )
        if st.status in SUCCESS_STATUSES or st.status == "FAILED":
            return _Final(st.status, st.fail_reason, st.post_ids)
        if time.monotonic() > deadline:
            raise NetworkError(
                f"TikTok is still processing the video after {max_wait_s / 60:.0f} minutes (status {st.status}).",
                f"Check again later with 'clipship status {publish_id}'.",
            )


def _record(
    history: History | None, publish_id: str, status: str | None, *, detail: str = "", error: str | None = None
) -> None:
    """Best-effort history write from an error path: never hides the original error."""
    if history is None:
        return
    try:
        if status is None:
            record = history.get(publish_id)
            status = record.status if record is not None else "ERROR"
        history.update(publish_id, status, detail=detail, error=error)
    except Exception:  # noqa: BLE001 - the history must not mask the real failure
        log.warning("could not record %s in the history", publish_id, exc_info=True)
