"""The photo post form: PostForm's Direct Post UX rules (tiktok-api.md §9) with a photo post's own fields (§3.3).

A photo post has a title (90 UTF-16 units) and a description (4000), offers only "Allow Comment" (§9.2c), can
add TikTok's recommended music, and has no AI label, cover frame or schedule. Privacy, the disclosure toggle with
Your brand / Branded content, their labels and the consent line are PostForm's, unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from core.models import PHOTO_DESCRIPTION_MAX_UTF16, PHOTO_TITLE_MAX_UTF16, PhotoSettings, utf16_len
from ui import post_rules as rules
from ui.a11y import name
from ui.post_form import PostForm

PHOTO_DRAFT_TEXT = "A draft keeps its title and description: you choose who sees it, and post it, in the TikTok app."
PRIVACY_PLACEHOLDER = "Select who can see this post"
# PostForm's words about "this video", as a photo post says them.
_WORDS = {
    "Caption": "Description",
    "Who can see this video": "Who can see this post",
    "Turn on to disclose that this video promotes goods or services in exchange for something of value. "
    "Your video could promote yourself, a third party, or both.": "Turn on to disclose that this post promotes "
    "goods or services in exchange for something of value. Your post could promote yourself, a third party, "
    "or both.",
    "You are promoting yourself or your own business. This video will be classified as Brand Organic.": "You "
    "are promoting yourself or your own business. This post will be classified as Brand Organic.",
    "You are promoting another brand or a third party. This video will be classified as Branded Content.": "You "
    "are promoting another brand or a third party. This post will be classified as Branded Content.",
}


def _counter(n: int, limit: int, label: QLabel) -> bool:
    ok = n <= limit
    label.setText(f"{n}/{limit}")
    label.setProperty("over", not ok)
    label.style().unpolish(label)
    label.style().polish(label)
    return ok


class PhotoForm(PostForm):
    """PostForm for a photo post: title + description with counters, only Allow Comment, Add recommended music.

    Signals (PostForm's): post_requested(), draft_requested(), changed(). Schedule is not offered.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        self.title = QLineEdit()
        self.title_counter = QLabel(f"0/{PHOTO_TITLE_MAX_UTF16}")
        self.auto_music = QCheckBox("Add recommended music")
        super().__init__(parent)
        self.setObjectName("photoForm")
        self.title.setObjectName("photoTitle")
        self.title.setPlaceholderText("A short title for the photos")
        self.title_counter.setObjectName("counter")
        self.title_counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.caption.setObjectName("photoDescription")
        self.caption.setPlaceholderText("Describe your photos. Add #hashtags and @mentions.")
        self.counter.setText(f"0/{PHOTO_DESCRIPTION_MAX_UTF16}")
        self.privacy.setPlaceholderText(PRIVACY_PLACEHOLDER)
        self.disclose.setText("Disclose post content")
        for label in self.fields.findChildren(QLabel):
            if label.text() in _WORDS:
                label.setText(_WORDS[label.text()])
        # Photo posts offer only "Allow Comment" (§9.2c); no AI label, no schedule (the queue holds videos).
        for widget in (self.allow_duet, self.allow_stitch, self.aigc, self.schedule_button):
            widget.hide()
        for label in self.fields.findChildren(QLabel):
            if label.text().startswith("Label this video as AI-generated"):
                label.hide()
        self.draft_note.setText(PHOTO_DRAFT_TEXT)
        layout = self.fields.layout()
        assert isinstance(layout, QVBoxLayout)
        title_heading = QLabel("Title")
        title_heading.setObjectName("fieldHeading")
        title_heading.setIndent(0)
        title_heading.setBuddy(self.title)
        top: tuple[QWidget, ...] = (title_heading, self.title, self.title_counter)
        for i, top_widget in enumerate(top):
            layout.insertWidget(i, top_widget)
        music_help = QLabel("TikTok adds a recommended sound to the photos; you can change it in the app.")
        music_help.setObjectName("note")
        music_help.setWordWrap(True)
        music_heading = QLabel("Music")
        music_heading.setObjectName("fieldHeading")
        music_heading.setIndent(0)
        music_heading.setBuddy(self.auto_music)
        at = layout.indexOf(self.disclose) - 1  # before the spacing above the disclosure toggle
        layout.insertSpacing(at, 6)
        for i, music_widget in enumerate((music_heading, self.auto_music, music_help)):
            layout.insertWidget(at + 1 + i, music_widget)
        name(self.title, "Title", f"The photo post's title, up to {PHOTO_TITLE_MAX_UTF16} characters.")
        name(
            self.caption,
            "Description",
            f"The photo post's description, up to {PHOTO_DESCRIPTION_MAX_UTF16} characters.",
        )
        name(self.privacy, "Who can see this post", "Required: choose who can see these photos.")
        name(self.allow_comment, "Allow comments", "Let viewers comment on these photos.")
        name(self.auto_music, "Add recommended music", "TikTok adds a recommended sound to the photo post.")
        name(self.disclose, "Disclose post content", "Turn on when this post promotes goods or services.")
        name(self.post_button, "Post now", "Post these photos to TikTok now (Ctrl+Return).")
        name(
            self.draft_button,
            "Send to inbox as draft",
            "TikTok sends the photos to your inbox and you finish the post in the TikTok app.",
        )
        chain = [self.title, self.caption, self.privacy, self.allow_comment, self.auto_music, self.disclose]
        chain += [self.your_brand, self.branded, self.consent, self.draft_button, self.post_button]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self.title.textChanged.connect(self.on_title_changed)
        self.refresh()

    # ---- reading the form ---------------------------------------------------------------------------------

    def photo_settings(self, *, draft: bool = False, cover_index: int = 0) -> PhotoSettings:
        """What the form says, as core.models.PhotoSettings (a draft carries only the title and description)."""
        if draft:
            return PhotoSettings(
                title=self.title.text(), description=self.caption.toPlainText(), draft=True, cover_index=cover_index
            )
        toggle = self.disclose.isChecked()
        return PhotoSettings(
            privacy_level=self.privacy_level(),
            title=self.title.text(),
            description=self.caption.toPlainText(),
            disable_comment=not (self._offered(self.allow_comment) and self.allow_comment.isChecked()),
            auto_add_music=self.auto_music.isChecked(),
            brand_organic_toggle=toggle and self.your_brand.isChecked(),
            brand_content_toggle=toggle and self.branded.isChecked() and self._offered(self.branded),
            cover_index=cover_index,
        )

    def _text_blockers(self) -> list[str]:
        reasons = []
        for what, n, limit in (
            ("title", utf16_len(self.title.text()), PHOTO_TITLE_MAX_UTF16),
            ("description", utf16_len(self.caption.toPlainText()), PHOTO_DESCRIPTION_MAX_UTF16),
        ):
            if n > limit:
                reasons.append(f"The {what} is {n - limit} characters too long ({limit} at most).")
        return reasons

    def direct_blockers(self) -> list[str]:
        form = rules.direct_post_blockers(
            toggle_on=self.disclose.isChecked(),
            your_brand=self.your_brand.isChecked(),
            branded=self.branded.isChecked(),
            privacy=self.privacy_level(),
            caption="",
        )
        form = ["Choose who can see this post." if r == "Choose who can see this video." else r for r in form]
        form += self._text_blockers()
        if rules.NEEDS_DISCLOSURE in form:
            form.remove(rules.NEEDS_DISCLOSURE)
            return [rules.NEEDS_DISCLOSURE, *self._direct_context, *form]
        return [*self._direct_context, *form]

    def draft_blockers(self) -> list[str]:
        return [*self._draft_context, *self._text_blockers()]

    # ---- reactions ----------------------------------------------------------------------------------------

    @Slot()
    def on_caption_changed(self) -> None:
        _counter(utf16_len(self.caption.toPlainText()), PHOTO_DESCRIPTION_MAX_UTF16, self.counter)
        self.refresh()

    @Slot(str)
    def on_title_changed(self, text: str) -> None:
        _counter(utf16_len(text), PHOTO_TITLE_MAX_UTF16, self.title_counter)
        self.refresh()

    def refresh(self) -> None:
        super().refresh()
        direct = self.direct_blockers()
        self.post_button.setToolTip(direct[0] if direct else "Post these photos to TikTok now.")

    def reset(self) -> None:
        self.title.clear()
        self.auto_music.setChecked(False)
        super().reset()
