"""The post in progress: stage, a byte progress bar with speed and ETA, Cancel, then the result and next step."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from core.attempt import AT_TIKTOK, PENDING_AT_TIKTOK, State
from core.errors import ClipshipError, Detached
from core.history import Attempt
from core.models import PublishResult
from core.progress import RateEstimator, human_bytes, human_duration
from core.session import describe
from ui.a11y import announce
from ui.actions import Action, next_step
from ui.details_box import DetailsBox
from ui.plain_errors import explain, plain_sentence
from ui.post_rules import AFTER_POST
from ui.qt_types import INT64

STAGE_TEXT = {
    "checking": "Checking the video and your account\u2026",
    "initializing": "Preparing the upload at TikTok\u2026",
    "uploading": "Uploading\u2026",
    "processing": "Processing at TikTok\u2026",
    "published": "Published",
    "sent_to_inbox": "Sent to your TikTok inbox",
    "uploaded": "Uploaded",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
# Once every byte is sent the outcome is TikTok's: Cancel can only stop watching.
WATCHING_STAGES = ("processing", "uploaded", "published", "sent_to_inbox")
CANCEL_TEXT, STOP_WATCHING_TEXT = "Cancel", "Stop watching"
DETACHED_TEXT = (
    "Every byte was sent, so TikTok will still process the video and may publish it. "
    "The History tab will show how it ends."
)

PULLED_TEXT = {
    "checking": "Checking the photos and your account\u2026",
    "initializing": "Sending the post to TikTok\u2026",
    "processing": "TikTok is downloading the photos\u2026",
}
PULLED_DETACHED_TEXT = (
    "TikTok has the post and may still publish it: the cancel was not confirmed. The History tab will show how it ends."
)

OUTCOME_UNKNOWN = "Outcome not known"  # an error after TikTok has (or may have) the post: it may still publish
BAR_SCALE = 1000  # QProgressBar takes int: show permille so 64-bit byte counts never reach it


class ProgressPanel(QFrame):
    """Shows one post from start to end.

    Shows the attempt it is given; PostFlow owns the current one.

    Signals: cancel_requested(), action_requested(object ui.actions.Action), dismissed().
    """

    cancel_requested = Signal()
    action_requested = Signal(object)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressPanel")
        self.rate = RateEstimator()
        self.sent = 0
        self.total = 0
        self.stage = ""
        self.watching = False  # every byte was sent: stopping now only stops watching
        self.action: Action | None = None  # the next step the action button offers
        self.post_url = ""
        self.pulled = False  # TikTok downloads the files (a photo post): Cancel cancels the download at TikTok
        self.stage_label = QLabel()
        self.stage_label.setObjectName("stageLabel")
        self.detail_label = QLabel()
        self.detail_label.setObjectName("note")
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_SCALE)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bytes_label = QLabel()
        self.bytes_label.setObjectName("bytesLabel")
        self.message_label = QLabel()
        self.message_label.setObjectName("resultMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.RichText)
        self.message_label.setOpenExternalLinks(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details = DetailsBox()
        self.cancel_button = QPushButton(CANCEL_TEXT)
        self.cancel_button.clicked.connect(self.on_cancel_clicked)
        self.view_button = QPushButton("View on TikTok")
        self.view_button.setObjectName("viewButton")
        self.view_button.clicked.connect(self.on_view_clicked)
        self.copy_button = QPushButton("Copy link")
        self.copy_button.clicked.connect(self.on_copy_clicked)
        self.action_button = QPushButton()
        self.action_button.setObjectName("actionButton")
        self.action_button.clicked.connect(self.on_action_clicked)
        self.done_button = QPushButton("Done")
        self.done_button.clicked.connect(self.on_done_clicked)

        top = QHBoxLayout()
        top.addWidget(self.stage_label)
        top.addWidget(self.detail_label, 1)
        top.addWidget(self.bytes_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.view_button)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.action_button)
        buttons.addWidget(self.done_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.message_label)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        self.reset()

    def reset(self) -> None:
        self.rate.reset()
        self.sent = self.total = 0
        self.stage = ""
        self.watching = False
        self.action = None
        self.post_url = ""
        self.view_button.hide()
        self.copy_button.hide()
        self.cancel_button.setText(CANCEL_TEXT)
        self.stage_label.setText("")
        self.detail_label.setText("")
        self.bytes_label.setText("")
        self.bar.setValue(0)
        self.bar.show()
        self.message_label.hide()
        self.details.set_details("")
        self.action_button.hide()
        self.done_button.hide()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self._set_state("running")

    def begin(self, name: str, draft: bool, pulled: bool = False) -> None:
        self.reset()
        self.pulled = pulled
        self.stage_label.setText("Sending to your inbox\u2026" if draft else "Posting\u2026")
        self.detail_label.setText(name)

    def set_watching(self) -> None:
        """Every byte reached TikTok: from here the button only stops watching (TikTok goes on regardless)."""
        if self.watching:
            return
        self.watching = True
        if self.cancel_button.isEnabled():
            self.cancel_button.setText(STOP_WATCHING_TEXT)
            self.cancel_button.setToolTip("TikTok has the whole video; stopping here does not stop the post.")

    def show_attempt(self, attempt: Attempt) -> None:
        """The running post's record changed: once it is at TikTok, Cancel can only stop watching."""
        # A URL post can still be cancelled at TikTok while it is being sent (UPLOADED with no answer yet) and
        # while TikTok downloads it: Cancel stays Cancel there.
        if attempt.state in AT_TIKTOK and not (self.pulled and attempt.state in (State.UPLOADED, State.DOWNLOADING)):
            self.set_watching()

    @Slot(str, str)
    def on_stage(self, stage: str, detail: str) -> None:
        changed, self.stage = stage != self.stage, stage
        if stage in WATCHING_STAGES and not (self.pulled and stage == "processing"):
            self.set_watching()
        self.stage_label.setText(STAGE_TEXT.get(stage, stage.replace("_", " ").capitalize()))
        if self.pulled and stage in PULLED_TEXT:
            self.stage_label.setText(PULLED_TEXT[stage])
        retrying = stage == "uploading" and detail.startswith("reconnecting")
        if retrying:  # "reconnecting… (attempt 2 of 6)": the connection dropped, the core is trying again
            self.stage_label.setText("Reconnecting\u2026")
            self.detail_label.setText(detail.split("(", 1)[-1].rstrip(")") if "(" in detail else "")
            announce(self, f"Reconnecting, {self.detail_label.text()}")
        elif stage == "uploading" and detail:
            self.detail_label.setText(detail)
        elif stage in ("published", "sent_to_inbox", "uploaded"):
            self.bar.setRange(0, BAR_SCALE)
            self.bar.setValue(BAR_SCALE)
            self.detail_label.setText(detail)
        elif stage == "processing":
            self.bar.setRange(0, 0)  # busy indicator: TikTok gives no percentage
            default = "TikTok downloads the photos from your website." if self.pulled else ""
            self.detail_label.setText(detail or default or "TikTok is checking and transcoding the video.")
        else:
            self.detail_label.setText(detail)
        if changed and not retrying:
            announce(self, f"{self.stage_label.text()} {self.detail_label.text() if stage != 'uploading' else ''}")

    @Slot(INT64, INT64)
    def on_progress(self, sent: int, total: int) -> None:
        self.sent, self.total = sent, total
        if total > 0 and sent >= total:
            self.set_watching()
        self.rate.add(sent)
        if self.bar.maximum() == 0:
            self.bar.setRange(0, BAR_SCALE)
        self.bar.setValue(int(sent * BAR_SCALE // total) if total > 0 else 0)
        text = f"{human_bytes(sent)} of {human_bytes(total)}"
        speed = self.rate.speed()
        if speed > 0 and sent < total:
            text += f" \u00b7 {human_bytes(speed)}/s"
            eta = self.rate.eta_s(sent, total)
            if eta is not None:
                text += f" \u00b7 {human_duration(eta)} left"
        self.bytes_label.setText(text)

    def show_success(self, result: PublishResult, draft: bool) -> None:
        status = result.status
        self._finish()
        self.bar.setRange(0, BAR_SCALE)
        self.bar.setValue(BAR_SCALE)
        what = "photos" if self.pulled else "video"
        if draft or status == "SEND_TO_USER_INBOX":
            self.stage_label.setText(STAGE_TEXT["sent_to_inbox"])
            msg = f"Open the notification in the TikTok app's inbox to finish and post the {what}."
        elif status == "PUBLISH_COMPLETE":
            self.stage_label.setText(STAGE_TEXT["published"])
            self.post_url = result.post_url
            msg = "The post is on TikTok." if self.post_url else AFTER_POST
            self.view_button.setVisible(bool(self.post_url))
            self.copy_button.setVisible(bool(self.post_url))
        else:
            self.stage_label.setText(STAGE_TEXT["uploaded"])
            msg = f"TikTok has the {what} and is still processing {'them' if self.pulled else 'it'}. " + AFTER_POST
        self.detail_label.setText("")
        self._show_message(msg)
        self._set_state("done")
        announce(self, f"{self.stage_label.text()}. {msg}")

    def show_failure(self, error: object, attempt: Attempt | None = None) -> None:
        """The post ended with an error. When the record says TikTok has (or may have) the post, the headline says
        the outcome is not known, never "Failed": TikTok may still publish it."""
        self._finish()
        self.bar.setRange(0, BAR_SCALE)
        pending = attempt is not None and attempt.state in PENDING_AT_TIKTOK
        headline = OUTCOME_UNKNOWN if pending else STAGE_TEXT["failed"]
        self.stage_label.setText(headline)
        said = explain(error if isinstance(error, BaseException) else None)
        self.detail_label.setText("")
        self._show_message(f"<b>{_esc(said.sentence)}</b>" + (f"<br>{_esc(said.step)}" if said.step else ""))
        self.details.set_details(said.details)
        self._offer(Action.HISTORY if pending else next_step(error))
        self._set_state("detached" if pending else "failed")
        announce(self, f"{headline}. {said.text()}")

    def show_stopped(self, error: object, attempt: Attempt | None = None) -> None:
        """The post stopped on the user's word: interrupted before the last byte, or stopped watching after it."""
        at_tiktok = attempt is not None and attempt.state in AT_TIKTOK
        if isinstance(error, Detached) or self.watching or at_tiktok:
            self.show_detached(attempt)
            return
        self._finish()
        self.bar.setRange(0, BAR_SCALE)
        self.detail_label.setText("")
        if attempt is not None and attempt.state == State.INTERRUPTED:
            headline, detail = describe(attempt)
            self.stage_label.setText(headline)
            resumable = attempt.resumable()
            more = " Press Resume to continue where it stopped." if resumable else ""
            self._show_message(_esc(detail) + more)
            self._offer(Action.RESUME if resumable else Action.RETRY)
        else:
            self.stage_label.setText(STAGE_TEXT["cancelled"])
            message = plain_sentence(error.message) if isinstance(error, ClipshipError) else ""
            self._show_message(_esc(message or "Cancelled before the upload began. Nothing was sent to TikTok."))
            self._offer(Action.RETRY)
        self._set_state("interrupted" if attempt is not None and attempt.state == State.INTERRUPTED else "cancelled")
        announce(self, f"{self.stage_label.text()}. {self.message_label.text()}")

    def show_detached(self, attempt: Attempt | None = None, said: str = "") -> None:
        """Stopped watching after the last byte: neutral words, the outcome is TikTok's."""
        self._finish()
        self.bar.setRange(0, BAR_SCALE)
        self.bar.setValue(BAR_SCALE)
        self.stage_label.setText("Stopped watching")
        headline = describe(attempt)[0] if attempt is not None else ""
        self.detail_label.setText(headline)
        text = said or (PULLED_DETACHED_TEXT if self.pulled else DETACHED_TEXT)
        self._show_message(_esc(text))
        self._offer(Action.HISTORY)
        self._set_state("detached")
        announce(self, f"Stopped watching. {text}")

    def show_not_posted(self, text: str) -> None:
        """The user chose not to post (e.g. not again): neutral, nothing to fix."""
        self.reset()
        self._finish()
        self.bar.hide()
        self.stage_label.setText("Not posted")
        self._show_message(_esc(text))
        self._set_state("neutral")

    def is_finished(self) -> bool:
        """True once the post ended (result, failure or cancel shown)."""
        return not self.done_button.isHidden()

    def is_running(self) -> bool:
        return self.cancel_button.isVisible() and self.cancel_button.isEnabled()

    def _finish(self) -> None:
        self.cancel_button.hide()
        self.done_button.show()
        self.bytes_label.setText(
            f"{human_bytes(self.sent)} of {human_bytes(self.total)}" if self.total else self.bytes_label.text()
        )

    def _offer(self, action: Action) -> None:
        self.action = action
        self.action_button.setText(action.label)
        self.action_button.show()

    def _show_message(self, html: str) -> None:
        self.message_label.setText(html)
        self.message_label.show()

    def _set_state(self, state: str) -> None:
        self.setProperty("state", state)
        for widget in (self, self.bar):  # the bar's colour follows the panel's state (red, green, blue)
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    @Slot()
    def on_cancel_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        if self.watching:
            self.detail_label.setText("Stopping\u2026 TikTok goes on processing the video.")
        elif self.pulled and self.stage == "processing":
            self.stage_label.setText("Cancelling\u2026")
            self.detail_label.setText("Asking TikTok to stop the download.")
        else:
            self.stage_label.setText("Cancelling\u2026")
        self.cancel_requested.emit()

    @Slot()
    def on_view_clicked(self) -> None:
        if self.post_url:
            QDesktopServices.openUrl(QUrl(self.post_url))

    @Slot()
    def on_copy_clicked(self) -> None:
        if self.post_url:
            QGuiApplication.clipboard().setText(self.post_url)

    @Slot()
    def on_action_clicked(self) -> None:
        if self.action is not None:
            self.action_requested.emit(self.action)

    @Slot()
    def on_done_clicked(self) -> None:
        self.dismissed.emit()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
