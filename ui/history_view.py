"""Past posts from the history database in describe()'s words, with Check status and Resume."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.attempt import PENDING_AT_TIKTOK, RESUMABLE, State
from core.history import Attempt
from ui.a11y import name
from ui.thumbnails import SIZE, Thumbnails


@dataclass(frozen=True)
class HistoryRow:
    """One past attempt as the list shows it: the record, and describe()'s words about it."""

    attempt: Attempt
    account: str
    headline: str
    detail: str = ""

    @property
    def attempt_id(self) -> int:
        return self.attempt.id

    @property
    def publish_id(self) -> str:
        return self.attempt.publish_id or ""

    @property
    def status(self) -> str:
        return self.attempt.status

    @property
    def file(self) -> str:
        """What was posted, as the user knows it: the file's name, or for a URL post the photos or the link."""
        attempt = self.attempt
        if attempt.kind == "photos" and attempt.urls:  # as the command line's history says it
            host = urlsplit(attempt.urls[0]).hostname or ""
            return f"{len(attempt.urls)} photo{'s' if len(attempt.urls) != 1 else ''} from {host}"
        if attempt.kind == "video_url":
            return "Video from " + (attempt.urls[0].rsplit("/", 1)[-1] if attempt.urls else "a link")
        return Path(attempt.file_path).name

    @property
    def source(self) -> str:
        """The whole file path, or every URL of a URL post (the tooltip)."""
        return (
            "\n".join(self.attempt.urls)
            if self.attempt.kind != "video" and self.attempt.urls
            else (self.attempt.file_path)
        )

    @property
    def created_at(self) -> float:
        return self.attempt.created_at

    @property
    def post_url(self) -> str:
        return self.attempt.post_url

    @property
    def checkable(self) -> bool:
        """TikTok may know more than the record: still deciding, interrupted, or published without a link yet."""
        state = self.attempt.state
        if self.attempt.publish_id is None:
            return False
        if state == State.PUBLISHED:
            return not self.attempt.post_ids
        return state in PENDING_AT_TIKTOK or state in RESUMABLE

    @property
    def resumable(self) -> bool:
        return self.attempt.state == State.INTERRUPTED and self.attempt.resumable()


def status_text(row: HistoryRow) -> str:
    state = row.attempt.state
    if state in (State.FAILED, State.INTERRUPTED, State.ABANDONED) and row.detail:
        return f"{row.headline}: {row.detail}"
    return row.headline


class HistoryView(QWidget):
    """A table of past posts.

    Signals: refresh_requested(), check_requested(int attempt id), resume_requested(int attempt id).
    """

    refresh_requested = Signal()
    check_requested = Signal(int)
    resume_requested = Signal(int)

    COLUMNS = ("File", "Account", "Time", "Status", "Post")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[HistoryRow] = []
        self.thumbnails: Thumbnails | None = None
        self.tree = QTreeWidget()
        self.tree.setObjectName("historyTree")
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.empty_label = QLabel("No posts yet. Posts you make with Clipship show up here.")
        self.empty_label.setObjectName("note")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label = QLabel()
        self.status_label.setObjectName("note")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.on_refresh_clicked)
        self.check_button = QPushButton("Check status")
        self.check_button.setToolTip("Ask TikTok again how this post is doing (and for its link).")
        self.check_button.setEnabled(False)
        self.check_button.clicked.connect(self.on_check_clicked)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue an interrupted upload where it stopped (same file and settings).")
        self.resume_button.setEnabled(False)
        self.resume_button.clicked.connect(self.on_resume_clicked)
        self.tree.itemSelectionChanged.connect(self.on_selection_changed)
        name(self.tree, "Post history", "Every post made with Clipship: file, account, time and status.")
        name(self.refresh_button, "Refresh history")
        name(self.check_button, "Check status", "Ask TikTok again how the selected post is doing.")
        name(self.resume_button, "Resume upload", "Continue the selected interrupted upload.")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        self.set_rows([])

    def set_rows(self, rows: list[HistoryRow]) -> None:
        self.rows = list(rows)
        self.tree.clear()
        for row in self.rows:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created_at)) if row.created_at else ""
            item = QTreeWidgetItem([row.file, row.account, when, status_text(row), ""])
            item.setData(0, Qt.ItemDataRole.UserRole, row.attempt_id)
            item.setToolTip(0, row.source + (f"\npublish_id: {row.publish_id}" if row.publish_id else ""))
            item.setToolTip(3, row.detail)
            local = row.attempt.kind == "video"  # a URL post has no local file to take a thumbnail from
            icon = self.thumbnails.icon(row.attempt.file_path) if self.thumbnails is not None and local else None
            if icon is not None:
                item.setIcon(0, icon)
            self.tree.addTopLevelItem(item)
            if row.post_url:
                link = QLabel(f'<a href="{row.post_url}">View on TikTok</a>')
                link.setOpenExternalLinks(True)
                self.tree.setItemWidget(item, 4, link)
        self.tree.setVisible(bool(self.rows))
        self.empty_label.setVisible(not self.rows)
        self.on_selection_changed()

    def use_thumbnails(self, thumbnails: Thumbnails) -> None:
        """Show each file's first frame beside its name (decoded off the GUI thread, as it arrives)."""
        self.thumbnails = thumbnails
        self.tree.setIconSize(QSize(SIZE, SIZE))
        thumbnails.ready.connect(self.on_thumbnails_ready)

    @Slot(str)
    def on_thumbnails_ready(self, path: str) -> None:
        if self.thumbnails is None:
            return
        for i, row in enumerate(self.rows):
            item = self.tree.topLevelItem(i)
            if item is not None and row.attempt.file_path == path:
                icon = self.thumbnails.icon(path)
                if icon is not None:
                    item.setIcon(0, icon)

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def selected(self) -> HistoryRow | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        attempt_id = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((r for r in self.rows if r.attempt_id == attempt_id), None)

    def select(self, attempt_id: int) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == attempt_id:
                self.tree.setCurrentItem(item)
                return

    @Slot()
    def on_selection_changed(self) -> None:
        row = self.selected()
        self.check_button.setEnabled(row is not None and row.checkable)
        self.resume_button.setEnabled(row is not None and row.resumable)

    @Slot()
    def on_refresh_clicked(self) -> None:
        self.refresh_requested.emit()

    @Slot()
    def on_check_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.check_requested.emit(row.attempt_id)

    @Slot()
    def on_resume_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.resume_requested.emit(row.attempt_id)
