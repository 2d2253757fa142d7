"""Posting a video that already reached the account: the check on load, the question, No and Yes (real boxes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from ui_helpers import (
    GOOD,
    ScriptedPrompts,
    WindowFactory,
    answer_message_box,
    choose_privacy,
    load_good_video,
    sandbox_ctx,
    wait_ready,
)

from core.models import PostSettings, PublishResult
from core.session import PostRequest, Session
from ui.prompts import Prompts

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
YES = QMessageBox.StandardButton.Yes


@pytest.fixture
def ctx(sandbox: Any, tmp_path: Path) -> Any:
    return sandbox_ctx(sandbox, tmp_path / "data")


def post_outside_the_window(ctx: Any, draft: bool = False) -> PublishResult:
    """The same file posted by another front end (the CLI) to the same account."""
    settings = PostSettings(privacy_level=None if draft else "SELF_ONLY", draft=draft)
    with Session(ctx) as session:
        return session.publish(PostRequest(GOOD, settings))


def ready_window(qtbot: Any, make_window: WindowFactory, ctx: Any) -> Any:
    win = make_window(ctx)
    wait_ready(qtbot, win)
    load_good_video(qtbot, win)
    return win


def test_an_earlier_post_is_shown_on_load_and_no_posts_nothing(
    qtbot: Any, make_window: WindowFactory, ctx: Any
) -> None:
    first = post_outside_the_window(ctx)
    win = ready_window(qtbot, make_window, ctx)
    facts = win.page.facts
    qtbot.waitUntil(facts.earlier_label.isVisible, timeout=10_000)
    assert facts.earlier_label.text().startswith("Posted on ") and "to @sandbox.creator" in facts.earlier_label.text()
    assert facts.status_label.text() == "Already posted to this account."
    prompts = ScriptedPrompts(repost=False)
    win.set_prompts(prompts)
    choose_privacy(win.page.form, "SELF_ONLY")
    win.page.form.post_button.click()
    assert len(prompts.asked) == 1 and "Posted on" in prompts.asked[0]
    progress = win.page.progress
    assert not win.controller.is_busy()  # asked before any upload: nothing started
    assert progress.isVisible() and progress.stage_label.text() == "Not posted"
    shown = progress.message_label.text()
    assert "Failed" not in shown and "--force" not in shown and first.publish_id not in shown
    assert progress.action_button.isHidden() and progress.property("state") == "neutral"
    qtbot.waitUntil(lambda: len(win.history.rows) == 1, timeout=10_000)  # still the one earlier post
    # Published without a link (not public): the History tab's Check status may still ask TikTok for it.
    row = win.history.rows[0]
    assert row.headline == "Published" and row.post_url == ""
    win.history.select(row.attempt_id)
    assert win.history.check_button.isEnabled() and not win.history.resume_button.isEnabled()
    win.history.check_button.click()
    qtbot.waitUntil(lambda: win.history.status_label.text().startswith("Published."), timeout=10_000)


def test_drafts_and_posts_are_checked_apart(qtbot: Any, make_window: WindowFactory, ctx: Any) -> None:
    post_outside_the_window(ctx, draft=True)
    win = ready_window(qtbot, make_window, ctx)
    qtbot.waitUntil(win.page.facts.earlier_label.isVisible, timeout=10_000)
    assert "inbox" in win.page.facts.earlier_label.text()
    prompts = ScriptedPrompts(repost=False)
    win.set_prompts(prompts)
    results: list[PublishResult] = []
    win.controller.finished.connect(results.append)
    choose_privacy(win.page.form, "SELF_ONLY")
    win.page.form.post_button.click()  # a direct post of a file only sent as a draft: no question
    qtbot.waitUntil(lambda: bool(results), timeout=20_000)
    assert prompts.asked == [] and results[0].status == "PUBLISH_COMPLETE"


def test_yes_in_a_real_message_box_after_a_delay_posts_again(qtbot: Any, make_window: WindowFactory, ctx: Any) -> None:
    first = post_outside_the_window(ctx)
    win = ready_window(qtbot, make_window, ctx)
    qtbot.waitUntil(win.page.facts.earlier_label.isVisible, timeout=10_000)
    win.set_prompts(Prompts())  # the real QMessageBox
    results: list[PublishResult] = []
    win.controller.finished.connect(results.append)
    choose_privacy(win.page.form, "SELF_ONLY")
    answered = answer_message_box(YES, delay_ms=2000)
    win.page.form.post_button.click()  # blocks in the box until the timer answers Yes
    assert len(answered) == 1 and "Post the same video" in answered[0]
    progress = win.page.progress
    qtbot.waitUntil(lambda: bool(results), timeout=20_000)
    assert progress.stage_label.text() == "Published"  # not stuck on "Checking"
    assert results[0].publish_id != first.publish_id


def test_the_cores_duplicate_question_answered_late_does_not_hang(
    qtbot: Any, make_window: WindowFactory, ctx: Any
) -> None:
    """The file reaches the account after the window checked it: the core's DuplicateError asks instead."""
    win = ready_window(qtbot, make_window, ctx)
    qtbot.waitUntil(lambda: win.flow.earlier_for is not None, timeout=10_000)
    assert win.page.facts.earlier_label.isHidden()
    first = post_outside_the_window(ctx)  # e.g. from the command line, meanwhile
    win.set_prompts(Prompts())
    results: list[PublishResult] = []
    win.controller.finished.connect(results.append)
    choose_privacy(win.page.form, "SELF_ONLY")
    answered = answer_message_box(YES, delay_ms=2000)
    win.page.form.post_button.click()
    progress = win.page.progress
    try:
        qtbot.waitUntil(lambda: bool(results), timeout=25_000)
    except Exception as exc:
        raise AssertionError(f"stuck: {progress.stage_label.text()!r} {progress.detail_label.text()!r}") from exc
    assert len(answered) == 1 and "Posted on" in answered[0]
    assert progress.stage_label.text() == "Published"
    assert results[0].publish_id != first.publish_id
