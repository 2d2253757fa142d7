"""The Post tab: drop zone or the chosen video (preview, facts, problems) beside the post form, and progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.models import CreatorInfo
from ui.a11y import name
from ui.drop_zone import DropZone
from ui.facts_panel import FactsPanel
from ui.fix_dialog import FixDialog, can_fix
from ui.post_form import PostForm
from ui.preview import PreviewPanel
from ui.progress_panel import ProgressPanel
from ui.services import Inspection
from ui.tasks import TaskRunner


def form_column(card: QWidget, form: PostForm) -> QWidget:
    """The form's card in a scroll area, and under it, always in view, the form's consent line and buttons."""
    column = QWidget()
    column.setObjectName("formColumn")
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(_scroll(card), 1)
    bar = QFrame()
    bar.setObjectName("actionCard")
    bar_layout = QVBoxLayout(bar)
    bar_layout.setContentsMargins(18, 6, 18, 12)
    bar_layout.addWidget(form.take_action_bar())
    layout.addWidget(bar)
    column.setFixedWidth(FORM_WIDTH)
    return column


FORM_WIDTH = 424


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields inside; the area follows the focus
    return area


class PostPage(QWidget):
    """Everything about one post. Holds no core calls itself: the window runs them and feeds the results in.

    Signals: open_requested(), clear_requested(), fixed(object Path: a TikTok-ready copy to load).
    """

    open_requested = Signal()
    clear_requested = Signal()
    fixed = Signal(object)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.inspection: Inspection | None = None
        self.checking = False
        self.check_error = ""

        self.drop_zone = DropZone()
        self.drop_zone.open_requested.connect(self.on_open_requested)

        self.preview = PreviewPanel(runner)
        self.preview.setMinimumWidth(170)  # and grows with the window: the picture takes the room there is
        self.facts = FactsPanel()
        self.other_button = QPushButton("Choose another video\u2026")
        self.other_button.clicked.connect(self.on_open_requested)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.on_clear_clicked)
        name(self.other_button, "Choose another video", "Open a different video file instead of this one.")
        name(self.remove_button, "Remove video", "Take this video off the form.")
        name(self.preview.slider, "Cover frame", "Choose the frame TikTok shows as the video's cover.")
        facts_col = QVBoxLayout()
        facts_col.setSpacing(8)
        facts_col.addWidget(self.facts)
        self.fix_button = QPushButton("Make it TikTok-ready\u2026")
        self.fix_button.setObjectName("fixButton")
        name(self.fix_button, "Make it TikTok-ready", "Write a copy TikTok accepts next to the original and load it.")
        self.fix_button.clicked.connect(self.on_fix_clicked)
        self.fix_button.hide()
        self.fix_dialog: FixDialog | None = None
        fix_row = QHBoxLayout()
        fix_row.addWidget(self.fix_button)
        fix_row.addStretch(1)
        facts_col.addLayout(fix_row)
        facts_col.addStretch(1)
        file_buttons = QHBoxLayout()
        file_buttons.addWidget(self.other_button)
        file_buttons.addWidget(self.remove_button)
        file_buttons.addStretch(1)
        facts_col.addLayout(file_buttons)
        media = QWidget()
        media_layout = QHBoxLayout(media)
        media_layout.setContentsMargins(0, 0, 0, 0)
        media_layout.setSpacing(18)
        media_layout.addWidget(self.preview, 3)
        media_layout.addLayout(facts_col, 2)

        self.left = QStackedWidget()
        self.left.addWidget(self.drop_zone)
        self.left.addWidget(media)

        self.form = PostForm()
        self.form.caption.setAcceptDrops(False)  # a dropped file goes to the window, not into the caption
        form_card = QFrame()
        form_card.setObjectName("formCard")
        card_layout = QVBoxLayout(form_card)
        card_layout.setContentsMargins(18, 16, 18, 14)
        card_layout.addWidget(self.form)
        self.form_column = form_column(form_card, self.form)
        self.form_scroll = self.form_column.findChild(QScrollArea)

        self.progress = ProgressPanel()
        self.progress.hide()

        top = QHBoxLayout()
        top.setSpacing(20)
        top.addWidget(self.left, 1)
        top.addWidget(self.form_column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(top, 1)
        layout.addWidget(self.progress)
        chain = [self.preview.slider, self.other_button, self.remove_button, self.form.caption]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    # ---- the video ----------------------------------------------------------------------------------------

    def show_checking(self, path: Path) -> None:
        self.path = path
        self.inspection = None
        self.checking = True
        self.check_error = ""
        self.left.setCurrentIndex(1)
        self.facts.show_checking(path.name)
        self.fix_button.hide()
        if self.fix_dialog is not None and not self.fix_dialog.is_running():
            self.fix_dialog.reject()  # it was for the previous video
        self.preview.clear()
        self.preview.frame.set_frame(None, "Checking\u2026")

    def show_inspection(self, inspection: Inspection, load_preview: bool = True) -> None:
        self.inspection = inspection
        self.checking = False
        self.check_error = ""
        facts = inspection.facts
        self.facts.show_result(inspection.path.name, facts, inspection.problems)
        self.fix_button.setVisible(can_fix(inspection))
        if load_preview:
            placeholder = _placeholder(inspection)
            if facts is not None and facts.has_video:
                self.preview.load(inspection.path, facts.duration_s, placeholder)
            else:
                self.preview.clear()
                self.preview.frame.set_frame(None, placeholder)

    def show_check_error(self, path: Path, message: str, hint: str) -> None:
        self.inspection = None
        self.checking = False
        self.check_error = message
        self.facts.show_error(path.name, message, hint)
        self.fix_button.hide()
        self.preview.clear()
        self.preview.frame.set_frame(None, "No preview")

    def clear_video(self) -> None:
        self.path = None
        self.inspection = None
        self.checking = False
        self.check_error = ""
        self.preview.clear()
        self.fix_button.hide()
        self.left.setCurrentIndex(0)

    def video_blockers(self) -> list[str]:
        """Why this video can't be posted now ('' list when it can)."""
        if self.path is None:
            return ["Choose a video first: drop it on the window or use Open."]
        if self.checking:
            return ["Wait a moment: the video is being checked."]
        if self.check_error:
            return [f"This file can't be posted: {self.check_error}"]
        if self.inspection is not None and self.inspection.blocking:
            first = self.inspection.blocking[0]
            return [f"Fix the video first: {first.message}"]
        return []

    def set_sending(self, sending: bool) -> None:
        """The post is being sent: form and cover read-only, the video stays (Remove waits for the upload)."""
        self.form.set_sending(sending)
        self.preview.slider.setEnabled(not sending and self.preview.slider.maximum() > 0)
        self.other_button.setEnabled(not sending)
        self.fix_button.setEnabled(not sending)
        self.remove_button.setEnabled(not sending)
        wait = "Wait for the upload to finish (or cancel it) to choose another video." if sending else ""
        self.other_button.setToolTip(wait)
        self.remove_button.setToolTip(wait)

    def set_creator(self, creator: CreatorInfo | None, status: str = "") -> None:
        self.form.set_creator(creator, status)

    def shutdown(self) -> None:
        """Stop the page's threads (the preview's decoder, a conversion) before the window goes."""
        if self.fix_dialog is not None:
            self.fix_dialog.shutdown()
        self.preview.shutdown()

    @Slot()
    def on_fix_clicked(self) -> None:
        """Open "Make it TikTok-ready" for this video; the copy it writes is loaded in its place."""
        if self.inspection is None or not can_fix(self.inspection):
            return
        if self.fix_dialog is not None:  # one at a time: the open one comes to the front
            self.fix_dialog.activateWindow()
            return
        self.preview.player.pause()
        dialog = FixDialog(self.inspection, self.preview.position_ms, self)  # not modal: the preview can be scrubbed
        dialog.fixed.connect(self.on_fix_dialog_fixed)
        dialog.finished.connect(self.on_fix_dialog_finished)
        self.fix_dialog = dialog
        dialog.show()

    @Slot(object)
    def on_fix_dialog_fixed(self, path: object) -> None:
        if isinstance(path, Path):
            self.fixed.emit(path)

    @Slot(int)
    def on_fix_dialog_finished(self, _result: int) -> None:
        if self.fix_dialog is not None:
            self.fix_dialog.deleteLater()
            self.fix_dialog = None

    @Slot()
    def on_open_requested(self) -> None:
        self.open_requested.emit()

    @Slot()
    def on_clear_clicked(self) -> None:
        self.clear_requested.emit()


def _placeholder(inspection: Inspection) -> str:
    facts = inspection.facts
    if facts is None:
        return "No preview"
    parts = [inspection.path.name]
    if facts.width and facts.height:
        parts.append(f"{facts.width} \u00d7 {facts.height}")
    if facts.duration_s is not None:
        parts.append(f"{facts.duration_s:.1f} s")
    return "\n".join(parts)
