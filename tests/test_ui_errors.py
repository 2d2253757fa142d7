"""Errors in plain words (one sentence, one step, the codes behind Details), retries shown as "Reconnecting…",
announcements for screen readers, and a sign-in TikTok no longer accepts — in the window, against the sandbox."""

from __future__ import annotations

import re
from typing import Any

import pytest
from auth_helpers import scripted_browser
from mp4pad import pad_mp4
from ui_helpers import GOOD, choose_privacy, load_good_video

from core.errors import ERROR_CODES, FAIL_REASONS, PublishFailed, api_error
from ui import a11y
from ui.plain_errors import _COMMAND, explain, window_words

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

CODE_LIKE = re.compile(r"[a-z]+_[a-z_]+|log_id|HTTP \d|\(TikTok:|Error\)")


def visible_texts(widget: Any) -> str:
    """Every text a user can see in the window (labels, buttons), as one string."""
    from PySide6.QtWidgets import QAbstractButton, QLabel

    out = [w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget)]
    out += [w.text() for w in widget.findChildren(QAbstractButton) if w.isVisibleTo(widget)]
    return "\n".join(out)


def post_and_finish(qtbot: Any, window: Any, privacy: str = "SELF_ONLY") -> Any:
    load_good_video(qtbot, window)
    choose_privacy(window.page.form, privacy)
    window.page.form.post_button.click()
    progress = window.page.progress
    qtbot.waitUntil(progress.is_finished, timeout=60_000)
    return progress


# ---- the words, for every documented code --------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_every_tiktok_error_code_reads_as_a_sentence_and_a_step_without_codes(code: str) -> None:
    said = explain(api_error(code, "TikTok's own words", "202612020000LOGID", 400))
    assert said.sentence and said.step
    assert not CODE_LIKE.search(said.sentence), said.sentence
    assert not _COMMAND.search(said.step) and not _COMMAND.search(said.sentence), said.step
    assert f"TikTok error code: {code}" in said.details and "TikTok log id: 202612020000LOGID" in said.details
    assert "TikTok's message: TikTok's own words" in said.details


@pytest.mark.parametrize("reason", sorted(FAIL_REASONS))
def test_every_fail_reason_reads_as_a_sentence_and_a_step_without_codes(reason: str) -> None:
    said = explain(PublishFailed(reason, "v_pub_url~v2.123"))
    assert said.sentence.startswith("TikTok could not publish the video.") and said.step
    assert not CODE_LIKE.search(said.sentence) and not _COMMAND.search(said.step), said
    assert f"fail_reason: {reason}" in said.details and "publish_id: v_pub_url~v2.123" in said.details


def test_command_lines_become_window_words() -> None:
    assert window_words("Sign in again with 'clipship login'.") == "Sign in again."
    assert window_words("Post it again only if you mean to (--force).") == "Post it again only if you mean to."
    assert "History" in window_words("See how it ends with 'clipship status p_1' (or on the History tab).")
    assert window_words("Trim the video, or send it as a draft (--draft) and trim it in the TikTok app.") == (
        "Trim the video, or send it as a draft and trim it in the TikTok app."
    )
    assert window_words("Use --port 9000. Or wait.") == "Or wait."
    said = explain(ValueError("secret stuff at https://example/upload?token=abc"))
    assert said.sentence == "Something unexpected went wrong." and "token" not in said.details


# ---- the window ------------------------------------------------------------------------------------------------


def test_the_posting_cap_in_the_form_says_when_the_account_can_post_again(
    qtbot: Any, window: Any, sandbox: Any
) -> None:
    sandbox.config.daily_post_cap = 1
    first = post_and_finish(qtbot, window)
    assert first.stage_label.text() == "Published"
    first.done_button.click()
    other = pad_mp4(GOOD, window.ctx.config.data_dir.parent / "other.mp4", GOOD.stat().st_size + 4096)
    load_good_video(qtbot, window, other)
    # creator_info now answers with the cap: the form says it once, with when, and neither button can post.
    form = window.page.form
    qtbot.waitUntil(lambda: bool(window.accounts.creator_error), timeout=10_000)
    status = form.creator_status.text()
    assert status.count("daily limit") == 1 and "can post again around" in status, status
    assert not CODE_LIKE.search(status), status
    assert not form.post_button.isEnabled() and not form.schedule_button.isEnabled()
    assert not _COMMAND.search(visible_texts(window))  # no command line anywhere in the window


