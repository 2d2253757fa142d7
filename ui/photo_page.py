"""The Photos tab: the photo post's image URLs (ordered, checked, with thumbnails and a cover) beside its form.

TikTok pulls photos from the creator's own verified website (PULL_FROM_URL, tiktok-api.md §2, §3.3): the page
holds https links, never files. It makes no core call itself: ui.photo_flow checks each URL and fetches its
thumbnail off the GUI thread and feeds the results in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.models import PHOTO_MAX_COUNT
from ui.a11y import announce, name
from ui.photo_form import PhotoForm
from ui.post_page import form_column
from ui.progress_panel import ProgressPanel

LOCAL_FILES_TEXT = (
    "TikTok pulls photos from your own verified website: upload them there, then paste their https links here. "
    "Set your verified URL prefixes in Settings (as registered in TikTok's developer portal)."
)
THUMB = 64
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".webp", ".png", ".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff", ".avif")


@dataclass
class UrlState:
    """What the app knows about one URL: checking, its problems (which block the post), its warnings."""

    checking: bool = True
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_urls(text: str) -> list[str]:
    """The links in pasted text: one per line or separated by spaces/commas."""
    return [u for u in re.split(r"[\s,]+", text.strip()) if u]


def short_name(url: str) -> str:
    parts = urlsplit(url)
    return parts.path.rsplit("/", 1)[-1] or parts.netloc or url


class PhotoPage(QWidget):
    """The URL list and its buttons (left), the PhotoForm (right), the ProgressPanel (below).

    Signals: urls_added(list[str]: new URLs to check), urls_changed() (order, cover or set changed),
    samples_requested() (sandbox only), settings_requested().
    """

    urls_added = Signal(list)
    urls_changed = Signal()
    samples_requested = Signal()
    settings_requested = Signal()

    def __init__(self, sandbox: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoPage")
        self.states: dict[str, UrlState] = {}
        self.thumbs: dict[str, QPixmap] = {}
        self.cover_url = ""
        self.sending = False
        self._blank = QPixmap(THUMB, THUMB)  # a row without a thumbnail keeps its text in line with the others
        self._blank.fill(Qt.GlobalColor.transparent)

        heading = QLabel("Photos")
        heading.setObjectName("fieldHeading")
        intro = QLabel(
            f"Up to {PHOTO_MAX_COUNT} JPEG or WebP images (at most 1080p and 20 MB each), as https links on your "
            "verified website. TikTok downloads them when you post."
        )
        intro.setObjectName("note")
        intro.setWordWrap(True)
        self.paste = QPlainTextEdit()
        self.paste.setObjectName("photoUrls")
        self.paste.setPlaceholderText("Paste image links, one per line: https://media.example.com/photos/1.jpg")
        self.paste.setTabChangesFocus(True)
        self.paste.setAcceptDrops(False)  # a drop goes to the window, which explains local files
        self.paste.setFixedHeight(58)
        self.add_button = QPushButton("Add URLs")
        self.samples_button = QPushButton("Add the sandbox's sample photos")
        self.samples_button.setVisible(sandbox)
        self.drop_note = QLabel()
        self.drop_note.setObjectName("warningNote")
        self.drop_note.setWordWrap(True)
        self.drop_note.hide()
        self.settings_button = QPushButton("Open Settings\u2026")
        self.settings_button.hide()

        self.list = QListWidget()
        self.list.setObjectName("photoList")
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setMinimumHeight(120)
        self.empty_note = QLabel("No photos yet: paste their https links above.")
        self.empty_note.setObjectName("note")
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.cover_button = QPushButton("Use as cover")
        self.remove_button = QPushButton("Remove")
        self.cover_label = QLabel()
        self.cover_label.setObjectName("note")
        self.cover_label.setWordWrap(True)

        name(self.paste, "Image links", "Paste the https links of your photos, one per line, then press Add URLs.")
        name(self.add_button, "Add URLs", "Add the pasted links to the photo post.")
        name(self.samples_button, "Add the sandbox's sample photos", "Add the demo images of the sandbox's website.")
        name(self.list, "Photos of this post", "In posting order; drag a photo, or use Move up and Move down.")
        name(self.up_button, "Move photo up", "Move the selected photo one place earlier.")
        name(self.down_button, "Move photo down", "Move the selected photo one place later.")
        name(self.cover_button, "Use as cover", "Make the selected photo the post's cover.")
        name(self.remove_button, "Remove photo", "Take the selected photo off the post.")
        name(self.settings_button, "Open Settings", "Set your verified URL prefixes.")

        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(heading)
        left.addWidget(intro)
        left.addWidget(self.paste)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.samples_button)
        add_row.addStretch(1)
        left.addLayout(add_row)
        note_row = QHBoxLayout()
        note_row.addWidget(self.drop_note, 1)
        note_row.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignTop)
        left.addLayout(note_row)
        left.addWidget(self.list, 1)
        left.addWidget(self.empty_note, 1)  # in the list's place (and room) while there is none
        buttons = QHBoxLayout()
        for button in (self.up_button, self.down_button, self.cover_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        left.addLayout(buttons)
        left.addWidget(self.cover_label)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left.setContentsMargins(0, 0, 0, 0)

        self.form = PhotoForm()
        self.form.caption.setAcceptDrops(False)
        self.form.title.setAcceptDrops(False)
        card = QFrame()
        card.setObjectName("formCard")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(18, 16, 18, 14)
        card_layout.addWidget(self.form)
        self.form_column = form_column(card, self.form)

        self.progress = ProgressPanel()
        self.progress.hide()
        top = QHBoxLayout()
        top.setSpacing(20)
        top.addWidget(left_widget, 1)
        top.addWidget(self.form_column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(top, 1)
        layout.addWidget(self.progress)

        self.add_button.clicked.connect(self.on_add_clicked)
        self.samples_button.clicked.connect(self.samples_requested)
        self.settings_button.clicked.connect(self.settings_requested)
        self.up_button.clicked.connect(self.on_up_clicked)
        self.down_button.clicked.connect(self.on_down_clicked)
        self.cover_button.clicked.connect(self.on_cover_clicked)
        self.remove_button.clicked.connect(self.on_remove_clicked)
        self.list.currentRowChanged.connect(self.on_list_current_row_changed)
        model = self.list.model()
        model.rowsMoved.connect(self.on_rows_moved)
        self.refresh()

    # ---- the URLs -------------------------------------------------------------------------------------------

    def urls(self) -> list[str]:
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())]

    def add_urls(self, urls: list[str]) -> list[str]:
        """Add links not yet listed (up to 35 in all); the new ones are returned (and emitted to be checked)."""
        have = set(self.urls())
        added: list[str] = []
        for url in urls:
            if url in have or self.list.count() >= PHOTO_MAX_COUNT:
                continue
            have.add(url)
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, url)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            self.list.addItem(item)
            self.states[url] = UrlState()
            added.append(url)
        skipped = len([u for u in urls if u not in have])
        if not self.cover_url and self.list.count():
            self.cover_url = self.urls()[0]
        self.show_drop_message(f"A photo post takes at most {PHOTO_MAX_COUNT} photos." if skipped else "")
        self.refresh()
        if added:
            self.urls_added.emit(added)
            self.urls_changed.emit()
        return added

    def set_checked(self, url: str, problems: list[str], warnings: list[str]) -> None:
        if url not in self.states:
            return  # removed meanwhile
        self.states[url] = UrlState(False, list(problems), list(warnings))
        self.refresh()
        self.urls_changed.emit()
        if problems:
            announce(self.list, f"{short_name(url)}: {problems[0]}")

    def mark_checking(self, urls: list[str]) -> None:
        for url in urls:
            if url in self.states:
                self.states[url] = UrlState()
        self.refresh()
        self.urls_changed.emit()

    def set_thumbnail(self, url: str, image: QImage | None) -> None:
        if url in self.states and image is not None and not image.isNull():
            self.thumbs[url] = QPixmap.fromImage(image)
            self.refresh()

    def clear(self) -> None:
        self.list.clear()
        self.states.clear()
        self.thumbs.clear()
        self.cover_url = ""
        self.refresh()
        self.urls_changed.emit()

    def cover_index(self) -> int:
        urls = self.urls()
        return urls.index(self.cover_url) if self.cover_url in urls else 0

    def url_blockers(self) -> list[str]:
        """Why these URLs can't be posted yet ([] when every one passed the local checks)."""
        urls = self.urls()
        if not urls:
            return ["Add the https links of your photos first."]
        if any(self.states[u].checking for u in urls):
            return ["Wait a moment: the photos are being checked."]
        for url in urls:
            if self.states[url].problems:
                return [f"Fix photo {urls.index(url) + 1} first: {self.states[url].problems[0]}"]
        return []

    def show_drop_message(self, text: str, settings: bool = False) -> None:
        self.drop_note.setText(text)
        self.drop_note.setVisible(bool(text))
        self.settings_button.setVisible(bool(text) and settings)
        if text:
            announce(self.drop_note, text)

    def set_sending(self, sending: bool) -> None:
        """While the post is being sent its photos and settings stay as they are."""
        self.sending = sending
        self.form.set_sending(sending)
        for widget in (self.paste, self.add_button, self.samples_button, self.list):
            widget.setEnabled(not sending)
        self.refresh()

    # ---- how the list looks --------------------------------------------------------------------------------

    def refresh(self) -> None:
        urls = self.urls()
        if self.cover_url not in urls:
            self.cover_url = urls[0] if urls else ""
        for i, url in enumerate(urls):
            item = self.list.item(i)
            state = self.states.get(url, UrlState())
            cover = " \u2014 cover" if url == self.cover_url else ""
            if state.checking:
                status = "Checking\u2026"
            elif state.problems:
                status = "\u2716 " + state.problems[0]
            elif state.warnings:
                status = "\u26a0 " + state.warnings[0]
            else:
                status = "\u2714 Ready"
            item.setText(f"{i + 1}. {short_name(url)}{cover}\n{url}\n{status}")
            item.setToolTip("\n".join([url, *state.problems, *state.warnings]))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"Photo {i + 1}{cover}: {short_name(url)}. {status}")
            thumb = self.thumbs.get(url)
            item.setIcon(QIcon(thumb if thumb is not None else self._blank))
        row = self.list.currentRow()
        editable = not self.sending
        self.up_button.setEnabled(editable and row > 0)
        self.down_button.setEnabled(editable and 0 <= row < len(urls) - 1)
        self.remove_button.setEnabled(editable and row >= 0)
        self.cover_button.setEnabled(editable and row >= 0 and urls[row] != self.cover_url)
        self.empty_note.setVisible(not urls)
        self.list.setVisible(bool(urls))
        if urls:
            self.cover_label.setText(
                f"{len(urls)} photo{'s' if len(urls) != 1 else ''}. Cover: photo {self.cover_index() + 1} "
                f"({short_name(self.cover_url)}). Drag to reorder."
            )
        else:
            self.cover_label.setText("")

    # ---- reactions ------------------------------------------------------------------------------------------

    @Slot()
    def on_add_clicked(self) -> None:
        urls = parse_urls(self.paste.toPlainText())
        if urls:
            self.add_urls(urls)
            self.paste.clear()

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self.refresh()
        self.urls_changed.emit()

    @Slot()
    def on_up_clicked(self) -> None:
        self._move(-1)

    @Slot()
    def on_down_clicked(self) -> None:
        self._move(1)

    @Slot()
    def on_cover_clicked(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.cover_url = self.urls()[row]
            self.refresh()
            self.urls_changed.emit()
            announce(self.cover_label, self.cover_label.text())

    @Slot()
    def on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        item = self.list.takeItem(row)
        url = str(item.data(Qt.ItemDataRole.UserRole))
        self.states.pop(url, None)
        self.thumbs.pop(url, None)
        self.refresh()
        self.urls_changed.emit()

    @Slot(int)
    def on_list_current_row_changed(self, _row: int) -> None:
        self.refresh()

    @Slot()
    def on_rows_moved(self) -> None:
        self.refresh()
        self.urls_changed.emit()
