"""The window's account side: signed-in accounts, fresh creator_info, sign in / out / switch (a MainWindow mixin)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QMessageBox

from core.models import CreatorInfo
from ui import services
from ui.sign_in_dialog import SignInDialog


class AccountsMixin:
    """Accounts and creator_info for MainWindow; every core call goes through the window's task runner."""

    # Provided by MainWindow.
    ctx: Any
    session: Any
    runner: Any
    prompts: Any
    page: Any
    account_bar: Any
    keyring_banner: Any
    sign_out_action: Any
    account: Any
    creator: CreatorInfo | None
    creator_error: str
    _avatar_url: str  # the avatar shown or being fetched
    creator_loading: bool
    sign_in_dialog: SignInDialog | None
    browser_opener: Any
    sandbox: bool
    _creator_generation: int

    if TYPE_CHECKING:  # MainWindow's own methods, declared for the type checker only

        def statusBar(self) -> Any: ...  # noqa: N802 - QMainWindow's name

        def update_post_state(self) -> None: ...

        def recheck_video(self) -> None: ...

        def on_account_changed(self) -> None: ...

    # ---- accounts and creator info --------------------------------------------------------------------------

    def load_accounts(self, wanted: str | None = None) -> None:
        ctx = self.ctx
        self.runner.submit(
            lambda: services.load_accounts(ctx, wanted), on_done=self._on_accounts, on_error=self._on_accounts_error
        )

    def _on_accounts(self, state: services.AccountsState) -> None:
        self.account = state.current
        self.account_bar.set_accounts(list(state.accounts), state.current)
        self.sign_out_action.setEnabled(state.current is not None)
        self.keyring_banner.label.setText(state.keyring_notice)
        self.keyring_banner.setVisible(bool(state.keyring_notice))
        self.creator = None
        self.on_account_changed()
        if state.current is not None:
            self.refresh_creator()
            if not self._auto_resumed:
                self.refresh_history()  # the history may have loaded before the account: resume its posts now
            # The stored URL may have expired; creator_info brings a fresh one (see _on_creator).
            self._fetch_avatar(state.current.avatar_url)
        else:
            self.creator_error = ""
            self.page.set_creator(None, "Sign in to TikTok to post.")
        self.update_post_state()

    def _on_accounts_error(self, exc: BaseException) -> None:
        message, hint = services.describe_error(exc)
        self.statusBar().showMessage(f"{message} {hint}", 10_000)

    def _fetch_avatar(self, url: str) -> None:
        """Load the avatar at `url` unless it is the one already shown (TikTok's avatar URLs expire after 2 h)."""
        if not url or (url == self._avatar_url and self.account_bar.has_avatar()):
            return
        self._avatar_url = url
        self.runner.submit(lambda: services.fetch_avatar(url), on_done=lambda data: self._on_avatar(url, data))

    def _on_avatar(self, url: str, data: object) -> None:
        pixmap = QPixmap()
        if url != self._avatar_url:
            return  # another account's, or superseded
        if isinstance(data, bytes) and pixmap.loadFromData(data):
            self.account_bar.set_avatar(pixmap)
        else:
            self._avatar_url = ""  # a later, fresher URL may work

    def refresh_creator(self) -> None:
        """Fresh creator_info (TikTok requires it each time the post form is shown): a background query."""
        if self.account is None:
            return
        self._creator_generation += 1
        generation, session, account = self._creator_generation, self.session, self.account.account_id
        self.creator_loading = True
        self.page.form.set_creator_status("Checking your TikTok account\u2026")
        self.update_post_state()
        self.runner.submit(
            lambda: services.fetch_creator(session, account),
            on_done=functools.partial(self._on_creator, generation),
            on_error=functools.partial(self._on_creator_error, generation),
        )

    def _on_creator(self, generation: int, creator: CreatorInfo) -> None:
        if generation != self._creator_generation:
            return
        self.creator_loading = False
        self.creator = creator
        self.creator_error = ""
        self.page.set_creator(creator)
        self.account_bar.set_creator(creator.nickname, creator.username)
        self._fetch_avatar(creator.avatar_url)
        if self.page.inspection is not None:
            self.recheck_video()
        self.update_post_state()

    def _on_creator_error(self, generation: int, exc: BaseException) -> None:
        if generation != self._creator_generation:
            return
        self.creator_loading = False
        self.creator = None
        message, hint = services.describe_error(exc)
        code = getattr(exc, "code", "")
        if code.startswith("spam_risk") or code == "reached_active_user_cap":
            self.creator_error = f"TikTok says this account can't post right now. {message} Try again later."
        else:
            self.creator_error = f"{message} {hint}".strip()
        self.page.set_creator(None)
        self.page.form.set_creator_status(self.creator_error, error=True)
        self.update_post_state()

    @Slot()
    def sign_in(self) -> None:
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.raise_()
            return
        dialog = SignInDialog(self.sandbox, self)
        self.sign_in_dialog = dialog
        ctx = self.ctx
        self.runner.submit(
            lambda: services.sign_in(
                ctx,
                on_url=dialog.report_url,
                on_message=dialog.report_message,
                cancel=dialog.cancel_event,
                opener=self.browser_opener,
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

    def _on_signed_in(self, result: Any) -> None:
        self._finish_sign_in_dialog()
        notices = tuple(getattr(result, "notices", ()) or ())
        account = getattr(result, "account", None)
        self.statusBar().showMessage(f"Signed in as {getattr(account, 'label', 'your account')}.", 8000)
        if notices:
            QMessageBox.information(self, "Signed in", "\n\n".join(notices))
        self.load_accounts(getattr(account, "open_id", None))

    def _on_sign_in_error(self, exc: BaseException) -> None:
        if self._finish_sign_in_dialog():
            self.statusBar().showMessage("Sign-in cancelled.", 5000)
            return
        message, hint = services.describe_error(exc)
        QMessageBox.warning(self, "Sign-in failed", f"{message}\n\n{hint}".strip())

    @Slot()
    def sign_out(self) -> None:
        if self.account is None:
            return
        account = self.account
        if not self.confirm_sign_out(account.label):
            return
        ctx = self.ctx
        self.runner.submit(
            lambda: services.sign_out(ctx, account.account_id),
            on_done=self._on_signed_out,
            on_error=self._on_signed_out,
        )

    def confirm_sign_out(self, label: str) -> bool:
        return bool(self.prompts.ask_sign_out(self, label))

    def _on_signed_out(self, _result: object) -> None:
        self.statusBar().showMessage("Signed out.", 5000)
        self.account = None
        self.load_accounts()

    @Slot(str)
    def switch_account(self, account_id: str) -> None:
        ctx = self.ctx
        self.runner.submit(
            lambda: services.make_default(ctx, account_id),
            on_done=lambda _r: self.load_accounts(account_id),
            on_error=self._on_accounts_error,
        )
