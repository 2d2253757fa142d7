"""The signed-in side of the window: the current account, its fresh creator_info and avatar, sign in/out/switch."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QWidget

from core.auth.login import LoginResult
from core.context import AppContext
from core.errors import ApiError
from core.models import CreatorInfo
from core.session import Session
from ui import services
from ui.account_bar import AccountView
from ui.plain_errors import explain
from ui.prompts import Prompts
from ui.sign_in_dialog import SignInDialog
from ui.tasks import TaskRunner

SIGN_IN_AGAIN = "TikTok no longer accepts this sign-in (it expired or access was removed). Sign in again to post."


class AccountSession(QObject):
    """The account in use and what TikTok says about it now; every core call runs on the task runner.

    Signals: accounts_loaded(object services.AccountsState), account_changed(object AccountView | None),
    creator_changed(object CreatorInfo | None), loading_changed(bool), error_changed(str),
    avatar_changed(QPixmap), message(str) (a status-bar sentence), sign_in_needed(bool) (TikTok no longer accepts
    the sign-in: expired or removed; cleared by the next successful sign-in or creator_info).
    """

    accounts_loaded = Signal(object)
    account_changed = Signal(object)
    creator_changed = Signal(object)
    loading_changed = Signal(bool)
    error_changed = Signal(str)
    avatar_changed = Signal(QPixmap)
    message = Signal(str)
    sign_in_needed = Signal(bool)

    def __init__(
        self, ctx: AppContext, session: Session, runner: TaskRunner, prompts: Prompts, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.runner = runner
        self.prompts = prompts
        self.dialog_parent: QWidget | None = None  # the window, for dialogs
        self.browser_opener: Callable[[str], bool] | None = None  # how sign-in opens the page (None: the browser)
        self.account: AccountView | None = None
        self.creator: CreatorInfo | None = None
        self.creator_error = ""
        self.creator_loading = False
        self.needs_sign_in = False  # TikTok refused the sign-in itself (revoked or expired beyond refresh)
        self.avatar_url = ""  # the avatar shown or being fetched
        self.has_avatar = False
        self.sign_in_dialog: SignInDialog | None = None
        self._creator_generation = 0

    # ---- accounts -----------------------------------------------------------------------------------------

    def load(self, wanted: str | None = None) -> None:
        ctx = self.ctx
        self.runner.submit(
            lambda: services.load_accounts(ctx, wanted), on_done=self._on_accounts, on_error=self._on_error
        )

    def _on_accounts(self, state: services.AccountsState) -> None:
        previous, self.account = self.account, state.current
        if state.current is None or previous is None or previous.account_id != state.current.account_id:
            self.has_avatar = False
        self._creator_generation += 1  # an answer for the previous account is stale now
        self.creator, self.creator_error, self.creator_loading = None, "", False
        self._set_needs_sign_in(False)
        self.accounts_loaded.emit(state)
        self.account_changed.emit(state.current)
        self.creator_changed.emit(None)
        if state.current is not None:
            self.refresh_creator()
            self._fetch_avatar(state.current.avatar_url)  # may have expired: creator_info brings a fresh one

    def _on_error(self, exc: BaseException) -> None:
        message, hint = services.describe_error(exc)
        self.message.emit(f"{message} {hint}")

    # ---- creator_info and avatar ------------------------------------------------------------------------------

    def refresh_creator(self) -> None:
        """Fresh creator_info (TikTok requires it each time the post form is shown): a background query."""
        if self.account is None:
            return
        self._creator_generation += 1
        generation, session, account = self._creator_generation, self.session, self.account.account_id
        self.creator_loading = True
        self.loading_changed.emit(True)
        self.runner.submit(
            lambda: services.fetch_creator(session, account),
            on_done=functools.partial(self._on_creator, generation),
            on_error=functools.partial(self._on_creator_error, generation),
        )

    def _on_creator(self, generation: int, creator: CreatorInfo) -> None:
        if generation != self._creator_generation:
            return
        self.creator, self.creator_error, self.creator_loading = creator, "", False
        self._set_needs_sign_in(False)
        self.creator_changed.emit(creator)
        self._fetch_avatar(creator.avatar_url)

    def _on_creator_error(self, generation: int, exc: BaseException) -> None:
        if generation != self._creator_generation:
            return
        self.creator, self.creator_loading = None, False
        said = explain(exc)
        code = exc.code if isinstance(exc, ApiError) else ""
        if said.needs_sign_in:
            self.creator_error = SIGN_IN_AGAIN
        elif code == "reached_active_user_cap":
            self.creator_error = f"TikTok says this account can't post right now. {said.sentence} Try again later."
        else:
            self.creator_error = said.text()
        self._set_needs_sign_in(said.needs_sign_in)
        self.error_changed.emit(self.creator_error)

    def sign_in_refused(self) -> None:
        """A post found that TikTok no longer accepts this sign-in: the window asks for a new one."""
        if self.account is not None:
            self.creator_error = SIGN_IN_AGAIN
            self._set_needs_sign_in(True)
            self.error_changed.emit(self.creator_error)

    def _set_needs_sign_in(self, on: bool) -> None:
        if on != self.needs_sign_in:
            self.needs_sign_in = on
            self.sign_in_needed.emit(on)

    def _fetch_avatar(self, url: str) -> None:
        """Load the avatar at `url` unless it is the one already shown (TikTok's avatar URLs expire after 2 h)."""
        if not url or (url == self.avatar_url and self.has_avatar):
            return
        self.avatar_url = url
        self.runner.submit(lambda: services.fetch_avatar(url), on_done=functools.partial(self._on_avatar, url))

    def _on_avatar(self, url: str, data: bytes | None) -> None:
        if url != self.avatar_url:
            return  # another account's, or superseded
        pixmap = QPixmap()
        if data is not None and pixmap.loadFromData(data):
            self.has_avatar = True
            self.avatar_changed.emit(pixmap)
        else:
            self.avatar_url = ""  # a later, fresher URL may work

    # ---- sign in, sign out, switch ------------------------------------------------------------------------------

    @Slot()
    def sign_in(self) -> None:
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.raise_()
            return
        dialog = SignInDialog(bool(self.ctx.config.sandbox), self.dialog_parent)
        self.sign_in_dialog = dialog
        ctx, opener = self.ctx, self.browser_opener
        self.runner.submit(
            lambda: services.sign_in(
                ctx,
                on_url=dialog.report_url,
                on_message=dialog.report_message,
                cancel=dialog.cancel_event,
                opener=opener,
            ),
            on_done=self._on_signed_in,
            on_error=self._on_sign_in_error,
        )
        dialog.open()

    def _finish_sign_in_dialog(self) -> bool:
        dialog, self.sign_in_dialog = self.sign_in_dialog, None
        cancelled = dialog is not None and dialog.cancel_event.is_set()
        if dialog is not None:
            dialog.done(0)
            dialog.deleteLater()
        return cancelled

    def _on_signed_in(self, result: LoginResult) -> None:
        self._finish_sign_in_dialog()
        self.message.emit(f"Signed in as {result.account.label}.")
        if result.notices:
            self.prompts.tell(self.dialog_parent, "Signed in", "\n\n".join(result.notices))
        self.load(result.account.open_id)

    def _on_sign_in_error(self, exc: BaseException) -> None:
        if self._finish_sign_in_dialog():
            self.message.emit("Sign-in cancelled.")
            return
        message, hint = services.describe_error(exc)
        self.prompts.warn(self.dialog_parent, "Sign-in failed", f"{message}\n\n{hint}".strip())

    @Slot()
    def sign_out(self, ask: bool = True) -> None:
        account = self.account
        if account is None or (ask and not self.prompts.ask_sign_out(self.dialog_parent, account.label)):
            return
        if self.account is None or self.account.account_id != account.account_id:
            return  # the account changed while the question was open
        ctx = self.ctx
        self.runner.submit(
            lambda: services.sign_out(ctx, account.account_id),
            on_done=self._on_signed_out,
            on_error=self._on_signed_out,
        )

    def _on_signed_out(self, _result: object) -> None:
        self.message.emit("Signed out.")
        self.account = None
        self.load()

    @Slot(str)
    def switch(self, account_id: str) -> None:
        ctx = self.ctx
        self.runner.submit(
            lambda: services.make_default(ctx, account_id),
            on_done=functools.partial(self._on_switched, account_id),
            on_error=self._on_error,
        )

    def _on_switched(self, account_id: str, _result: object) -> None:
        self.load(account_id)

    def shutdown(self) -> None:
        """The window closes: stop waiting for a sign-in."""
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.cancel_event.set()
