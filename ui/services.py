"""The window's calls into core/ (through its one core.session.Session), each meant for a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ClipshipError
from core.media import Limits, MediaFacts, Problem
from core.models import CreatorInfo, PublishResult, Stage

if TYPE_CHECKING:
    from core.auth import Account
    from core.auth.login import LoginResult, LogoutResult
    from core.context import AppContext
    from core.history import Attempt
    from core.media.decode import RgbFrame
    from core.session import Session
    from ui.account_bar import AccountView
    from ui.history_view import HistoryRow
    from ui.settings_dialog import SettingsValues
    from ui.worker import PublishJob


@dataclass(frozen=True)
class Inspection:
    """One file's facts and every problem the preflight found (facts is None when the file is unreadable)."""

    path: Path
    facts: MediaFacts | None
    problems: tuple[Problem, ...]
    limits: Limits = Limits()  # what it was checked against (the creator's, once known)

    @property
    def blocking(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.blocking)

    def blocking_codes(self) -> set[str]:
        return {p.code for p in self.blocking}


def inspect_video(path: Path, creator: CreatorInfo | None = None) -> Inspection:
    """core.media.preflight against the creator's limits (the default limits when none are known yet)."""
    from core.session import Session

    report = Session.preflight(path, creator)
    limits = Limits.from_creator(creator) if creator is not None else Limits()
    return Inspection(path, report.facts, tuple(report.problems), limits)


def open_session(ctx: AppContext) -> Session:
    """The window's one core Session (no I/O until first used; close it when the window closes)."""
    from core.session import Session

    return Session(ctx)


def fetch_creator(session: Session, account: str | None) -> CreatorInfo:
    return session.creator_info(account)


def publish(
    job: PublishJob,
    *,
    on_stage: Callable[[Stage, str], None],
    on_progress: Callable[[int, int], None],
    on_attempt: Callable[[Attempt], None] | None = None,
    cancel: threading.Event,
) -> PublishResult:
    """One post (or the resumption of an interrupted one) through the job's Session."""
    from core.session import Callbacks

    callbacks = Callbacks(on_stage=on_stage, on_progress=on_progress, on_attempt=on_attempt)
    return job.session.publish(job.request(), callbacks, cancel)


def earlier_post(session: Session, path: Path, account: str | None, draft: bool) -> Attempt | None:
    """The newest attempt that got this file to this account (drafts and posts apart), from the record."""
    return session.earlier_post(path, account or "", draft)


def earlier_posts(session: Session, path: Path, account: str | None) -> dict[bool, Attempt | None]:
    """{draft: earlier attempt} for both kinds of post."""
    return {draft: earlier_post(session, path, account, draft) for draft in (False, True)}


def resumable(session: Session) -> list[Attempt]:
    return session.resumable()


def list_history(session: Session, limit: int = 200) -> list[HistoryRow]:
    """Past attempts as ui.history_view.HistoryRow, newest first, in describe()'s words."""
    from core.session import describe
    from ui.history_view import HistoryRow

    names = {a.open_id: a for a in session.accounts()}
    rows = []
    for attempt in session.attempts(limit):
        acc = names.get(attempt.account)
        label = acc.label if acc is not None else (f"@{attempt.username}" if attempt.username else attempt.account)
        headline, detail = describe(attempt)
        rows.append(HistoryRow(attempt, label or "\u2014", headline, detail))
    return rows


def check_status(session: Session, attempt: Attempt, cancel: threading.Event, max_wait_s: float = 120.0) -> Attempt:
    """Ask TikTok again about one attempt (following it a bounded while when TikTok decides); the new record."""
    from core.attempt import PENDING_AT_TIKTOK, State
    from core.errors import Cancelled, PublishFailed

    pending = attempt.state in PENDING_AT_TIKTOK
    if attempt.publish_id is not None and (pending or (attempt.state == State.PUBLISHED and not attempt.post_ids)):
        try:
            session.status(
                attempt.publish_id,
                attempt.account or None,
                cancel=cancel,
                max_wait_s=max_wait_s,
                link_wait_s=60.0 if not pending else 0.0,
            )
        except (PublishFailed, Cancelled):
            pass  # recorded: the record says how it ended
    else:
        session.refresh_attempt(attempt, cancel)
    return session.history.get_id(attempt.id) or attempt


