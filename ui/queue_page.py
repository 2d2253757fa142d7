"""The Queue tab: the items in posting order (drag to reorder), their buttons, and the selected one's post form."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.a11y import name
from ui.account_bar import Banner
from ui.details_box import DetailsBox
from ui.post_form import PostForm
from ui.post_page import form_column
from ui.queue_state import Entry, describe
from ui.thumbnails import SIZE, Thumbnails

MIME = "application/x-clipship-queue-keys"
KeyRole = Qt.ItemDataRole.UserRole + 1
StateRole = Qt.ItemDataRole.UserRole + 2
AnyIndex = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractListModel):
    """The entries as list rows (name, then the state in words). Dragging rows asks for a new order.

    Signals: reorder_requested(list[str] keys in the order the user made).
    """

    reorder_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[Entry] = []
        self.now = 0.0
        self.thumbnails: Thumbnails | None = None

    def set_entries(self, entries: list[Entry], now: float) -> None:
        """New rows; the same keys in the same order only repaint (the selection stays)."""
        same = [e.key for e in entries] == [e.key for e in self.entries]
        self.now = now
        if same:
            self.entries = list(entries)
            if entries:
                self.dataChanged.emit(self.index(0), self.index(len(entries) - 1))
            return
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.entries):
            return None
        entry = self.entries[index.row()]
        headline, detail = describe(entry, self.now)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{entry.path.name}\n{headline}" + (f" \u2014 {detail}" if detail and len(detail) < 90 else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.path}\n{headline}" + (f"\n{detail}" if detail else "")
        if role == Qt.ItemDataRole.DecorationRole and self.thumbnails is not None:
            return self.thumbnails.icon(entry.path)
        if role == KeyRole:
            return entry.key
        if role == StateRole:
            return entry.state(self.now)
        return None

    @Slot(str)
    def on_thumbnails_ready(self, path: str) -> None:
        for row, entry in enumerate(self.entries):
            if str(entry.path) == path:
                self.dataChanged.emit(self.index(row), self.index(row), [Qt.ItemDataRole.DecorationRole])

    def key_at(self, row: int) -> str:
        return self.entries[row].key if 0 <= row < len(self.entries) else ""

    def row_of(self, key: str) -> int:
        return next((i for i, e in enumerate(self.entries) if e.key == key), -1)

    # ---- drag and drop: the rows' keys travel; the controller decides and reloads ---------------------------

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base | Qt.ItemFlag.ItemIsDropEnabled
        if self.entries[index.row()].movable(self.now):
            base |= Qt.ItemFlag.ItemIsDragEnabled
        return base

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        keys = [self.entries[i.row()].key for i in sorted(indexes, key=lambda i: i.row()) if i.isValid()]
        mime.setData(MIME, QByteArray("\n".join(keys).encode()))
        return mime

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex) -> bool:
        """Ask for the order with the dragged rows before `row` (the end when -1); never moves rows itself."""
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        moved = bytes(data.data(MIME).data()).decode().split("\n")
        if row < 0:
            row = parent.row() if parent.isValid() else len(self.entries)
        keys = [e.key for e in self.entries]
        before = [k for k in keys[:row] if k not in moved]
        after = [k for k in keys[row:] if k not in moved]
        order = before + [k for k in moved if k in keys] + after
        if order != keys:
            self.reorder_requested.emit(order)
        return False  # the controller writes the order and reloads: the view must not remove the dragged rows


class QueuePage(QWidget):
    """The list and the selected entry's form. Holds no core calls: the QueueController feeds it.

    Signals: selected(str key or ""), move_requested(str key, int -1 | +1), remove_requested(str key),
    retry_requested(str key), open_post_requested(str key), post_missed_requested().
    """

    selected = Signal(str)
    move_requested = Signal(str, int)
    remove_requested = Signal(str)
    retry_requested = Signal(str)
    open_post_requested = Signal(str)
    post_missed_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QueueModel(self)
        self.late_banner = Banner("", "info")
        self.late_banner.hide()
        self.post_missed_button = QPushButton("Post them now")
        self.post_missed_button.hide()
        late_layout = self.late_banner.layout()
        assert isinstance(late_layout, QHBoxLayout)
        late_layout.insertWidget(1, self.post_missed_button)

        title = QLabel("Posting queue")
        title.setObjectName("fieldHeading")
        self.summary = QLabel("Drop several videos on the window to queue them.")
        self.summary.setObjectName("note")
        self.summary.setWordWrap(True)
        self.list = QListView()
        self.list.setObjectName("queueList")
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setDragEnabled(True)
        self.list.setAcceptDrops(True)
        self.list.setDropIndicatorShown(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setDragDropOverwriteMode(False)
        self.list.setSpacing(3)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.remove_button = QPushButton("Remove")
        self.retry_button = QPushButton("Retry")
        self.view_button = QPushButton("View post")
        name(self.list, "Posting queue", "Videos waiting to be posted, in order. Select one to edit it.")
        name(self.up_button, "Move up", "Post the selected video earlier.")
        name(self.down_button, "Move down", "Post the selected video later.")
        name(self.remove_button, "Remove from queue", "Take the selected video out of the queue.")
        name(self.retry_button, "Retry", "Try the selected failed video again.")
        name(self.view_button, "View post", "Open the selected post on TikTok.")
        buttons = QHBoxLayout()
        for button in (self.up_button, self.down_button, self.remove_button, self.retry_button, self.view_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.ask_missed = QCheckBox("Ask before posting items that missed their time")
        self.ask_missed.setToolTip(
            "When Clipship starts after a scheduled time has passed (the computer was off), ask first instead of "
            "posting them at once."
        )
        left = QVBoxLayout()
        left.setSpacing(8)
        left.addWidget(title)
        left.addWidget(self.summary)
        left.addWidget(self.list, 1)
        left.addLayout(buttons)
        left.addWidget(self.ask_missed)

        self.item_title = QLabel("")
        self.item_title.setObjectName("fieldHeading")
        self.item_title.setWordWrap(True)
        self.item_state = QLabel("")
        self.item_state.setObjectName("note")
        self.item_state.setWordWrap(True)
        self.item_state.setTextFormat(Qt.TextFormat.RichText)
        self.item_state.setOpenExternalLinks(True)
        self.form = PostForm()
        self.form.caption.setAcceptDrops(False)
        card = QFrame()
        card.setObjectName("formCard")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(18, 16, 18, 14)
        card_layout.addWidget(self.item_title)
        card_layout.addWidget(self.item_state)
        self.item_details = DetailsBox()  # a failed item's codes and TikTok's words, out of the way
        card_layout.addWidget(self.item_details)
        card_layout.addWidget(self.form, 1)
        self.form_column = form_column(card, self.form)
        self.form_scroll = self.form_column.findChild(QScrollArea)

        row = QHBoxLayout()
        row.setSpacing(20)
        row.addLayout(left, 1)
        row.addWidget(self.form_column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(self.late_banner)
        layout.addLayout(row, 1)

        selection = self.list.selectionModel()
        selection.currentChanged.connect(self.on_current_changed)
        self.up_button.clicked.connect(self.on_up_clicked)
        self.down_button.clicked.connect(self.on_down_clicked)
        self.remove_button.clicked.connect(self.on_remove_clicked)
        self.retry_button.clicked.connect(self.on_retry_clicked)
        self.view_button.clicked.connect(self.on_view_clicked)
        self.post_missed_button.clicked.connect(self.post_missed_requested)
        self.model.modelReset.connect(self.on_model_reset)
        self._key = ""
        self.show_entry(None)

    # ---- selection ----------------------------------------------------------------------------------------

    def use_thumbnails(self, thumbnails: Thumbnails) -> None:
        """Show each video's first frame beside its name (decoded off the GUI thread, as it arrives)."""
        self.model.thumbnails = thumbnails
        self.list.setIconSize(QSize(SIZE, SIZE))
        thumbnails.ready.connect(self.model.on_thumbnails_ready)

    def current_key(self) -> str:
        return self._key

    def select(self, key: str) -> None:
        row = self.model.row_of(key)
        if row >= 0:
            self.list.setCurrentIndex(self.model.index(row))
        else:
            self.list.clearSelection()
            self._set_key("")

    @Slot(QModelIndex, QModelIndex)
    def on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._set_key(self.model.key_at(current.row()) if current.isValid() else "")

    @Slot()
    def on_model_reset(self) -> None:
        """The rows changed: keep the same entry selected when it is still there."""
        key = self._key
        row = self.model.row_of(key)
        if row >= 0:
            self.list.selectionModel().blockSignals(True)
            self.list.setCurrentIndex(self.model.index(row))
            self.list.selectionModel().blockSignals(False)
        elif key:
            self._set_key("")

    def _set_key(self, key: str) -> None:
        if key != self._key:
            self._key = key
            self.selected.emit(key)

    def show_entry(self, entry: Entry | None) -> None:
        """The form's header and the buttons for the selected entry (the form's fields are the controller's)."""
        now = self.model.now
        state = entry.state(now) if entry is not None else ""
        if entry is None:
            self.item_title.setText("Select an item")
            self.item_state.setText("Its settings appear here, with the same choices as a single post.")
        else:
            headline, detail = describe(entry, now)
            self.item_title.setText(entry.path.name)
            if state == "published" and entry.post_url:
                detail = f'<a href="{entry.post_url}">{entry.post_url}</a>'
            else:
                detail = _esc(detail)
            self.item_state.setText(f"<b>{_esc(headline)}</b>" + (f"<br>{detail}" if detail else ""))
        self.item_details.set_details(failure_details(entry) if entry is not None and state == "failed" else "")
        editable = entry is not None and entry.editable(now)
        self.form.setEnabled(editable)
        self.form.setVisible(entry is not None)
        self.form.action_bar.setEnabled(editable)
        self.form.action_bar.setVisible(entry is not None)
        movable = entry is not None and entry.movable(now)
        row = self.model.row_of(entry.key) if entry is not None else -1
        entries = self.model.entries

        def swappable(other: int) -> bool:  # queued items move among themselves, videos to set up likewise
            if entry is None or not 0 <= other < len(entries) or not entries[other].movable(now):
                return False
            return (entries[other].item is None) == (entry.item is None)

        self.up_button.setEnabled(movable and swappable(row - 1))
        self.down_button.setEnabled(movable and swappable(row + 1))
        self.remove_button.setEnabled(
            entry is not None and (entry.item is None or state in ("queued", "scheduled", "waiting"))
        )
        self.retry_button.setVisible(state == "failed")
        self.view_button.setVisible(state == "published" and bool(entry and entry.post_url))

    # ---- buttons ------------------------------------------------------------------------------------------

    @Slot()
    def on_up_clicked(self) -> None:
        if self._key:
            self.move_requested.emit(self._key, -1)

    @Slot()
    def on_down_clicked(self) -> None:
        if self._key:
            self.move_requested.emit(self._key, 1)

    @Slot()
    def on_remove_clicked(self) -> None:
        if self._key:
            self.remove_requested.emit(self._key)

    @Slot()
    def on_retry_clicked(self) -> None:
        if self._key:
            self.retry_requested.emit(self._key)

    @Slot()
    def on_view_clicked(self) -> None:
        if self._key:
            self.open_post_requested.emit(self._key)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def failure_details(entry: Entry) -> str:
    """What a failed queue item's Details shows: TikTok's reason code, the publish id, the full message."""
    item = entry.item
    if item is None:
        return ""
    lines = []
    if item.fail_reason:
        lines.append(f"fail_reason: {item.fail_reason}")
    if item.publish_id:
        lines.append(f"publish_id: {item.publish_id}")
    if item.error:
        lines.append(f"Message: {item.error}")
    return "\n".join(lines)
