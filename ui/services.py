"""The window's calls into core/, each meant for a background thread (never the GUI thread)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ClipshipError
from core.models import CreatorInfo, PublishResult, Stage

if TYPE_CHECKING:
    from core.context import AppContext
    from ui.worker import PublishJob


@dataclass(frozen=True)
class Inspection:
    """One file's facts and every problem the preflight found (facts is None when the file is unreadable)."""

    path: Path
    facts: Any
    problems: tuple[Any, ...]

    @property
    def blocking(self) -> tuple[Any, ...]:
        return tuple(p for p in self.problems if getattr(p, "blocking", True))

    def blocking_codes(self) -> set[str]:
        return {str(getattr(p, "code", "")) for p in self.blocking}


def inspect_video(path: Path, creator: CreatorInfo | None = None) -> Inspection:
    """core.media.preflight against the creator's limits (the default limits when none are known yet)."""
    from core import media

    limits = media.Limits.from_creator(creator) if creator is not None else media.Limits()
    report = media.preflight(path, limits)
    return Inspection(path, report.facts, tuple(report.problems))


def client_for(ctx: AppContext, account: str | None) -> Any:
    from core.api import TikTokClient
    from core.auth import token_source_for

    return TikTokClient(ctx.config, token_source_for(ctx, account))


def fetch_creator(ctx: AppContext, account: str | None) -> CreatorInfo:
    client = client_for(ctx, account)
    try:
        return client.creator_info()  # type: ignore[no-any-return]
    finally:
        _close(client)


def publish(
    job: PublishJob,
    *,
    on_stage: Callable[[Stage, str], None],
    on_progress: Callable[[int, int], None],
    cancel: threading.Event,
) -> PublishResult:
    from core.pipeline import publish as core_publish

    client = client_for(job.ctx, job.account)
    history = open_history(job.ctx)
    try:
        return core_publish(
            client,
            job.path,
            job.settings,
            chunk_size=job.chunk_size or None,
            on_stage=on_stage,
            on_progress=on_progress,
            cancel=cancel,
            wait=job.wait,
            history=history,
            account=job.account,
            force=job.force,
        )
    finally:
        history.close()
        _close(client)


def open_history(ctx: AppContext) -> Any:
    from core.history import History

    return History.in_dir(ctx.config.data_dir)


RESUMABLE = ("UPLOADED", "PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD")


def list_history(ctx: AppContext, limit: int = 200) -> list[Any]:
    """Past attempts as ui.history_view.HistoryRow, newest first."""
    from core import auth
    from ui.history_view import HistoryRow

    names = {a.open_id: a for a in auth.accounts(ctx)}
    with open_history(ctx) as history:
        attempts = history.attempts(limit)
    rows = []
    for a in attempts:
        acc = names.get(a.account)
        post_url = ""
        if a.post_ids and acc is not None and acc.username and not a.sandbox:
            post_url = f"https://www.tiktok.com/@{acc.username}/video/{a.post_ids[0]}"
        rows.append(
            HistoryRow(
                publish_id=a.publish_id,
                file=Path(a.file_path).name,
                account=(acc.label if acc is not None else a.account) or "\u2014",
                created_at=a.created_at,
                status=a.status,
                fail_reason=a.fail_reason or a.error or "",
                post_id=a.post_ids[0] if a.post_ids else "",
                post_url=post_url,
                draft=a.draft,
            )
        )
    return rows


def resume_status(
    ctx: AppContext, account: str | None, publish_id: str, cancel: threading.Event, max_wait_s: float = 120.0
) -> str:
    """Poll an unfinished attempt again (bounded), updating the history; returns TikTok's status."""
    from core.errors import PublishFailed
    from core.pipeline import resume_status as core_resume

    client = client_for(ctx, account)
    try:
        with open_history(ctx) as history:
            try:
                result = core_resume(client, publish_id, history, cancel=cancel, max_wait_s=max_wait_s)
            except PublishFailed as exc:
                return f"FAILED ({exc.fail_reason})"
            return str(result.status)
    finally:
        _close(client)


def read_app_settings(ctx: AppContext) -> tuple[Any, bool]:
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
        ),
        has_secret,
    )


def save_app_settings(ctx: AppContext, new: Any) -> Any:
    """Write the settings file and the secret (to the keyring); returns the context with the new values."""
    from core.auth.login import app_secret_store
    from core.config import data_dir, load_settings, save_settings

    directory = data_dir()
    values = load_settings(directory)
    values.update(client_key=new.client_key, redirect_port=new.redirect_port, chunk_size=new.chunk_size)
    save_settings(values, directory)
    if new.client_secret:
        app_secret_store(ctx.config).set_client_secret(new.client_secret)
    if ctx.config.sandbox:  # the sandbox keeps its demo app; only the upload settings apply
        ctx.config = ctx.config.with_(chunk_size=new.chunk_size)
    else:
        ctx.config = ctx.config.with_(
            client_key=new.client_key or ctx.config.client_key,
            redirect_port=new.redirect_port,
            chunk_size=new.chunk_size,
        )
    return ctx


def _close(obj: Any) -> None:
    close = getattr(obj, "close", None)
    if callable(close):
        close()


def extract_frame(path: Path, at_ms: int, width: int = 540) -> bytes | None:
    """One JPEG frame at `at_ms` via ffmpeg (None when ffmpeg is missing or the frame can't be read)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    with tempfile.TemporaryDirectory(prefix="clipship-frame-") as tmp:
        out = Path(tmp) / "frame.jpg"
        cmd = [
            ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-ss", f"{max(0, at_ms) / 1000:.3f}",
            "-i", str(path), "-frames:v", "1", "-vf", f"scale='min({width},iw)':-2", "-q:v", "3", "-y", str(out),
        ]  # fmt: skip
        try:
            subprocess.run(cmd, capture_output=True, timeout=15, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        try:
            data = out.read_bytes()
        except OSError:
            return None
        return data or None


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(message, hint) safe to show for any exception."""
    if isinstance(exc, ClipshipError):
        return exc.message, exc.hint
    return "Something unexpected went wrong.", "Try again. If it keeps happening, start Clipship with --debug."


# ---- accounts --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountsState:
    """The signed-in accounts, the one in use, and what to tell the user about where secrets are kept."""

    accounts: tuple[Any, ...]  # ui.account_bar.AccountView
    current: Any  # AccountView | None
    keyring_notice: str = ""


def _view(account: Any) -> Any:
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
) -> Any:
    """The browser sign-in; blocks until done, cancelled or timed out. Returns core.auth.LoginResult."""
    from core import auth

    return auth.login(ctx, on_url=on_url, on_message=on_message, cancel=cancel, opener=opener)


def sign_out(ctx: AppContext, account_id: str | None) -> Any:
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
