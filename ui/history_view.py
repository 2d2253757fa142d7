"""Past posts from the history database, with status polling resumed for unfinished ones."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, Slot
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

TERMINAL = {"PUBLISH_COMPLETE", "SEND_TO_USER_INBOX", "FAILED", "CANCELLED", "ERROR"}
STATUS_TEXT = {
    "PUBLISH_COMPLETE": "Published",
    "SEND_TO_USER_INBOX": "In your TikTok inbox",
    "PROCESSING_UPLOAD": "Processing at TikTok",
    "PROCESSING_DOWNLOAD": "Processing at TikTok",
    "FAILED": "Failed",
    "CANCELLED": "Cancelled",
    "UPLOADING": "Uploading",
    "UPLOADED": "Uploaded, processing at TikTok",
    "INTERRUPTED": "Upload interrupted",
    "ERROR": "Failed",
}


@dataclass(frozen=True)
class HistoryRow:
    """One past attempt as the list shows it."""

    publish_id: str
    file: str
    account: str
    created_at: float
    status: str
    fail_reason: str = ""
    post_id: str = ""
    post_url: str = ""
    draft: bool = False

    @property
    def unfinished(self) -> bool:
        return self.status not in TERMINAL


def status_text(row: HistoryRow) -> str:
    text = STATUS_TEXT.get(row.status, row.status.replace("_", " ").capitalize() or "Unknown")
    if row.draft and row.status == "PUBLISH_COMPLETE":
        text = "Posted from the inbox"
    return f"{text}: {row.fail_reason}" if row.fail_reason and row.status in ("FAILED", "ERROR") else text


class HistoryView(QWidget):
    """A table of past posts.

    Signals: refresh_requested(), resume_requested(str publish_id).
    """

    refresh_requested = Signal()
    resume_requested = Signal(str)

    COLUMNS = ("File", "Account", "Time", "Status", "Post")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[HistoryRow] = []
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
        self.resume_button = QPushButton("Check status")
        self.resume_button.setToolTip("Ask TikTok again how an unfinished post is doing.")
        self.resume_button.setEnabled(False)
        self.resume_button.clicked.connect(self.on_resume_clicked)
        self.tree.itemSelectionChanged.connect(self.on_selection_changed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.resume_button)
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
            item = QTreeWidgetItem([row.file, row.account, when, status_text(row), "" if row.post_url else row.post_id])
            item.setData(0, Qt.ItemDataRole.UserRole, row.publish_id)
            item.setToolTip(0, f"publish_id: {row.publish_id}")
            self.tree.addTopLevelItem(item)
            if row.post_url:
                link = QLabel(f'<a href="{row.post_url}">View on TikTok</a>')
                link.setOpenExternalLinks(True)
                self.tree.setItemWidget(item, 4, link)
        self.tree.setVisible(bool(self.rows))
        self.empty_label.setVisible(not self.rows)
        self.on_selection_changed()

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def selected(self) -> HistoryRow | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        publish_id = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((r for r in self.rows if r.publish_id == publish_id), None)

    @Slot()
    def on_selection_changed(self) -> None:
        row = self.selected()
        self.resume_button.setEnabled(row is not None and row.unfinished)

    @Slot()
    def on_refresh_clicked(self) -> None:
        self.refresh_requested.emit()

    @Slot()
    def on_resume_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.resume_requested.emit(row.publish_id)