def read_app_settings(ctx: AppContext) -> tuple[SettingsValues, bool]:
    """The Settings dialog's values (the real app's, not the sandbox's) and whether a client secret is stored."""
    from core.auth.login import app_secret_store
    from core.config import data_dir, load_settings
    from ui.settings_dialog import SettingsValues

    values = load_settings(data_dir())
    has_secret = bool(app_secret_store(ctx.config).client_secret())
    return (
        SettingsValues(
            client_key=str(values.get("client_key") or ""),
            client_secret=None,
            redirect_port=int(values.get("redirect_port") or 0),
            chunk_size=int(values.get("chunk_size") or 0),
            verified_url_prefixes=str(values.get("verified_url_prefixes") or ""),
        ),
        has_secret,
    )


def save_app_settings(ctx: AppContext, new: SettingsValues) -> AppContext:
    """Write the settings file and the secret (to the keyring); returns the context with the new values."""
    from core.auth.login import app_secret_store
    from core.config import data_dir, load_settings, save_settings
    from core.urlcheck import parse_prefixes

    directory = data_dir()
    values = load_settings(directory)
    values.update(
        client_key=new.client_key,
        redirect_port=new.redirect_port,
        chunk_size=new.chunk_size,
        verified_url_prefixes=new.verified_url_prefixes,
    )
    save_settings(values, directory)
    if new.client_secret:
        app_secret_store(ctx.config).set_client_secret(new.client_secret)
    if ctx.config.sandbox:  # the sandbox keeps its demo app and demo website; only the upload settings apply
        ctx.config = ctx.config.with_(chunk_size=new.chunk_size)
    else:
        ctx.config = ctx.config.with_(
            client_key=new.client_key or ctx.config.client_key,
            redirect_port=new.redirect_port,
            chunk_size=new.chunk_size,
            verified_url_prefixes=parse_prefixes(new.verified_url_prefixes),
        )
    return ctx


def thumbnail(path: Path, box: int = 96, at_ms: int = 0) -> RgbFrame | None:
    """A small upright frame for a list (History, the queue), decoded in-process; None when it can't be read."""
    from core.media.decode import thumbnail as decode_thumbnail

    try:
        return decode_thumbnail(path, box, at_ms)
    except (ClipshipError, OSError):
        return None


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(sentence, next step) in the window's words for any exception: no codes, log ids or command lines."""
    from ui.plain_errors import explain

    said = explain(exc)
    return said.sentence, said.step


# ---- accounts --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountsState:
    """The signed-in accounts, the one in use, and what to tell the user about where secrets are kept."""

    accounts: tuple[AccountView, ...]
    current: AccountView | None
    keyring_notice: str = ""


def _view(account: Account) -> AccountView:
    from ui.account_bar import AccountView

    return AccountView(
        account_id=account.open_id,
        name=account.display_name or account.username or account.open_id,
        username=account.username,
        avatar_url=account.avatar_url,
        can_direct_post=account.can_direct_post,
        can_upload_draft=account.can_upload_draft,
        is_default=account.is_default,
    )


def load_accounts(ctx: AppContext, wanted: str | None = None) -> AccountsState:
    from core import auth

    accounts = auth.accounts(ctx)
    current = auth.current_account(ctx, wanted) if wanted else auth.current_account(ctx)
    if current is None and accounts:
        current = accounts[0]
    notice = auth.secret_store(ctx.config).notice
    return AccountsState(tuple(_view(a) for a in accounts), _view(current) if current else None, notice)


def sign_in(
    ctx: AppContext,
    *,
    on_url: Callable[[str], None],
    on_message: Callable[[str], None],
    cancel: threading.Event,
    opener: Callable[[str], bool] | None = None,
) -> LoginResult:
    """The browser sign-in; blocks until done, cancelled or timed out. Returns core.auth.LoginResult."""
    from core import auth

    return auth.login(ctx, on_url=on_url, on_message=on_message, cancel=cancel, opener=opener)


def sign_out(ctx: AppContext, account_id: str | None) -> LogoutResult:
    from core import auth

    return auth.logout(ctx, account_id)


def make_default(ctx: AppContext, account_id: str) -> None:
    from core.auth import AccountRegistry

    AccountRegistry(ctx.config.data_dir).set_default(account_id)


def fetch_avatar(url: str) -> bytes | None:
    """The avatar picture (small; TikTok's avatar URLs expire after 2 h, so it is fetched when shown)."""
    if not url.startswith(("http://", "https://")):
        return None
    import requests

    try:
        with requests.get(url, timeout=10) as resp:
            if resp.status_code != 200 or len(resp.content) > 2_000_000:
                return None
            return resp.content
    except requests.RequestException:
        return None
