"""Real QMessageBox questions answered by a timer, the way a person does, at the moments the races happen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from ui_helpers import (
    GOOD,
    WindowFactory,
    answer_message_box,
    choose_privacy,
    load_good_video,
    sandbox_ctx,
    wait_ready,
)

from core.attempt import State
from core.models import PublishResult
from core.session import Session
from ui.post_flow import FlowState
from ui.prompts import Prompts

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

MB = 1024 * 1024
YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


def big_video(path: Path, size: int) -> Path:
    from mp4pad import pad_mp4

    return pad_mp4(GOOD, path, size)


def uploading_window(qtbot: Any, make_window: WindowFactory, sandbox: Any, tmp_path: Path, delay_s: float) -> Any:
    """A window whose 12 MB post (three 5 MB chunks, each `delay_s` late) is under way, with real questions."""
    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    ctx.config = ctx.config.with_(chunk_size=5 * MB)
    win = make_window(ctx)
    wait_ready(qtbot, win)
    sandbox.config.slow_chunk_delay_s = delay_s
    load_good_video(qtbot, win, big_video(tmp_path / "slow.mp4", 12 * MB))
    choose_privacy(win.page.form, "PUBLIC_TO_EVERYONE")
    win.set_prompts(Prompts())  # the real QMessageBox from here on
    win.page.form.post_button.click()
    qtbot.waitUntil(lambda: win.flow.state == FlowState.UPLOADING and win.page.progress.sent > 0, timeout=20_000)
    return win


def test_no_to_the_quit_question_keeps_uploading_to_published(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    win = uploading_window(qtbot, make_window, sandbox, tmp_path, delay_s=1.0)
    results: list[PublishResult] = []
    win.controller.finished.connect(results.append)
    answered = answer_message_box(NO, delay_ms=1500)  # chunks keep arriving while the box is open
    assert not win.close()  # blocks in the real box until the timer says No
    assert len(answered) == 1 and "still uploading" in answered[0]
    assert win.isVisible() and win.controller.is_busy()
    sandbox.config.slow_chunk_delay_s = 0.0
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert results[0].status == "PUBLISH_COMPLETE"
    assert win.page.progress.stage_label.text() == "Published" and win.flow.state == FlowState.DONE


def test_yes_to_the_quit_question_closes_and_records_the_upload_interrupted(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    win = uploading_window(qtbot, make_window, sandbox, tmp_path, delay_s=2.0)
    thread = win.controller.upload_thread
    answered = answer_message_box(YES, delay_ms=800)
    assert win.close()
    assert len(answered) == 1 and "still uploading" in answered[0]
    assert not win.isVisible() and thread is not None and thread.isFinished()
    sandbox.config.slow_chunk_delay_s = 0.0
    with Session(win.ctx) as session:
        (attempt,) = session.attempts()
    assert attempt.state == State.INTERRUPTED, attempt.state  # not left UPLOADING
    assert attempt.resumable()


def test_an_upload_that_ends_while_the_sign_out_question_is_open(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    """The post finishes (and the window refreshes creator_info) behind the open box; No then changes nothing."""
    win = uploading_window(qtbot, make_window, sandbox, tmp_path, delay_s=0.3)
    results: list[PublishResult] = []
    win.controller.finished.connect(results.append)
    account = win.accounts.account
    answered = answer_message_box(NO, delay_ms=6000)
    win.account_bar.sign_out_requested.emit()  # the account menu's "Sign out": blocks in the real box
    assert len(answered) == 1 and "Sign out" in answered[0]
    assert results and results[0].status == "PUBLISH_COMPLETE"  # it ended while the question was open
    assert win.page.progress.stage_label.text() == "Published"
    qtbot.waitUntil(lambda: not win.controller.is_busy(), timeout=10_000)
    assert win.accounts.account == account
    wait_ready(qtbot, win)
    assert win.account_bar.nickname.text() != "Not signed in"
