"""The one way into the core for both front ends (the command line and the window): a Qt-free session.

A Session owns the lifetimes of what a run needs — the history database, and per call an API client and its token
source — and exposes what a user can do: accounts, creator_info, preflight, publish, resume, status, history
rows and settings. Nothing else wires publish or status: the truth about an attempt lives in the history's state
machine (core.attempt), and every message a front end shows about it comes from `describe()`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import media
from core.api import TikTokClient
from core.attempt import AT_TIKTOK, State
from core.auth import Account, accounts, current_account, token_source_for
from core.context import AppContext
from core.errors import ApiError
from core.history import Attempt, History, HistoryError, fingerprint
from core.models import CreatorInfo, PostSettings, ProgressCallback, PublishResult, StageCallback
from core.pipeline import (
    POLL_INTERVALS,
    explain_cap,
    publish,
    reconcile,
    resume_status,
    target_of,
)
from core.postcheck import Prepared, prepare
from core.urlcheck import UrlReport, check_urls
from core.urlpost import UrlPostRequest, check_request, publish_urls

log = logging.getLogger(__name__)

__all__ = ["Callbacks", "PostRequest", "Session", "describe"]


@dataclass(frozen=True)
class PostRequest:
    """One post, with every value resolved by the front end (nothing left to look up)."""

    path: Path
    settings: PostSettings
    account: str | None = None  # open_id; None is the default account
    chunk_size: int | None = None
    wait: bool = True
    force: bool = False
    link_wait_s: float = 0.0  # after PUBLISH_COMPLETE, how long to keep asking for the post id


@dataclass(frozen=True)
class Callbacks:
    """Plain callbacks (called on the calling thread); the window turns them into Qt signals."""

    on_stage: StageCallback | None = None
    on_progress: ProgressCallback | None = None
    on_attempt: Callable[[Attempt], None] | None = None


NO_CALLBACKS = Callbacks()


class Session:
    """The core for one front end. Open once, close at exit; every method may run on a worker thread."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        poll_intervals: tuple[float, ...] = POLL_INTERVALS,
        client_factory: Callable[[AppContext, str | None], TikTokClient] | None = None,
    ) -> None:
        self.ctx = ctx
        self.poll_intervals = poll_intervals
        self._client_factory = client_factory
        self._history: History | None = None
        self._lock = threading.Lock()

    # -- lifetimes ----------------------------------------------------------------------------------------------

    @property
    def history(self) -> History:
        with self._lock:
            if self._history is None:
                self._history = History.in_dir(self.ctx.config.data_dir)
                try:
                    self._history.recover()
                except HistoryError as exc:  # a full or read-only disk: the history still reads
                    log.warning("%s %s", exc.message, exc.hint)
            return self._history

    def close(self) -> None:
        with self._lock:
            if self._history is not None:
                self._history.close()
                self._history = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def client(self, account: str | None) -> Iterator[TikTokClient]:
        """An API client with the account's token source, closed (with the source) when the block ends."""
        if self._client_factory is not None:
            client = self._client_factory(self.ctx, account)
        else:
            client = TikTokClient(self.ctx.config, token_source_for(self.ctx, account))
        try:
            yield client
        finally:
            client.close()
            close = getattr(client.tokens, "close", None)
            if callable(close):
                close()

    # -- accounts -----------------------------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        return accounts(self.ctx)

    def account(self, wanted: str | None = None) -> Account | None:
        return current_account(self.ctx, wanted)

    def account_key(self, wanted: str | None) -> str:
        """The open_id a post is recorded under (an env token has none: '')."""
        with self.client(wanted) as client:
            return str(getattr(client.tokens, "open_id", "") or wanted or "")

    def creator_info(self, account: str | None, cancel: threading.Event | None = None) -> CreatorInfo:
        with self.client(account) as client:
            try:
                return client.creator_info(cancel)
            except ApiError as exc:  # a daily cap: say when the account can post again, when the history knows
                key = str(getattr(client.tokens, "open_id", "") or account or "")
                explain_cap(exc, self.history, key, draft=exc.code == "spam_risk_too_many_pending_share")
                raise

    # -- preflight ----------------------------------------------------------------------------------------------

    @staticmethod
    def preflight(path: Path, creator: CreatorInfo | None = None) -> media.Report:
        """core.media's checks against the creator's limits (the default limits when none are known yet)."""
        limits = media.Limits.from_creator(creator) if creator is not None else media.Limits()
        return media.preflight(path, limits)

    @staticmethod
    def prepare(request: PostRequest) -> Prepared:
        """Every local check of a post (InputError, exit 2, before any request)."""
        return prepare(request.path, request.settings, request.chunk_size)

    # -- posting ------------------------------------------------------------------------------------------------

    def publish(
        self, request: PostRequest, callbacks: Callbacks = NO_CALLBACKS, cancel: threading.Event | None = None
    ) -> PublishResult:
        """Post (or resume) one video and follow it; see core.pipeline.publish for what it raises."""
        with self.client(request.account) as client:
            key = str(getattr(client.tokens, "open_id", "") or request.account or "")
            known = self.account(key) if key else None
            return publish(
                client,
                request.path,
                request.settings,
                chunk_size=request.chunk_size,
                on_stage=callbacks.on_stage,
                on_progress=callbacks.on_progress,
                on_attempt=callbacks.on_attempt,
                cancel=cancel,
                wait=request.wait,
                history=self.history,
                account=key,
                username=known.username if known is not None else "",
                force=request.force,
                poll_intervals=self.poll_intervals,
                link_wait_s=request.link_wait_s,
            )

    def check_urls(self, kind: str, urls: tuple[str, ...], fetch: bool = True) -> UrlReport:
        """The URL rules before a PULL_FROM_URL post (kind "photo" or "video"): problems block, warnings do not.
        Fetches the head of each URL (bounded); may take a few seconds, so not on a GUI thread."""
        verify: bool | str = self.ctx.config.media_ca or True
        return check_urls(urls, kind, self.ctx.config.verified_url_prefixes, verify, fetch)

    def url_head(self, url: str) -> bytes | None:
        """The first bytes of a media URL (the same bounded, ranged GET as check_urls; a preview for the window),
        or None when it can't be fetched. Not on a GUI thread."""
        import requests

        from core.urlcheck import _fetch_head

        with requests.Session() as session:
            session.trust_env = False
            got = _fetch_head(session, url, self.ctx.config.media_ca or True)
        return got[2] if not isinstance(got, str) and got[0] in (200, 206) else None

    def check_url_post(self, request: UrlPostRequest) -> None:
        """Every local check of a photo post or a video from a URL, without fetching (InputError, exit 2)."""
        check_request(request, self.ctx.config.verified_url_prefixes)

    def publish_urls(
        self, request: UrlPostRequest, callbacks: Callbacks = NO_CALLBACKS, cancel: threading.Event | None = None
    ) -> PublishResult:
        """Post photos, or a video from a URL (TikTok downloads them), and follow it; see core.urlpost. The local
        checks run again here (InputError); check_urls, which fetches, is the caller's to run first."""
        self.check_url_post(request)
        with self.client(request.account) as client:
            key = str(getattr(client.tokens, "open_id", "") or request.account or "")
            known = self.account(key) if key else None
            return publish_urls(
                client,
                request,
                history=self.history,
                account=key,
                username=known.username if known is not None else "",
                on_stage=callbacks.on_stage,
                on_attempt=callbacks.on_attempt,
                cancel=cancel,
                poll_intervals=self.poll_intervals,
            )

    def status(
        self,
        publish_id: str,
        account: str | None = None,
        callbacks: Callbacks = NO_CALLBACKS,
        cancel: threading.Event | None = None,
        *,
        max_wait_s: float | None = None,
        link_wait_s: float = 0.0,
    ) -> PublishResult:
        """Where an earlier attempt stands (asked of TikTok, recorded); followed to its outcome when TikTok has it."""
        record = self.history.get(publish_id)
        if account is None and record is not None and record.account:
            account = record.account
        with self.client(account) as client:
            extra: dict[str, Any] = {"max_wait_s": max_wait_s} if max_wait_s is not None else {}
            return resume_status(
                client,
                publish_id,
                self.history,
                on_stage=callbacks.on_stage,
                on_attempt=callbacks.on_attempt,
                cancel=cancel,
                poll_intervals=self.poll_intervals,
                link_wait_s=link_wait_s,
                **extra,
            )

    def refresh_attempt(self, attempt: Attempt, cancel: threading.Event | None = None) -> Attempt:
        """One status/fetch for an earlier attempt (no waiting), recorded; the record as it stands."""
        with self.client(attempt.account or None) as client:
            return reconcile(client, self.history, attempt, cancel)

    # -- history ------------------------------------------------------------------------------------------------

    def attempts(self, limit: int = 200) -> list[Attempt]:
        return self.history.attempts(limit)

    def resumable(self) -> list[Attempt]:
        """Interrupted uploads that can still be continued (their upload URL lives), newest first."""
        return [a for a in self.history.attempts(500) if a.resumable() and not a.owned_elsewhere()]

    def earlier_post(self, path: Path, account: str, draft: bool = False) -> Attempt | None:
        """The newest attempt that got this file to this account (or may have), from the record alone."""
        try:
            file_print = fingerprint(path)
        except OSError:
            return None
        target = "sandbox" if self.ctx.config.sandbox else self.ctx.config.api_base.rstrip("/")
        return self.history.latest(file_print, account, target, draft, AT_TIKTOK)

    def target(self) -> str:
        with self.client(None) as client:
            return target_of(client)


