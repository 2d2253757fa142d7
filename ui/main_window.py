"""The main window: builds the account bar, banners, the Post and History tabs and menus, and connects controllers."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMainWindow, QPushButton, QTabWidget, QVBoxLayout, QWidget

from core import APP_NAME
from core.context import AppContext
from core.history import Attempt
from core.models import CreatorInfo
from core.session import describe
from ui import services
from ui.about import show_about
from ui.account_bar import AccountBar, AccountView, Banner
from ui.account_session import AccountSession
from ui.drop_zone import VIDEO_FILTER, dropped_paths
from ui.history_controller import HistoryController
from ui.history_view import HistoryView
from ui.photo_flow import PhotoFlow
from ui.photo_page import IMAGE_SUFFIXES, LOCAL_FILES_TEXT, PhotoPage
from ui.post_flow import PostFlow
from ui.post_page import PostPage
from ui.post_rules import ONLY_PRIVATE_UNAUDITED
from ui.prompts import Prompts
from ui.queue_controller import QueueController
from ui.queue_page import QueuePage
from ui.settings_dialog import SettingsDialog, SettingsValues
from ui.tasks import TaskRunner
from ui.thumbnails import Thumbnails
from ui.tray import TrayController

log = logging.getLogger(__name__)

UNAUDITED_TEXT = (
    "<b>This app is not audited by TikTok yet.</b> Posts are limited to private accounts and are visible only "
    "to you (\u201cOnly me\u201d). Switch your TikTok account to private to post."
)


class MainWindow(QMainWindow):
    """Clipship's one window. Every core call runs on the task pool or the upload thread, never here.

    Attributes: session (the one core Session), runner (the task pool), prompts (the questions, injectable),
    accounts (AccountSession), history_controller (HistoryController), flow (PostFlow, which owns the upload and
    its attempt), controller (the flow's PublishController), queue (QueueController: the posting queue and its
    runner thread), tray (TrayController); widgets: account_bar, the banners, page, queue_page, history, tabs.

    Signals: quit_requested() (Quit from the tray: the application should end).
    """

    quit_requested = Signal()

    def __init__(self, ctx: AppContext, settings_path: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sandbox = ctx.config.sandbox
        self.qsettings = QSettings(str(settings_path or ctx.config.data_dir / "window.ini"), QSettings.Format.IniFormat)
        self.runner = TaskRunner(self)
        self.session = services.open_session(ctx)  # the one core Session; every call on a worker thread
        self.prompts = Prompts()
        self._inspect_generation = 0
        self._sign_out_when_idle: str | None = None  # signing out waits for the upload it stopped

        self.setWindowTitle(APP_NAME + (" \u2014 Sandbox" if self.sandbox else ""))
        self.setAcceptDrops(True)
        self.account_bar = AccountBar()
        self.account_bar.set_sandbox(self.sandbox)
        self.keyring_banner = Banner("", "warning")
        self.keyring_banner.hide()
        self.unaudited_banner = Banner(UNAUDITED_TEXT, "info")
        self.unaudited_banner.hide()
        self.resume_banner = Banner("", "info")
        self.resume_banner.hide()
        self.resume_button = QPushButton("Resume")
        banner_layout = self.resume_banner.layout()
        assert isinstance(banner_layout, QHBoxLayout)
        banner_layout.insertWidget(1, self.resume_button)
        self.page = PostPage(self.runner)
        self.history = HistoryView()
        self.photo_page = PhotoPage(self.sandbox)
        self.queue_page = QueuePage()
        self.thumbnails = Thumbnails(self.runner, self)  # first frames in the History and Queue lists
        self.history.use_thumbnails(self.thumbnails)
        self.queue_page.use_thumbnails(self.thumbnails)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.page, "Post")
        self.tabs.addTab(self.photo_page, "Photos")
        self.tabs.addTab(self.queue_page, "Queue")
        self.tabs.addTab(self.history, "History")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for widget in (self.account_bar, self.keyring_banner, self.unaudited_banner, self.resume_banner):
            layout.addWidget(widget)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.statusBar().setSizeGripEnabled(True)

        self.accounts = AccountSession(ctx, self.session, self.runner, self.prompts, self)
        self.history_controller = HistoryController(self.session, self.runner, self)
        self.flow = PostFlow(self.session, self.page, self.runner, self.prompts, self)
        self.controller = self.flow.controller
        media_base = ctx.sandbox.media_base_url if self.sandbox and ctx.sandbox is not None else ""
        self.photo_flow = PhotoFlow(self.session, self.photo_page, self.runner, media_base or "", self)
        self.queue = QueueController(
            self.session, self.runner, self.queue_page, self.prompts, self.qsettings, parent=self
        )
        self.tray = TrayController(self.windowIcon(), self)
        self.keep_in_tray: bool | None = None  # asked once, the first time the window closes with posts waiting
        self.quitting = False
        self.accounts.dialog_parent = self.flow.dialog_parent = self.queue.dialog_parent = self
        self._build_menus()
        self._connect()
        self.resize(1180, 780)
        geometry = self.qsettings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self._fit_to_screen()
        if self._known_unaudited():
            self.set_unaudited(True)
        self.update_post_state()
        QTimer.singleShot(0, self.start_up)

    def _fit_to_screen(self) -> None:
        """Never larger than the screen's free area (a 1024x700 screen, a laptop at 2x): shrink and move into it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        width = min(self.width(), max(640, free.width() - 16))
        height = min(self.height(), max(480, free.height() - 48))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        if not free.contains(frame):
            x = min(max(frame.x(), free.x()), free.right() - frame.width())
            y = min(max(frame.y(), free.y()), free.bottom() - frame.height())
            self.move(max(x, free.x()), max(y, free.y()))

    def set_prompts(self, prompts: Prompts) -> None:
        """Who answers the window's questions (tests script them)."""
        self.prompts = self.flow.prompts = self.accounts.prompts = self.queue.prompts = prompts

    # ---- construction ---------------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = QAction(QIcon.fromTheme("document-open"), "&Open Video\u2026", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_action_triggered)
        file_menu.addAction(self.open_action)
        self.settings_action = QAction("&Settings\u2026", self)
        settings_keys = [QKeySequence("Ctrl+,"), QKeySequence(QKeySequence.StandardKey.Preferences)]
        self.settings_action.setShortcuts([k for i, k in enumerate(settings_keys) if k and k not in settings_keys[:i]])
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.settings_action_triggered)
        file_menu.addAction(self.settings_action)
        self.post_action = QAction("&Post Now", self)
        self.post_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.post_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.post_action.triggered.connect(self.post_action_triggered)
        file_menu.addAction(self.post_action)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        account_menu = bar.addMenu("&Account")
        self.sign_in_action = account_menu.addAction("&Sign In\u2026")
        self.sign_in_action.triggered.connect(self.accounts.sign_in)
        self.sign_out_action = account_menu.addAction("Sign &Out")
        self.sign_out_action.triggered.connect(self.sign_out_action_triggered)
        view_menu = bar.addMenu("&View")
        post_tab = view_menu.addAction("&Post")
        post_tab.setShortcut(QKeySequence("Ctrl+1"))
        post_tab.triggered.connect(self.show_post_tab)
        queue_tab = view_menu.addAction("&Queue")
        queue_tab.setShortcut(QKeySequence("Ctrl+2"))
        queue_tab.triggered.connect(self.show_queue_tab)
        history_tab = view_menu.addAction("&History")
        history_tab.setShortcut(QKeySequence("Ctrl+3"))
        history_tab.triggered.connect(self.show_history_tab)
        photos_tab = view_menu.addAction("P&hotos")
        photos_tab.setShortcut(QKeySequence("Ctrl+4"))
        photos_tab.triggered.connect(self.show_photos_tab)
        help_menu = bar.addMenu("&Help")
        self.about_action = help_menu.addAction(f"&About {APP_NAME}")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.about_action_triggered)

    def _connect(self) -> None:
        accounts, history, flow = self.accounts, self.history_controller, self.flow
        self.account_bar.sign_in_requested.connect(accounts.sign_in)
        self.account_bar.sign_out_requested.connect(self.sign_out_action_triggered)
        self.account_bar.switch_requested.connect(accounts.switch)
        accounts.accounts_loaded.connect(self.on_accounts_loaded)
        accounts.account_changed.connect(self.on_account_changed)
        accounts.creator_changed.connect(self.on_creator_changed)
        accounts.loading_changed.connect(self.on_creator_loading)
        accounts.error_changed.connect(self.on_creator_error)
        accounts.avatar_changed.connect(self.on_avatar_changed)
        accounts.message.connect(self.show_status_message)
        accounts.sign_in_needed.connect(self.on_sign_in_needed)
        self.page.open_requested.connect(self.open_action_triggered)
        self.page.clear_requested.connect(self.clear_video)
        self.page.fixed.connect(self.load_video)  # "Make it TikTok-ready" wrote a copy: post that one
        self.page.form.post_requested.connect(self.on_form_post_requested)
        self.page.form.draft_requested.connect(self.on_form_draft_requested)
        self.page.form.schedule_requested.connect(self.on_form_schedule_requested)
        queue = self.queue
        queue.message.connect(self.show_status_message)
        queue.notify.connect(self.on_queue_notify)
        queue.cap_changed.connect(self.account_bar.set_cap)
        queue.pending_changed.connect(self.on_queue_pending_changed)
        self.queue_page.open_post_requested.connect(self.open_queue_post)
        self.tray.open_requested.connect(self.show_from_tray)
        self.tray.quit_requested.connect(self.quit_from_tray)
        flow.posted.connect(queue.refresh)  # the 24 h count
        flow.state_changed.connect(self.update_post_state)
        flow.idle.connect(self.on_flow_idle)
        flow.history_changed.connect(history.refresh)
        flow.detached.connect(history.watch)
        flow.message.connect(self.show_status_message)
        flow.sign_in_requested.connect(accounts.sign_in)
        flow.open_requested.connect(self.open_action_triggered)
        flow.history_requested.connect(self.show_history_tab)
        flow.unaudited.connect(self.on_unaudited)
        flow.sign_in_refused.connect(self.accounts.sign_in_refused)
        history.rows_changed.connect(self.history.set_rows)
        history.status_changed.connect(self.history.set_status)
        history.resumable_changed.connect(self.on_resumable_changed)
        history.resume_requested.connect(self.resume)
        self.resume_button.clicked.connect(history.resume_newest)
        self.history.refresh_requested.connect(history.refresh)
        self.history.check_requested.connect(history.check_status)
        self.history.resume_requested.connect(history.resume)
        self.tabs.currentChanged.connect(self.on_tab_changed)
        photos, photo_form = self.photo_flow, self.photo_page.form
        photo_form.post_requested.connect(self.on_photo_post_requested)
        photo_form.draft_requested.connect(self.on_photo_draft_requested)
        self.photo_page.urls_changed.connect(self.update_post_state)
        self.photo_page.settings_requested.connect(self.settings_action_triggered)
        photos.state_changed.connect(self.update_post_state)
        photos.idle.connect(self.on_photo_flow_idle)
        photos.posted.connect(queue.refresh)
        photos.history_changed.connect(history.refresh)
        photos.detached.connect(history.watch)
        photos.message.connect(self.show_status_message)
        photos.sign_in_requested.connect(accounts.sign_in)
        photos.history_requested.connect(self.show_history_tab)
        photos.unaudited.connect(self.on_unaudited)
        photos.sign_in_refused.connect(self.accounts.sign_in_refused)

    @Slot()
    def start_up(self) -> None:
        self.accounts.load()
        self.history_controller.refresh()
        self.history_controller.load_resumable()

    @Slot(str)
    def show_status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    # ---- the account --------------------------------------------------------------------------------------------

    @Slot(object)
    def on_accounts_loaded(self, state: services.AccountsState) -> None:
        self.account_bar.set_accounts(list(state.accounts), state.current)
        self.sign_out_action.setEnabled(state.current is not None)
        self.keyring_banner.label.setText(state.keyring_notice)
        self.keyring_banner.setVisible(bool(state.keyring_notice))

    @Slot()
    def sign_out_action_triggered(self) -> None:
        """Sign out; under a running upload ask first, then stop the upload and sign out once it has stopped."""
        account = self.accounts.account
        if self.photo_flow.is_busy():
            self.statusBar().showMessage("Wait for the photo post to end (or cancel it), then sign out.", 8000)
            return
        if not self.flow.is_busy() or account is None:
            self.accounts.sign_out()
            return
        if not self.prompts.ask_sign_out_during_upload(self, account.label):
            return
        self._sign_out_when_idle = account.account_id
        self.statusBar().showMessage("Stopping the upload, then signing out…", 8000)
        self.flow.on_cancel_requested()

    @Slot(object)
    def on_account_changed(self, account: AccountView | None) -> None:
        """A new account (or none): the earlier-post check of the loaded video is that account's."""
        self.flow.account_name = account.username if account else ""
        if not self.flow.is_busy():
            self.flow.check_earlier(self.page.path, account.account_id if account else None)
        if account is None:
            self.page.set_creator(None, "Sign in to TikTok to post.")
            self.photo_page.form.set_creator(None, "Sign in to TikTok to post.")
        self.history_controller.set_signed_in(account is not None)
        self.queue.set_account(account.account_id if account else None, self.ctx.config.chunk_size or None)
        self.update_post_state()

    @Slot(object)
    def on_creator_changed(self, creator: CreatorInfo | None) -> None:
        if creator is not None:
            self.page.set_creator(creator)
            self.photo_page.form.set_creator(creator)
            self.account_bar.set_creator(creator.nickname, creator.username)
            if self.page.path is not None and self.page.inspection is not None:
                self._inspect(self.page.path, load_preview=False)  # the creator's limits may differ
        self.update_post_state()

    @Slot(bool)
    def on_creator_loading(self, _loading: bool) -> None:
        self.page.form.set_creator_status("Checking your TikTok account\u2026")
        self.photo_page.form.set_creator_status("Checking your TikTok account\u2026")
        self.update_post_state()

    @Slot(str)
    def on_creator_error(self, text: str) -> None:
        self.page.set_creator(None)
        self.page.form.set_creator_status(text, error=True)
        self.photo_page.form.set_creator(None)
        self.photo_page.form.set_creator_status(text, error=True)
        self.update_post_state()

    def _unaudited_key(self) -> str:
        """Where the window remembers that TikTok called this client unaudited (per client key, never the key)."""
        import hashlib

        key = self.ctx.config.client_key or ""
        return "unaudited/" + hashlib.sha256(key.encode()).hexdigest()[:16]

    def _known_unaudited(self) -> bool:
        if self.sandbox and self.ctx.sandbox is not None and not self.ctx.sandbox.config.audited:
            return True
        return str(self.qsettings.value(self._unaudited_key(), "false")).lower() == "true"

    @Slot()
    def on_unaudited(self) -> None:
        """TikTok refused a post as from an unaudited client: remember it, offer only "Only me", say why."""
        self.qsettings.setValue(self._unaudited_key(), "true")
        self.set_unaudited(True)

    def set_unaudited(self, on: bool) -> None:
        self.unaudited_banner.setVisible(on)
        reason = ONLY_PRIVATE_UNAUDITED if on else ""
        self.page.form.set_only_private(reason)
        self.queue_page.form.set_only_private(reason)
        self.photo_page.form.set_only_private(reason)

    @Slot(bool)
    def on_sign_in_needed(self, on: bool) -> None:
        self.account_bar.set_needs_sign_in(on)
        self.update_post_state()

    @Slot(QPixmap)
    def on_avatar_changed(self, pixmap: QPixmap) -> None:
        self.account_bar.set_avatar(pixmap)

    # ---- interrupted uploads and history ------------------------------------------------------------------------

    @Slot(list)
    def on_resumable_changed(self, attempts: list[Attempt]) -> None:
        if not attempts:
            self.resume_banner.hide()
            return
        newest = attempts[0]
        headline, detail = describe(newest)
        more = f" (and {len(attempts) - 1} more on the History tab)" if len(attempts) > 1 else ""
        text = f"<b>{headline}: {_esc(Path(newest.file_path).name)}</b>{more}. {_esc(detail)}"
        self.resume_banner.label.setText(text)
        self.resume_banner.show()

    @Slot(object)
    def resume(self, attempt: Attempt) -> None:
        if self.flow.is_busy():
            return
        self.resume_banner.hide()
        self.tabs.setCurrentWidget(self.page)
        self.flow.resume(attempt)
        self.update_post_state()

    @Slot(int)
    def on_tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.history:
            self.history_controller.refresh()
        elif self.tabs.widget(index) is self.photo_page and not self.photo_flow.is_busy():
            self.accounts.refresh_creator()  # the photo form is shown: creator_info must be fresh (§9.1)

    @Slot()
    def show_post_tab(self) -> None:
        self.tabs.setCurrentWidget(self.page)

    @Slot()
    def show_queue_tab(self) -> None:
        self.tabs.setCurrentWidget(self.queue_page)

    @Slot()
    def show_history_tab(self) -> None:
        self.tabs.setCurrentWidget(self.history)

    @Slot()
    def show_photos_tab(self) -> None:
        self.tabs.setCurrentWidget(self.photo_page)

    # ---- the video --------------------------------------------------------------------------------------------

    @Slot()
    def open_action_triggered(self) -> None:
        start = str(self.qsettings.value("paths/last_dir", "") or "")
        paths, _ = QFileDialog.getOpenFileNames(self, "Open videos", start, VIDEO_FILTER)
        if paths:
            self.qsettings.setValue("paths/last_dir", str(Path(paths[0]).parent))
            self.open_videos([Path(p) for p in paths])

    def open_videos(self, paths: list[Path]) -> None:
        """One video: the Post tab, as before. Several (or one while others wait to be set up): queue items."""
        if len(paths) == 1 and not self.queue.new_entries and not self.flow.is_busy():
            self.load_video(paths[0])
            return
        if self.flow.is_busy():  # the upload's progress stays in view; the new videos wait in the queue
            self.queue.add_files(paths, self.accounts.creator)
            n = len(paths)
            names = f"“{paths[0].name}”" if n == 1 else f"{n} videos"
            text = (
                f"{names} added to the Queue tab: choose {'its' if n == 1 else 'their'} settings there. "
                "This upload goes on."
            )
            self.statusBar().showMessage(text, 10_000)
            return
        self.tabs.setCurrentWidget(self.queue_page)
        self.queue.add_files(paths, self.accounts.creator)
        self.accounts.refresh_creator()  # the form is shown for these videos: creator_info must be fresh
        n = len(paths)
        self.statusBar().showMessage(
            f"{n} video{'s' if n != 1 else ''} added to the queue: choose the settings of each, then Post now or "
            "Schedule…",
            8000,
        )

    def load_video(self, path: Path) -> None:
        """Show the file and inspect it on the pool; a newer file supersedes a pending inspection."""
        if self.flow.is_busy():
            self.statusBar().showMessage("Wait for the current upload to finish before choosing another video.", 6000)
            return
        self.tabs.setCurrentWidget(self.page)
        self.page.progress.hide()
        self.page.drop_zone.show_message("")
        self.page.show_checking(path)
        account = self.accounts.account
        self.flow.check_earlier(path, account.account_id if account else None)
        self._inspect(path, load_preview=True)
        self.accounts.refresh_creator()  # the post form is shown for this video: creator_info must be fresh
        self.update_post_state()

    def _inspect(self, path: Path, load_preview: bool) -> None:
        self._inspect_generation += 1
        generation, creator = self._inspect_generation, self.accounts.creator
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
        if self.flow.is_busy():
            return
        self._inspect_generation += 1
        self.flow.check_earlier(None, None)
        self.page.clear_video()
        self.page.progress.hide()
        self.update_post_state()

    # ---- drag and drop: the whole window is the drop target -------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.dragMoveEvent(event)
        self.page.drop_zone.set_active(event.isAccepted() and self.tabs.currentWidget() is not self.photo_page)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.page.drop_zone.set_active(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self.page.drop_zone.set_active(False)
        if self.tabs.currentWidget() is self.photo_page:
            self.drop_on_photos(event)
            return
        paths, why = dropped_paths(event.mimeData())
        if paths and all(p.suffix.lower() in IMAGE_SUFFIXES for p in paths):
            self.tabs.setCurrentWidget(self.photo_page)  # photos: their tab says where TikTok takes them from
            self.drop_on_photos(event)
            return
        if not paths:
            event.ignore()
            self.page.drop_zone.show_message(why)
            self.statusBar().showMessage(why, 8000)
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        QTimer.singleShot(0, functools.partial(self.open_videos, paths))  # return to the drag source at once

    def drop_on_photos(self, event: QDropEvent) -> None:
        """On the Photos tab: web links are added; local files (TikTok can't take them) get the explanation."""
        mime = event.mimeData()
        urls = mime.urls() if mime.hasUrls() else []
        links = [u.toString() for u in urls if not u.isLocalFile() and u.scheme() in ("http", "https")]
        if not links and mime.hasText() and not urls:
            links = [t for t in mime.text().split() if "://" in t]
        if any(u.isLocalFile() for u in urls) or not links:
            event.ignore()
            self.photo_page.show_drop_message(LOCAL_FILES_TEXT, settings=True)
            self.statusBar().showMessage("Photos are posted from their https links, not from files.", 8000)
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.photo_page.show_drop_message("")
        QTimer.singleShot(0, functools.partial(self.photo_page.add_urls, links))

    # ---- posting ------------------------------------------------------------------------------------------------

    @Slot()
    def update_post_state(self) -> None:
        """Tell the form everything outside it that stops a post (video, account, creator, upload running)."""
        busy = self.flow.is_busy()
        photo_busy = self.photo_flow.is_busy()
        self.page.set_sending(busy)
        self.photo_page.set_sending(photo_busy)
        common = (["An upload is in progress."] if busy else []) + self.page.video_blockers()
        if photo_busy:
            common.insert(0, "A photo post is being sent: wait for it to finish.")
        direct, draft = list(common), list(common)
        account, accounts = self.accounts.account, self.accounts
        if account is None:
            direct.append("Sign in to TikTok first.")
            draft.append("Sign in to TikTok first.")
        elif accounts.needs_sign_in:
            direct.append(accounts.creator_error)
            draft.append(accounts.creator_error)
        else:
            if accounts.creator_error:
                direct.append(accounts.creator_error)
            elif accounts.creator_loading or accounts.creator is None:
                direct.append("Wait a moment: checking your TikTok account.")
            if not account.can_direct_post:
                direct.append(
                    "Your sign-in doesn't allow direct posting (video.publish). Send it to your inbox as a draft, "
                    "or sign in again and allow posting."
                )
            if not account.can_upload_draft:
                draft.append("Your sign-in doesn't allow drafts (video.upload). Sign in again and allow it.")
        self.page.form.set_context_blockers(direct, draft)
        account_direct, account_draft = direct[len(common) :], draft[len(common) :]
        photo_common = (["The photos are being sent."] if photo_busy else []) + (
            ["A video upload is in progress: wait for it to finish."] if busy else []
        )
        photo_common += self.photo_page.url_blockers()
        self.photo_page.form.set_context_blockers(photo_common + account_direct, photo_common + account_draft)
        self.queue.set_context(self.accounts.creator, account_direct, account_draft)

    @Slot()
    def post_action_triggered(self) -> None:
        """Ctrl+Return: the Post tab's Post now, exactly as clicking it (nothing when it is disabled)."""
        button = self.page.form.post_button
        if self.tabs.currentWidget() is self.page and button.isEnabled():
            button.click()
        photo_button = self.photo_page.form.post_button
        if self.tabs.currentWidget() is self.photo_page and photo_button.isEnabled():
            photo_button.click()

    @Slot()
    def on_form_post_requested(self) -> None:
        self.start_publish(draft=False)

    @Slot()
    def on_form_draft_requested(self) -> None:
        self.start_publish(draft=True)

    @Slot()
    def on_photo_post_requested(self) -> None:
        self.start_photo_post(draft=False)

    @Slot()
    def on_photo_draft_requested(self) -> None:
        self.start_photo_post(draft=True)

    def start_photo_post(self, draft: bool) -> None:
        if self.flow.is_busy():
            return
        account = self.accounts.account
        self.photo_flow.post(draft, account.account_id if account else None)
        self.update_post_state()

    @Slot()
    def on_photo_flow_idle(self) -> None:
        self.update_post_state()
        if self.tabs.currentWidget() is self.photo_page:
            self.accounts.refresh_creator()  # the form is shown again: fresh creator_info

    @Slot()
    def on_form_schedule_requested(self) -> None:
        """The Post tab's Schedule…: the video becomes a queue item with the form's settings and the chosen time."""
        path = self.page.path
        if path is None or self.flow.is_busy():
            return
        at = self.prompts.ask_when(self, path.name)
        if at is None:
            return
        settings = self.page.form.settings(cover_ms=self.page.preview.cover_ms())
        self.queue.add_item(path, settings, at)
        self.page.form.reset()
        self.clear_video()
        self.tabs.setCurrentWidget(self.queue_page)

    # ---- the queue's notices and the tray ------------------------------------------------------------------

    @Slot(str, str, bool)
    def on_queue_notify(self, title: str, text: str, failed: bool) -> None:
        self.tray.notify(title, text, failed)

    @Slot(int, str)
    def on_queue_pending_changed(self, _count: int, next_text: str) -> None:
        self.tray.set_next(next_text)

    @Slot(str)
    def open_queue_post(self, key: str) -> None:
        entry = self.queue.entry(key)
        if entry is not None and entry.post_url:
            QDesktopServices.openUrl(QUrl(entry.post_url))

    @Slot()
    def show_from_tray(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()

    @Slot()
    def quit_from_tray(self) -> None:
        self.quitting = True
        self.close()
        self.quit_requested.emit()

    def start_publish(self, draft: bool) -> None:
        account = self.accounts.account
        self.flow.post(draft, account.account_id if account else None, self.ctx.config.chunk_size or None)
        self.update_post_state()  # the form turns read-only at once

    @Slot()
    def on_flow_idle(self) -> None:
        self.update_post_state()
        pending, self._sign_out_when_idle = self._sign_out_when_idle, None
        account = self.accounts.account
        if pending is not None and account is not None and account.account_id == pending:
            self.accounts.sign_out(ask=False)  # the user already said yes, before the upload stopped
            return
        if self.page.path is not None:
            self.accounts.refresh_creator()  # the form is shown again: fresh creator_info

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
            new, ctx = dialog.values(), self.ctx
            self.runner.submit(
                lambda: services.save_app_settings(ctx, new), on_done=self._on_settings_saved, on_error=self._on_error
            )
        dialog.deleteLater()

    def _on_settings_saved(self, ctx: AppContext) -> None:
        self.ctx = self.accounts.ctx = ctx
        self.statusBar().showMessage("Settings saved.", 5000)
        self.photo_flow.recheck()  # the verified URL prefixes may have changed

    def _on_error(self, exc: BaseException) -> None:
        message, hint = services.describe_error(exc)
        self.statusBar().showMessage(f"{message} {hint}", 10_000)

    # ---- closing ----------------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        pending = self.queue.active_count()
        if pending and not self.quitting:
            next_text = self.queue.next_text()
            shown = f" ({next_text[0].lower()}{next_text[1:]})" if next_text else ""
            if self.tray.available():
                if self.keep_in_tray is None:
                    self.keep_in_tray = self.prompts.ask_keep_in_tray(self, pending, shown)
                if self.keep_in_tray and self.tray.show():
                    self.qsettings.setValue("window/geometry", self.saveGeometry())
                    self.hide()
                    self.tray.notify("Clipship keeps running", f"{next_text or 'Posting the queue'}. Quit from here.")
                    event.ignore()
                    return
            elif not self.prompts.ask_quit_with_pending(self, pending, shown):
                event.ignore()
                return
        photo_busy = self.photo_flow.is_busy()
        if (self.flow.is_busy() or photo_busy) and not self.prompts.ask_close_during_upload(
            self, self.flow.every_byte_sent()
        ):
            event.ignore()
            return
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.sync()
        self.history_controller.shutdown()
        self.accounts.shutdown()
        self.flow.shutdown()
        self.photo_flow.shutdown()
        self.queue.shutdown()
        self.tray.shutdown()
        self.runner.shutdown()
        self.page.shutdown()
        self.session.close()
        event.accept()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
