"""TikTok's Direct Post UX rules (tiktok-api.md §9), one test each, on the real window over the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ui_helpers import (
    choose_privacy,
    load_good_video,
    privacy_item,
    sandbox_ctx,
    wait_ready,
)

from core.models import PRIVACY_LABELS, TITLE_MAX_UTF16
from ui import post_rules as rules

# The offscreen platform warns about every top-level window with a layout; nothing to do with Clipship.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

PUBLIC = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
PRIVATE = ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]


@pytest.fixture
def window(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any) -> Any:
    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    win = make_window(ctx)
    wait_ready(qtbot, win)
    load_good_video(qtbot, win)
    return win


def offered(form: Any) -> list[str]:
    return [form.privacy.itemData(i) for i in range(form.privacy.count())]


def test_privacy_has_no_default_and_only_the_creators_options(window: Any) -> None:
    form = window.page.form
    assert offered(form) == PUBLIC
    assert [form.privacy.itemText(i) for i in range(form.privacy.count())] == [PRIVACY_LABELS[p] for p in PUBLIC]
    assert form.privacy.currentIndex() == -1
    assert form.privacy.placeholderText() == "Select who can see this video"
    assert form.privacy_level() is None
    assert not form.post_button.isEnabled()
    assert form.post_button.toolTip() == "Choose who can see this video."
    choose_privacy(form, "MUTUAL_FOLLOW_FRIENDS")
    assert form.post_button.isEnabled()
    assert form.settings().privacy_level == "MUTUAL_FOLLOW_FRIENDS"


def test_options_follow_a_private_account(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any) -> None:
    sandbox.config.creator.account_private = True
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    assert offered(win.page.form) == PRIVATE
    assert "PUBLIC_TO_EVERYONE" not in offered(win.page.form)
    assert win.page.form.privacy.currentIndex() == -1


def test_interactions_unchecked_by_default_and_greyed_when_the_creator_disabled_them(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any
) -> None:
    sandbox.config.creator.comment_disabled = True
    sandbox.config.creator.stitch_disabled = True
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    form = win.page.form
    assert [b.text() for b in (form.allow_comment, form.allow_duet, form.allow_stitch)] == [
        "Allow Comment",
        "Duet",
        "Stitch",
    ]
    assert not any(b.isChecked() for b in (form.allow_comment, form.allow_duet, form.allow_stitch))
    assert not form.allow_comment.isEnabled() and not form.allow_stitch.isEnabled()
    assert form.allow_duet.isEnabled()
    form.allow_duet.setChecked(True)
    settings = form.settings()
    assert settings.disable_comment and settings.disable_stitch and not settings.disable_duet


def test_interactions_all_enabled_for_an_open_creator(window: Any) -> None:
    form = window.page.form
    for box in (form.allow_comment, form.allow_duet, form.allow_stitch):
        assert box.isEnabled() and not box.isChecked()
    settings = form.settings()
    assert settings.disable_comment and settings.disable_duet and settings.disable_stitch


def test_commercial_toggle_off_by_default_and_nothing_ticked_disables_post(window: Any) -> None:
    form = window.page.form
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    assert not form.disclose.isChecked()
    assert form.disclosure_box.isHidden()
    assert form.post_button.isEnabled()
    form.disclose.setChecked(True)
    assert form.disclosure_box.isVisible()
    assert not form.your_brand.isChecked() and not form.branded.isChecked()
    assert not form.post_button.isEnabled()
    assert (
        form.post_button.toolTip() == "You need to indicate if your content promotes yourself, a third party, or both."
    )
    form.your_brand.setChecked(True)
    assert form.post_button.isEnabled()


def test_needs_disclosure_tooltip_wins_even_before_privacy_is_chosen(window: Any) -> None:
    form = window.page.form
    form.disclose.setChecked(True)
    assert form.post_button.toolTip() == rules.NEEDS_DISCLOSURE


def test_labels_and_consent_text_follow_the_selection(window: Any) -> None:
    form = window.page.form
    music = "By posting, you agree to TikTok's Music Usage Confirmation."
    branded = "By posting, you agree to TikTok's Branded Content Policy and Music Usage Confirmation."
    assert form.consent_plain() == music
    assert rules.MUSIC_URL in form.consent.text() and rules.BC_POLICY_URL not in form.consent.text()
    assert form.consent.openExternalLinks()
    form.disclose.setChecked(True)
    form.your_brand.setChecked(True)
    assert form.consent_plain() == music
    assert form.label_note.text() == "Your photo/video will be labeled as 'Promotional content'"
    form.branded.setChecked(True)  # both
    assert form.consent_plain() == branded
    assert form.label_note.text() == "Your photo/video will be labeled as 'Paid partnership'"
    assert rules.BC_POLICY_URL in form.consent.text() and rules.MUSIC_URL in form.consent.text()
    form.your_brand.setChecked(False)  # branded alone
    assert form.consent_plain() == branded
    assert form.label_note.text() == "Your photo/video will be labeled as 'Paid partnership'"
    form.disclose.setChecked(False)  # toggle off: nothing is disclosed
    assert form.consent_plain() == music
    assert form.label_note.isHidden()
    assert not form.settings().brand_content_toggle


def test_branded_content_first_disables_only_me(window: Any) -> None:
    form = window.page.form
    form.disclose.setChecked(True)
    form.branded.setChecked(True)
    only_me = privacy_item(form, "SELF_ONLY")
    assert not only_me.isEnabled()
    assert only_me.toolTip() == "Branded content visibility cannot be set to private."
    assert privacy_item(form, "PUBLIC_TO_EVERYONE").isEnabled()
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    assert form.post_button.isEnabled()
    settings = form.settings()
    assert settings.brand_content_toggle and not settings.brand_organic_toggle
    form.branded.setChecked(False)
    assert privacy_item(form, "SELF_ONLY").isEnabled()


def test_only_me_first_disables_branded_content_with_an_explanation(window: Any) -> None:
    form = window.page.form
    choose_privacy(form, "SELF_ONLY")
    form.disclose.setChecked(True)
    assert not form.branded.isEnabled()
    assert form.branded.toolTip() == "Branded content visibility cannot be set to private."
    assert form.branded_note.isVisible() and "can't be private" in form.branded_note.text()
    assert form.your_brand.isEnabled()
    form.your_brand.setChecked(True)
    assert form.post_button.isEnabled()
    choose_privacy(form, "FOLLOWER_OF_CREATOR" if "FOLLOWER_OF_CREATOR" in offered(form) else "PUBLIC_TO_EVERYONE")
    assert form.branded.isEnabled() and form.branded_note.isHidden()


def test_ai_generated_label(window: Any) -> None:
    form = window.page.form
    assert not form.aigc.isChecked()
    assert not form.settings().is_aigc
    form.aigc.setChecked(True)
    assert form.settings().is_aigc


def test_caption_counter_counts_utf16_and_blocks_past_the_limit(window: Any) -> None:
    form = window.page.form
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    form.caption.setPlainText("hi \U0001f600")  # the emoji is two UTF-16 units
    assert form.counter.text() == f"5/{TITLE_MAX_UTF16}"
    form.caption.setPlainText("\U0001f600" * 1100)
    assert form.counter.text() == f"2200/{TITLE_MAX_UTF16}" and form.post_button.isEnabled()
    form.caption.setPlainText("\U0001f600" * 1100 + "x")
    assert not form.post_button.isEnabled()
    assert "too long" in form.post_button.toolTip()


def test_the_creators_nickname_is_shown_and_fresh_on_each_video(window: Any, qtbot: Any, sandbox: Any) -> None:
    form = window.page.form
    assert "Sandbox Creator" in form.creator_label.text()
    sandbox.config.creator.nickname = "Renamed Creator"
    sandbox.config.creator.duet_disabled = True
    load_good_video(qtbot, window, window.page.path)  # showing the form again queries creator_info again
    qtbot.waitUntil(lambda: "Renamed Creator" in form.creator_label.text(), timeout=10_000)
    assert not form.allow_duet.isEnabled()
    assert window.account_bar.nickname.text() == "Renamed Creator"


def test_a_creator_who_cannot_post_now_is_told_and_post_is_disabled(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any
) -> None:
    sandbox.config.creator_info_error = "spam_risk_too_many_posts"
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    qtbot.waitUntil(lambda: bool(win.accounts.creator_error), timeout=10_000)
    load_good_video(qtbot, win)
    qtbot.waitUntil(lambda: bool(win.accounts.creator_error) and not win.accounts.creator_loading, timeout=10_000)
    form = win.page.form
    assert "cannot post now" in form.creator_status.text()
    assert "try again" in form.creator_status.text().lower()
    assert not form.post_button.isEnabled()
    assert form.privacy.count() == 0