def describe(attempt: Attempt) -> tuple[str, str]:
    """(headline, detail) for one attempt: the only words any front end uses about an attempt's state."""
    mb = f"{attempt.acked_bytes / 1_000_000:,.1f} of {attempt.file_size / 1_000_000:,.1f} MB"
    state = attempt.state
    if state == State.PUBLISHED:
        return "Published", attempt.post_url or "TikTok has not given the post's link yet."
    if state == State.INBOX:
        return "Sent to the TikTok inbox", "Open the notification in the TikTok app to finish posting."
    if state == State.PROCESSING:
        return "TikTok is processing the video", "TikTok has every byte; it decides when the post appears."
    if state == State.DOWNLOADING:
        what = "photos" if attempt.kind == "photos" else "video"
        return f"TikTok is downloading the {what}", "It posts them when the download and its checks are done."
    if state == State.UPLOADED:
        if attempt.kind != "video":  # a URL post sent to TikTok, whose answer Clipship never got
            what = "photos" if attempt.kind == "photos" else "video"
            return "Sent; outcome not known", (
                f"The post was sent and TikTok may be downloading the {what}; it may appear on the profile. "
                "Look in the TikTok app before posting again."
            )
        return "Uploaded; outcome not known yet", "Every byte was sent. TikTok may still publish the video."
    if state == State.FAILED:
        if attempt.publish_id is None or attempt.fail_reason is None:
            return "Not posted", attempt.error or "TikTok refused the post before the upload."
        return "TikTok could not publish the video", attempt.fail_reason
    if state == State.INTERRUPTED:
        until = ""
        if attempt.resumable():
            until = time.strftime(" until %H:%M", time.localtime((attempt.upload_expires_at or 0) - 120))
        return "Upload interrupted", f"{mb} reached TikTok. Nothing was posted; it can be resumed{until}."
    if state in (State.UPLOADING, State.INITIATED):
        return "Uploading", mb
    if state == State.CHECKING:
        return "Checking", "Checking the video and your account."
    if state == State.ABANDONED:
        return "Not posted", attempt.error or "The upload stopped and can no longer be continued."
    return "Not posted", "Cancelled before anything was sent."