def test_a_refused_init_shows_the_cap_as_one_sentence_and_the_code_behind_details(
    qtbot: Any, window: Any, sandbox: Any
) -> None:
    load_good_video(qtbot, window)  # creator_info is fine; then the post's init meets the cap (another app's posts)
    choose_privacy(window.page.form, "SELF_ONLY")
    sandbox.config.daily_post_cap = 0
    window.page.form.post_button.click()
    progress = window.page.progress
    qtbot.waitUntil(progress.is_finished, timeout=30_000)
    assert progress.stage_label.text() == "Failed"
    message = progress.message_label.text()
    assert message.count("<br>") == 1  # a sentence, then one step
    assert message.count("daily limit") == 1
    assert not CODE_LIKE.search(message.replace("<br>", " ").replace("<b>", "").replace("</b>", "")), message
    assert "spam_risk_too_many_posts" in progress.details.details()
    assert "TikTok log id: " in progress.details.details()


def test_a_server_error_is_one_sentence_and_the_log_id_is_in_details(qtbot: Any, window: Any, sandbox: Any) -> None:
    sandbox.config.init_5xx = 20  # every try of the init answers 500 internal_error
    progress = post_and_finish(qtbot, window)
    message = progress.message_label.text()
    assert "internal error" in message and "internal_error" not in message and "log" not in message.lower()
    assert message.count("TikTok had an internal error") == 1
    assert "TikTok error code: internal_error" in progress.details.details()
    assert not progress.details.text.isVisible()
    progress.details.toggle.click()
    assert progress.details.text.isVisible()
    progress.details.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == progress.details.details()


def test_a_dropping_connection_shows_reconnecting_then_plain_words(qtbot: Any, window: Any, sandbox: Any) -> None:
    sandbox.config.chunk_reset = {0: 99}  # the connection drops during the first chunk, every time
    load_good_video(qtbot, window)
    choose_privacy(window.page.form, "SELF_ONLY")
    seen: list[tuple[str, str]] = []
    progress = window.page.progress
    window.flow.controller.stage.connect(
        lambda *_: seen.append((progress.stage_label.text(), progress.detail_label.text()))
    )
    window.page.form.post_button.click()
    qtbot.waitUntil(progress.is_finished, timeout=90_000)
    assert ("Reconnecting\u2026", "attempt 2 of 6") in seen
    assert any(text.startswith("Reconnecting, attempt") for text in a11y.ANNOUNCED)
    message = progress.message_label.text()
    assert "ConnectionError" not in message and "HTTP" not in message and "(last:" not in message
    assert progress.action_button.isVisible()


def test_results_are_announced_to_screen_readers(qtbot: Any, window: Any) -> None:
    a11y.ANNOUNCED.clear()
    progress = post_and_finish(qtbot, window)
    assert progress.stage_label.text() == "Published"
    said = list(a11y.ANNOUNCED)
    assert any(s.startswith("Uploading") for s in said) and any(s.startswith("Published.") for s in said)
    assert progress.accessibleDescription() == said[-1]


def test_a_revoked_sign_in_asks_to_sign_in_again_and_blocks_both_posts(qtbot: Any, window: Any, sandbox: Any) -> None:
    state = sandbox.world.state
    with state.lock:  # the creator removed Clipship in TikTok's settings: every token of the account dies
        state.access, state.refresh = {}, {}
        state.save()
    load_good_video(qtbot, window)  # showing the form asks TikTok for creator_info again
    qtbot.waitUntil(lambda: window.accounts.needs_sign_in, timeout=20_000)
    bar, form = window.account_bar, window.page.form
    assert bar.sign_in_button.isVisibleTo(window) and bar.sign_in_button.text() == "Sign in again"
    assert "sign in again" in bar.username.text().lower()
    choose_privacy_if_offered(form)
    assert not form.post_button.isEnabled() and not form.schedule_button.isEnabled()
    assert not form.draft_button.isEnabled()
    assert "Sign in again" in form.why_label.text()
    texts = visible_texts(window)
    assert "clipship login" not in texts and "access_token_invalid" not in texts
    # Sign in again: the consent page approves, the bar and both buttons come back.
    window.accounts.browser_opener = scripted_browser()
    bar.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.accounts.needs_sign_in and window.accounts.creator is not None, timeout=20_000)
    assert bar.username.text() == "@sandbox.creator" and bar.sign_in_button.isHidden()
    choose_privacy(form, "SELF_ONLY")
    qtbot.waitUntil(form.post_button.isEnabled, timeout=10_000)
    assert form.draft_button.isEnabled()


def choose_privacy_if_offered(form: Any) -> None:
    if form.privacy.count():
        form.privacy.setCurrentIndex(0)
