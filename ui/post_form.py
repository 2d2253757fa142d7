"""The Post to TikTok form, built exactly to TikTok's Direct Post UX rules (tiktok-api.md §9)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.models import PRIVACY_LABELS, TITLE_MAX_UTF16, CreatorInfo, PostSettings
from ui import post_rules as rules
from ui.a11y import name
from ui.toggle_switch import ToggleSwitch

DRAFT_TEXT = "Drafts carry no caption: you finish the post, caption included, in the TikTok app."
SENDING_TEXT = "Sending this post: its settings can't be changed until the upload ends."


def _note(text: str = "", object_name: str = "note") -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    return label


def secondary_text(palette: QPalette) -> str:
    """A quieter text colour that keeps >= 4.5:1 contrast: 70 % of the text colour over the base."""
    active = QPalette.ColorGroup.Active  # not the disabled group of a form that is read-only right now
    text, base = palette.color(active, QPalette.ColorRole.Text), palette.color(active, QPalette.ColorRole.Base)
    pairs = ((text.red(), base.red()), (text.green(), base.green()), (text.blue(), base.blue()))
    return "#" + "".join(f"{round(0.7 * a + 0.3 * b):02x}" for a, b in pairs)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldHeading")
    label.setIndent(0)  # a QSS margin gives a label an indent of half an "x": headings line up with their fields
    return label


class PostForm(QWidget):
    """Caption, privacy, interactions, commercial disclosure, AI label, consent line, Post / draft buttons.

    Signals: post_requested() (direct post now), schedule_requested() (direct post at a chosen time),
    draft_requested() (send to the TikTok inbox), changed().
    """

    post_requested = Signal()
    schedule_requested = Signal()
    draft_requested = Signal()
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.creator: CreatorInfo | None = None
        self._direct_context: list[str] = []
        self._draft_context: list[str] = []
        self.setObjectName("postForm")

        self.creator_label = QLabel()
        self.creator_label.setObjectName("creatorLine")
        self.creator_label.setWordWrap(True)
        self.creator_status = _note("", "creatorStatus")
        self.creator_status.hide()

        self.caption = QPlainTextEdit()
        self.caption.setObjectName("caption")
        self.caption.setPlaceholderText("Describe your video. Add #hashtags and @mentions.")
        self.caption.setTabChangesFocus(True)
        self.caption.setMinimumHeight(84)
        self.caption.setMaximumHeight(130)
        self.counter = QLabel(f"0/{TITLE_MAX_UTF16}")
        self.counter.setObjectName("counter")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)

        self.privacy = QComboBox()
        self.privacy.setObjectName("privacy")
        self.privacy.setPlaceholderText(rules.PRIVACY_PLACEHOLDER)
        self.privacy.setModel(QStandardItemModel(self.privacy))
        self.privacy.setCurrentIndex(-1)
        self.privacy.setMinimumWidth(240)
        self.privacy_note = _note()
        self.privacy_note.hide()

        self.allow_comment = QCheckBox("Allow Comment")
        self.allow_duet = QCheckBox("Duet")
        self.allow_stitch = QCheckBox("Stitch")
        for box in self._interaction_boxes():
            box.setChecked(False)

        self.disclose = ToggleSwitch("Disclose video content")
        self.disclose.setObjectName("disclose")
        self.disclose.setChecked(False)
        disclose_help = _note(
            "Turn on to disclose that this video promotes goods or services in exchange for something of value. "
            "Your video could promote yourself, a third party, or both."
        )
        self.your_brand = QCheckBox("Your brand")
        your_brand_help = _note(
            "You are promoting yourself or your own business. This video will be classified as Brand Organic."
        )
        self.branded = QCheckBox("Branded content")
        branded_help = _note(
            "You are promoting another brand or a third party. This video will be classified as Branded Content."
        )
        self.branded_note = _note("", "warningNote")
        self.branded_note.hide()
        self.label_note = _note("", "labelNote")
        self.label_note.hide()
        self.disclosure_box = QFrame()
        self.disclosure_box.setObjectName("disclosureBox")
        box_layout = QVBoxLayout(self.disclosure_box)
        box_layout.setContentsMargins(12, 8, 12, 10)
        box_layout.setSpacing(2)
        for w in (self.your_brand, your_brand_help, self.branded, branded_help, self.branded_note, self.label_note):
            box_layout.addWidget(w)
        box_layout.insertSpacing(2, 6)
        self.disclosure_box.hide()

        self.aigc = QCheckBox("AI-generated content")
        aigc_help = _note("Label this video as AI-generated. TikTok shows \u201cCreator labeled as AI-generated\u201d.")

        self.consent = QLabel()
        self.consent.setObjectName("consent")
        self.consent.setWordWrap(True)
        self.consent.setTextFormat(Qt.TextFormat.RichText)
        self.consent.setOpenExternalLinks(True)
        self.consent.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        self.post_button = QPushButton("Post now")
        self.post_button.setObjectName("postButton")
        self.post_button.setDefault(True)
        self.post_button.setMinimumWidth(110)
        self.schedule_button = QPushButton("Schedule\u2026")
        self.schedule_button.setObjectName("scheduleButton")
        self.schedule_button.setToolTip("Choose a date and time: Clipship posts it then, with these settings.")
        self.draft_button = QPushButton("Send to inbox as draft")
        self.draft_button.setObjectName("draftButton")
        self.draft_button.setToolTip(
            "Upload without posting: TikTok sends it to your inbox and you finish the post in the TikTok app."
        )
        self.why_label = _note("", "whyNote")
        self.draft_note = _note(DRAFT_TEXT)
        self.sending_note = _note(SENDING_TEXT, "labelNote")
        self.sending_note.hide()
        self.sending = False
        self.only_private = ""  # why only "Only me" is offered ('' when every option of creator_info is)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        outer.addWidget(self.creator_label)
        outer.addWidget(self.creator_status)
        outer.addWidget(self.sending_note)
        outer.addSpacing(6)
        self.fields = QWidget()  # every setting of the post: read-only as a whole while it is being sent
        self.fields.setObjectName("postFields")
        layout = QVBoxLayout(self.fields)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        outer.addWidget(self.fields)
        caption_heading = _heading("Caption")
        caption_heading.setBuddy(self.caption)
        layout.addWidget(caption_heading)
        layout.addWidget(self.caption)
        layout.addWidget(self.counter)
        privacy_heading = _heading("Who can see this video")
        privacy_heading.setBuddy(self.privacy)
        layout.addWidget(privacy_heading)
        layout.addWidget(self.privacy)
        layout.addWidget(self.privacy_note)
        layout.addSpacing(6)
        interactions_heading = _heading("Allow users to")
        interactions_heading.setBuddy(self.allow_comment)
        layout.addWidget(interactions_heading)
        row = QHBoxLayout()
        row.setSpacing(18)
        for box in self._interaction_boxes():
            row.addWidget(box)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(8)
        layout.addWidget(self.disclose)
        layout.addWidget(disclose_help)
        layout.addWidget(self.disclosure_box)
        layout.addSpacing(6)
        layout.addWidget(self.aigc)
        layout.addWidget(aigc_help)
        outer.addStretch(1)
        # The consent line, the buttons and why they are disabled: one bar that a page can take out of the
        # form's scroll area (take_action_bar), so that Post is always in view whatever the window's height.
        self.action_bar = QWidget()
        self.action_bar.setObjectName("actionBar")
        layout = QVBoxLayout(self.action_bar)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.consent)
        buttons = QHBoxLayout()
        buttons.addWidget(self.draft_button)
        buttons.addStretch(1)
        buttons.addWidget(self.schedule_button)
        buttons.addWidget(self.post_button)
        layout.addLayout(buttons)
        layout.addWidget(self.draft_note)
        layout.addWidget(self.why_label)
        outer.addWidget(self.action_bar)

        self._name_controls()
        for a, b in zip(self._tab_chain(), self._tab_chain()[1:], strict=False):
            QWidget.setTabOrder(a, b)

        self.caption.textChanged.connect(self.on_caption_changed)
        self.privacy.currentIndexChanged.connect(self.on_privacy_changed)
        self.disclose.toggled.connect(self.on_disclosure_changed)
        self.your_brand.toggled.connect(self.on_disclosure_changed)
        self.branded.toggled.connect(self.on_disclosure_changed)
        self.post_button.clicked.connect(self.on_post_clicked)
        self.draft_button.clicked.connect(self.on_draft_clicked)
        self.schedule_button.clicked.connect(self.on_schedule_clicked)
        self.set_creator(None)
        self.refresh()

    def take_action_bar(self) -> QWidget:
        """The consent line and the buttons, out of this form's layout: the caller places it (outside any scroll)."""
        layout = self.layout()
        if layout is not None:
            layout.removeWidget(self.action_bar)
        return self.action_bar

    def _name_controls(self) -> None:
        """Accessible names and descriptions for every control (what a screen reader says)."""
        name(self.caption, "Caption", f"The video's caption, up to {TITLE_MAX_UTF16} characters. Drafts keep none.")
        name(self.privacy, "Who can see this video", "Required: choose who can watch this post.")
        name(self.allow_comment, "Allow comments", "Let viewers comment on this video.")
        name(self.allow_duet, "Allow Duet", "Let others make a Duet with this video.")
        name(self.allow_stitch, "Allow Stitch", "Let others Stitch this video.")
        name(self.disclose, "Disclose video content", "Turn on when this video promotes goods or services.")
        name(self.your_brand, "Your brand", "You are promoting yourself or your own business.")
        name(self.branded, "Branded content", "You are promoting another brand or a third party.")
        name(self.aigc, "AI-generated content", "Label this video as AI-generated.")
        name(self.consent, "Consent", "By posting you agree to TikTok's terms shown here.")
        name(self.post_button, "Post now", "Post this video to TikTok now (Ctrl+Return).")
        name(self.schedule_button, "Schedule", "Choose a date and time to post this video.")
        name(
            self.draft_button,
            "Send to inbox as draft",
            "Upload without posting: you finish the post, caption included, in the TikTok app.",
        )

    def _tab_chain(self) -> list[QWidget]:
        """The controls in the order they appear: top to bottom, left to right."""
        return [
            self.caption,
            self.privacy,
            *self._interaction_boxes(),
            self.disclose,
            self.your_brand,
            self.branded,
            self.aigc,
            self.consent,
            self.draft_button,
            self.schedule_button,
            self.post_button,
        ]

    def _offered(self, box: QCheckBox) -> bool:
        """The box is a choice the rules allow (its own state, whether or not the form is read-only now)."""
        return box.isEnabledTo(self.fields)

    def set_sending(self, sending: bool) -> None:
        """While the post is being sent its settings can't change: every field read-only, and the form says so."""
        self.sending = sending
        self.fields.setEnabled(not sending)
        self.sending_note.setVisible(sending)

    def _interaction_boxes(self) -> tuple[QCheckBox, QCheckBox, QCheckBox]:
        return self.allow_comment, self.allow_duet, self.allow_stitch

    # ---- creator info -------------------------------------------------------------------------------------

    def set_creator(self, creator: CreatorInfo | None, status: str = "") -> None:
        """Rebuild the choices from fresh creator_info; the privacy choice is kept only if still offered."""
        previous = (
            self.privacy_level() if (creator and self.creator and creator.username == self.creator.username) else None
        )
        self.creator = creator
        model = self.privacy.model()
        assert isinstance(model, QStandardItemModel)
        self.privacy.blockSignals(True)
        model.clear()
        for level in creator.privacy_level_options if creator else ():
            if self.only_private and level != "SELF_ONLY":
                continue  # an unaudited app: TikTok refuses anything but "Only me" (tiktok-api.md §7.1, §9)
            item = QStandardItem(PRIVACY_LABELS.get(level, level.replace("_", " ").title()))
            item.setData(level, Qt.ItemDataRole.UserRole)
            model.appendRow(item)
        index = self.privacy.findData(previous) if previous else -1
        self.privacy.setCurrentIndex(index)
        self.privacy.blockSignals(False)
        if creator is None:
            self.creator_label.setText("Post to TikTok")
        else:
            self.creator_label.setText(
                f"Post to TikTok as <b>{_esc(creator.nickname)}</b> "
                f"<span style='color: {secondary_text(self.palette())}'>@{_esc(creator.username)}</span>"
            )
        disabled = {
            self.allow_comment: creator.comment_disabled if creator else False,
            self.allow_duet: creator.duet_disabled if creator else False,
            self.allow_stitch: creator.stitch_disabled if creator else False,
        }
        for box, off in disabled.items():
            if off:
                box.setChecked(False)
            box.setEnabled(creator is not None and not off)
            box.setToolTip("Turned off in this account's TikTok privacy settings." if off else "")
        self.set_creator_status(status)
        self.refresh()

    def set_only_private(self, reason: str) -> None:
        """TikTok said this app is not audited: offer only "Only me" (still chosen by the user), and say why."""
        if reason != self.only_private:
            self.only_private = reason
            self.set_creator(self.creator, self.creator_status.text())

    def set_creator_status(self, text: str, error: bool = False) -> None:
        self.creator_status.setText(text)
        self.creator_status.setProperty("error", error)
        self.creator_status.style().unpolish(self.creator_status)
        self.creator_status.style().polish(self.creator_status)
        self.creator_status.setVisible(bool(text))

    def set_context_blockers(self, direct: list[str], draft: list[str]) -> None:
        """Reasons from outside the form (video not ready, not signed in, can't post now, uploading)."""
        self._direct_context = list(direct)
        self._draft_context = list(draft)
        self.refresh()

    # ---- reading the form ---------------------------------------------------------------------------------

    def privacy_level(self) -> str | None:
        value = self.privacy.currentData(Qt.ItemDataRole.UserRole)
        return str(value) if self.privacy.currentIndex() >= 0 and value else None

    def settings(self, *, draft: bool = False, cover_ms: int | None = None) -> PostSettings:
        toggle = self.disclose.isChecked()
        return PostSettings(
            privacy_level=None if draft else self.privacy_level(),
            title=self.caption.toPlainText(),
            disable_comment=not (self._offered(self.allow_comment) and self.allow_comment.isChecked()),
            disable_duet=not (self._offered(self.allow_duet) and self.allow_duet.isChecked()),
            disable_stitch=not (self._offered(self.allow_stitch) and self.allow_stitch.isChecked()),
            video_cover_timestamp_ms=cover_ms,
            brand_organic_toggle=toggle and self.your_brand.isChecked(),
            brand_content_toggle=toggle and self.branded.isChecked() and self._offered(self.branded),
            is_aigc=self.aigc.isChecked(),
            draft=draft,
        )

    def direct_blockers(self) -> list[str]:
        form = rules.direct_post_blockers(
            toggle_on=self.disclose.isChecked(),
            your_brand=self.your_brand.isChecked(),
            branded=self.branded.isChecked(),
            privacy=self.privacy_level(),
            caption=self.caption.toPlainText(),
        )
        if rules.NEEDS_DISCLOSURE in form:
            form.remove(rules.NEEDS_DISCLOSURE)
            return [rules.NEEDS_DISCLOSURE, *self._direct_context, *form]
        return [*self._direct_context, *form]

    def draft_blockers(self) -> list[str]:
        reasons = list(self._draft_context)
        n, ok = rules.caption_counter(self.caption.toPlainText())
        if not ok and not reasons:
            reasons.append("The caption is too long (drafts keep no caption, but fix it before you post).")
        return reasons

    # ---- reactions ----------------------------------------------------------------------------------------

    @Slot()
    def on_caption_changed(self) -> None:
        n, ok = rules.caption_counter(self.caption.toPlainText())
        self.counter.setText(f"{n}/{TITLE_MAX_UTF16}")
        self.counter.setProperty("over", not ok)
        self.counter.style().unpolish(self.counter)
        self.counter.style().polish(self.counter)
        self.refresh()

    @Slot(int)
    def on_privacy_changed(self, _index: int) -> None:
        self.refresh()

    @Slot(bool)
    def on_disclosure_changed(self, _checked: bool) -> None:
        self.refresh()

    @Slot()
    def on_post_clicked(self) -> None:
        if not self.direct_blockers():
            self.post_requested.emit()

    @Slot()
    def on_schedule_clicked(self) -> None:
        if not self.direct_blockers():
            self.schedule_requested.emit()

    @Slot()
    def on_draft_clicked(self) -> None:
        if not self.draft_blockers():
            self.draft_requested.emit()

    def refresh(self) -> None:
        """Apply every rule to the widgets: visibility, disabled items and their hover texts, consent, buttons."""
        toggle = self.disclose.isChecked()
        self.disclosure_box.setVisible(toggle)
        privacy = self.privacy_level()
        only_me_chosen = privacy == "SELF_ONLY"

        # Branded content is never private (§9.3b), enforced in whichever order the user chose.
        self.branded.setEnabled(not only_me_chosen)
        if only_me_chosen:
            self.branded.setToolTip(rules.BRANDED_NOT_PRIVATE)
            self.branded_note.setText(rules.BRANDED_DISABLED_BY_ONLY_ME)
        else:
            self.branded.setToolTip("")
        self.branded_note.setVisible(toggle and only_me_chosen)
        block_only_me = toggle and self.branded.isChecked() and not only_me_chosen
        model = self.privacy.model()
        assert isinstance(model, QStandardItemModel)
        for row in range(model.rowCount()):
            item = model.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == "SELF_ONLY":
                item.setEnabled(not block_only_me)
                item.setToolTip(rules.BRANDED_NOT_PRIVATE if block_only_me else "")
        if block_only_me:  # the hover text on "Only me" is TikTok's wording; the note says what the user sees
            self.privacy_note.setText(rules.ONLY_ME_OFF_FOR_BRANDED)
        else:
            self.privacy_note.setText(self.only_private)
        self.privacy_note.setVisible(block_only_me or bool(self.only_private))

        label = rules.label_text(toggle, self.your_brand.isChecked(), self.branded.isChecked())
        self.label_note.setText(label)
        self.label_note.setVisible(bool(label))
        self.consent.setText(rules.consent_html(toggle, self.your_brand.isChecked(), self.branded.isChecked()))

        direct = self.direct_blockers()
        self.post_button.setEnabled(not direct)
        self.post_button.setToolTip(direct[0] if direct else "Post this video to TikTok now.")
        self.schedule_button.setEnabled(not direct)
        self.schedule_button.setToolTip(
            direct[0] if direct else "Choose a date and time: Clipship posts it then, with these settings."
        )
        draft = self.draft_blockers()
        self.draft_button.setEnabled(not draft)
        self.draft_note.setVisible(not draft)  # said before anything is sent, whenever a draft can be sent
        self.why_label.setText(direct[0] if direct else "")
        self.why_label.setVisible(bool(direct))
        self.changed.emit()

    def reset(self) -> None:
        """A blank form for the next post (the creator stays)."""
        self.caption.clear()
        self.privacy.setCurrentIndex(-1)
        for box in (*self._interaction_boxes(), self.your_brand, self.branded, self.aigc):
            box.setChecked(False)
        self.disclose.setChecked(False)
        self.refresh()

    def load(self, settings: PostSettings) -> None:
        """Show a queued item's settings: the same rules apply (a privacy not offered any more stays unchosen)."""
        self.blockSignals(True)
        self.caption.setPlainText(settings.title)
        index = self.privacy.findData(settings.privacy_level) if settings.privacy_level else -1
        self.privacy.setCurrentIndex(index)
        pairs = (
            (self.allow_comment, settings.disable_comment),
            (self.allow_duet, settings.disable_duet),
            (self.allow_stitch, settings.disable_stitch),
        )
        for box, disabled in pairs:
            box.setChecked(self._offered(box) and not disabled)
        self.disclose.setChecked(settings.brand_organic_toggle or settings.brand_content_toggle)
        self.your_brand.setChecked(settings.brand_organic_toggle)
        self.branded.setChecked(settings.brand_content_toggle)
        self.aigc.setChecked(settings.is_aigc)
        self.blockSignals(False)
        self.refresh()

    def consent_plain(self) -> str:
        return rules.consent_text(self.disclose.isChecked(), self.your_brand.isChecked(), self.branded.isChecked())


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
