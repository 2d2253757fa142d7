"""The main window: account bar, banners, the Post and History tabs, menus, drops, and the upload's life."""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMainWindow, QPushButton, QTabWidget, QVBoxLayout, QWidget

from core import APP_NAME
from core.errors import ClipshipError
from core.history import Attempt
from core.models import CreatorInfo
from core.session import describe
from ui import services
from ui.about import show_about
from ui.account_bar import AccountBar, AccountView, Banner
from ui.drop_zone import VIDEO_FILTER, dropped_path
from ui.history_view import HistoryView
from ui.post_flow import PostFlow
from ui.post_page import PostPage
from ui.prompts import Prompts
from ui.settings_dialog import SettingsDialog, SettingsValues
from ui.sign_in_dialog import SignInDialog
from ui.tasks import TaskRunner
from ui.window_accounts import AccountsMixin
from ui.window_history import HistoryMixin

log = logging.getLogger(__name__)

UNAUDITED_TEXT = (
    "<b>This app is not audited by TikTok yet.</b> Posts are limited to private accounts and are visible only "
    "to you (\u201cOnly me\u201d). Switch your TikTok account to private to post."
)


class MainWindow(AccountsMixin, HistoryMixin, QMainWindow):
    """Clipship's one window. Every core call runs on the task pool or the upload thread, never here."""

    def __init__(self, ctx: Any, settings_path: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sandbox = bool(getattr(ctx.config, "sandbox", False))
        ini = settings_path or (ctx.config.data_dir / "window.ini")
        self.qsettings = QSettings(str(ini), QSettings.Format.IniFormat)
        self.runner = TaskRunner(self)
        self.session = services.open_session(ctx)  # the one core Session; every call on a worker thread
        self.account: AccountView | None = None
        self.creator: CreatorInfo | None = None
        self.creator_error = ""
        self.creator_loading = False
        self.sign_in_dialog: SignInDialog | None = None
        self._creator_generation = 0
        self._inspect_generation = 0
        self._closing = False
        self._bg_cancel = threading.Event()  # stops background polling when the window closes
        self._auto_resumed = False
        self._avatar_url = ""
        self.browser_opener: Any = None  # how sign-in opens the consent page (None: the system browser)

        self.setWindowTitle(APP_NAME + (" \u2014 Sandbox" if self.sandbox else ""))
        self.setAcceptDrops(True)
        self.account_bar = AccountBar()
        self.account_bar.set_sandbox(self.sandbox)
        self.keyring_banner = Banner("", "warning")
        self.keyring_banner.hide()
        self.unaudited_banner = Banner(UNAUDITED_TEXT, "info")
        self.unaudited_banner.setVisible(self.sandbox and not _sandbox_audited(ctx))
        self.resume_banner = Banner("", "info")
        self.resume_banner.hide()
        self.resume_button = QPushButton("Resume")
        banner_layout = self.resume_banner.layout()
        assert isinstance(banner_layout, QHBoxLayout)
        banner_layout.insertWidget(1, self.resume_button)
        self.resumable: list[Attempt] = []
        self.page = PostPage(self.runner)
        self.flow = PostFlow(self.session, self.page, self.runner, self)
        self.flow.dialog_parent = self
        self.controller = self.flow.controller
        self.history = HistoryView()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.page, "Post")
        self.tabs.addTab(self.history, "History")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.account_bar)
        layout.addWidget(self.keyring_banner)
        layout.addWidget(self.unaudited_banner)
        layout.addWidget(self.resume_banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.statusBar().setSizeGripEnabled(True)
        self._build_menus()
        self._connect()
        self.resize(1180, 780)
        geometry = self.qsettings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.update_post_state()
        QTimer.singleShot(0, self.start_up)

    # ---- construction ---------------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = QAction(QIcon.fromTheme("document-open"), "&Open Video\u2026", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_action_triggered)
        file_menu.addAction(self.open_action)
        self.settings_action = QAction("&Settings\u2026", self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.settings_action_triggered)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        account_menu = bar.addMenu("&Account")
        self.sign_in_action = account_menu.addAction("&Sign In\u2026")
        self.sign_in_action.triggered.connect(self.sign_in)
        self.sign_out_action = account_menu.addAction("Sign &Out")
        self.sign_out_action.triggered.connect(self.sign_out)
        view_menu = bar.addMenu("&View")
        post_tab = view_menu.addAction("&Post")
        post_tab.setShortcut(QKeySequence("Ctrl+1"))
        post_tab.triggered.connect(self.show_post_tab)
        history_tab = view_menu.addAction("&History")
        history_tab.setShortcut(QKeySequence("Ctrl+2"))
        history_tab.triggered.connect(self.show_history_tab)
        help_menu = bar.addMenu("&Help")
        self.about_action = help_menu.addAction(f"&About {APP_NAME}")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.about_action_triggered)

    def _connect(self) -> None:
        self.account_bar.sign_in_requested.connect(self.sign_in)
        self.account_bar.sign_out_requested.connect(self.sign_out)
        self.account_bar.switch_requested.connect(self.switch_account)
        self.page.open_requested.connect(self.open_action_triggered)
        self.page.clear_requested.connect(self.clear_video)
        self.page.form.post_requested.connect(self.on_form_post_requested)
        self.page.form.draft_requested.connect(self.on_form_draft_requested)
        self.flow.idle.connect(self.on_controller_idle)
        self.flow.history_changed.connect(self.refresh_history)
        self.flow.detached.connect(self.watch_in_background)
        self.flow.message.connect(self.show_status_message)
        self.flow.sign_in_requested.connect(self.sign_in)
        self.flow.open_requested.connect(self.open_action_triggered)
        self.flow.history_requested.connect(self.show_history_tab)
        self.flow.unaudited.connect(self.unaudited_banner.show)
        self.resume_button.clicked.connect(self.on_resume_banner_clicked)
        self.history.refresh_requested.connect(self.refresh_history)
        self.history.check_requested.connect(self.check_status)
        self.history.resume_requested.connect(self.resume_from_history)
        self.tabs.currentChanged.connect(self.on_tab_changed)

    @Slot()
    def start_up(self) -> None:
        self.load_accounts()
        self.refresh_history()
        session = self.session
        self.runner.submit(lambda: services.resumable(session), on_done=self._on_resumable)

    @property
    def prompts(self) -> Prompts:
        prompts: Prompts = self.flow.prompts
        return prompts

    @prompts.setter
    def prompts(self, prompts: Prompts) -> None:
        self.flow.prompts = prompts

    @Slot(str)
    def show_status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    # ---- interrupted uploads ----------------------------------------------------------------------------------

    def _on_resumable(self, attempts: list[Attempt]) -> None:
        self.resumable = list(attempts)
        if not attempts:
            self.resume_banner.hide()
            return
        newest = attempts[0]
        headline, detail = describe(newest)
        more = f" (and {len(attempts) - 1} more on the History tab)" if len(attempts) > 1 else ""
        text = f"<b>{headline}: {_esc(Path(newest.file_path).name)}</b>{more}. {_esc(detail)}"
        self.resume_banner.label.setText(text)
        self.resume_banner.show()

    @Slot()
    def on_resume_banner_clicked(self) -> None:
        if self.resumable and not self.flow.is_busy():
            self.resume_banner.hide()
            self.tabs.setCurrentWidget(self.page)
            self.flow.resume(self.resumable[0])
            self.update_post_state()

    # ---- the video --------------------------------------------------------------------------------------------

    @Slot()
    def open_action_triggered(self) -> None:
        start = str(self.qsettings.value("paths/last_dir", "") or "")
        path, _ = QFileDialog.getOpenFileName(self, "Open a video", start, VIDEO_FILTER)
        if path:
            self.qsettings.setValue("paths/last_dir", str(Path(path).parent))
            self.load_video(Path(path))

    def load_video(self, path: Path) -> None:
        """Show the file and inspect it on the pool; a newer file supersedes a pending inspection."""
        if self.controller.is_busy():
            self.statusBar().showMessage("Wait for the current upload to finish before choosing another video.", 6000)
            return
        self.tabs.setCurrentWidget(self.page)
        self.page.progress.hide()
        self.page.drop_zone.show_message("")
        self.page.show_checking(path)
        self.flow.check_earlier(path, self.account.account_id if self.account else None)
        self._inspect(path, load_preview=True)
        self.refresh_creator()  # the post form is shown for this video: creator_info must be fresh
        self.update_post_state()

    def recheck_video(self) -> None:
        if self.page.path is not None:
            self._inspect(self.page.path, load_preview=False)

    def _inspect(self, path: Path, load_preview: bool) -> None:
        self._inspect_generation += 1
        generation, creator = self._inspect_generation, self.creator
        self.runner.submit(
            lambda: services.inspect_video(path, creator),
            on_done=functools.partial(self._on_inspected, generation, load_preview),
            on_error=functools.partial(self._on_inspect_error, generation, path),
        )

    def _on_inspected(self, generation: int, load_preview: bool, inspection: services.Inspection) -> None:
        if generation != self._inspect_generation or inspection.path != self.page.path:
            return
        self.page.show_inspection(inspection, load_preview)
        self.update_post_state()

    def _on_inspect_error(self, generation: int, path: Path, exc: BaseException) -> None:
        if generation != self._inspect_generation or path != self.page.path:
            return
        message, hint = services.describe_error(exc)
        self.page.show_check_error(path, message, hint)
        self.update_post_state()

    @Slot()
    def clear_video(self) -> None:
        if self.controller.is_busy():
            return
        self._inspect_generation += 1
        self.flow.check_earlier(None, None)
        self.page.clear_video()
        self.page.progress.hide()
        self.update_post_state()

    # ---- drag and drop: the whole window is the drop target -------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and not self.controller.is_busy():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.page.drop_zone.set_active(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls() and not self.controller.is_busy():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.page.drop_zone.set_active(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self.page.drop_zone.set_active(False)
        path, why = dropped_path(event.mimeData())
        if path is None:
            event.ignore()
            self.page.drop_zone.show_message(why)
            self.statusBar().showMessage(why, 8000)
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        QTimer.singleShot(0, functools.partial(self.load_video, path))  # return to the drag source at once

    # ---- posting ------------------------------------------------------------------------------------------------

    def update_post_state(self) -> None:
        """Tell the form everything outside it that stops a post (video, account, creator, upload running)."""
        common: list[str] = []
        if self.controller.is_busy():
            common.append("An upload is in progress.")
        common.extend(self.page.video_blockers())
        direct = list(common)
        draft = list(common)
        if self.account is None:
            direct.append("Sign in to TikTok first.")
            draft.append("Sign in to TikTok first.")
        else:
            if self.creator_error:
                direct.append(self.creator_error)
            elif self.creator_loading or self.creator is None:
                direct.append("Wait a moment: checking your TikTok account.")
            if not self.account.can_direct_post:
                direct.append(
                    "Your sign-in doesn't allow direct posting (video.publish). Send it to your inbox as a draft, "
                    "or sign in again and allow posting."
                )
            if not self.account.can_upload_draft:
                draft.append("Your sign-in doesn't allow drafts (video.upload). Sign in again and allow it.")
        self.page.form.set_context_blockers(direct, draft)
        self.open_action.setEnabled(not self.controller.is_busy())

    def on_account_changed(self) -> None:
        """A new account (or none): the earlier-post check of the loaded video is that account's."""
        self.flow.account_name = self.account.username if self.account else ""
        if not self.flow.is_busy():
            self.flow.check_earlier(self.page.path, self.account.account_id if self.account else None)

    @Slot()
    def on_form_post_requested(self) -> None:
        self.start_publish(draft=False)

    @Slot()
    def on_form_draft_requested(self) -> None:
        self.start_publish(draft=True)

    def start_publish(self, draft: bool) -> None:
        chunk = int(getattr(self.ctx.config, "chunk_size", 0) or 0) or None
        self.flow.post(draft, self.account.account_id if self.account else None, chunk)
        self.update_post_state()

    @Slot()
    def on_controller_idle(self) -> None:
        self.update_post_state()
        if self.page.path is not None:
            self.refresh_creator()  # the form is shown again: fresh creator_info

    # ---- dialogs ----------------------------------------------------------------------------------------------

    @Slot()
    def about_action_triggered(self) -> None:
        show_about(self, self.sandbox)

    @Slot()
    def settings_action_triggered(self) -> None:
        ctx = self.ctx
        self.runner.submit(lambda: services.read_app_settings(ctx), on_done=self._show_settings)

    def _show_settings(self, loaded: tuple[SettingsValues, bool]) -> None:
        values, has_secret = loaded
        dialog = SettingsDialog(values, has_secret, self.sandbox, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            new = dialog.values()
            ctx = self.ctx
            self.runner.submit(
                lambda: services.save_app_settings(ctx, new),
                on_done=self._on_settings_saved,
                on_error=self._on_accounts_error,
            )
        dialog.deleteLater()

    def _on_settings_saved(self, ctx: object) -> None:
        self.ctx = ctx
        self.statusBar().showMessage("Settings saved.", 5000)

    # ---- closing ----------------------------------------------------------------------------------------------

    def confirm_close_during_upload(self) -> bool:
        return self.prompts.ask_close_during_upload(self, self.page.progress.watching)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.is_busy() and not self.confirm_close_during_upload():
            event.ignore()
            return
        self._closing = True
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.sync()
        self._bg_cancel.set()
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.cancel_event.set()
        self.flow.shutdown()
        self.runner.shutdown()
        self.session.close()
        event.accept()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sandbox_audited(ctx: Any) -> bool:
    sandbox = getattr(ctx, "sandbox", None)
    config = getattr(sandbox, "config", None)
    return bool(getattr(config, "audited", True))


__all__ = ["MainWindow", "ClipshipError"]
