"""While a post is being sent: a read-only form that says so, Remove and sign-out wait, a dropped file is queued."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_helpers import (
    BAD_FPS,
    GOOD,
    ScriptedPrompts,
    WindowFactory,
    choose_privacy,
    drop_files,
    load_good_video,
    sandbox_ctx,
    wait_ready,
)

from ui.post_flow import FlowState
from ui.post_form import SENDING_TEXT

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

MB = 1024 * 1024


@pytest.fixture
def uploading(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory) -> Iterator[Any]:
    """A window whose 12 MB post (5 MB chunks, each a second late) is under way."""
    from mp4pad import pad_mp4

    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    ctx.config = ctx.config.with_(chunk_size=5 * MB)
    win = make_window(ctx)
    wait_ready(qtbot, win)
    load_good_video(qtbot, win, pad_mp4(GOOD, tmp_path / "slow.mp4", 12 * MB))
    form = win.page.form
    form.caption.setPlainText("Sent as typed")
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    sandbox.config.slow_chunk_delay_s = 1.0
    form.post_button.click()
    qtbot.waitUntil(lambda: win.flow.state == FlowState.UPLOADING, timeout=20_000)
    yield win
    sandbox.config.slow_chunk_delay_s = 0.0
    qtbot.waitUntil(lambda: not win.flow.is_busy(), timeout=30_000)


def test_the_form_is_read_only_and_says_so_while_sending(qtbot: Any, uploading: Any) -> None:
    form, page = uploading.page.form, uploading.page
    assert form.sending_note.isVisible() and form.sending_note.text() == SENDING_TEXT
    for widget in (form.caption, form.privacy, form.allow_comment, form.disclose, form.aigc, page.preview.slider):
        assert not widget.isEnabled(), widget.accessibleName()
    assert not form.post_button.isEnabled() and not form.draft_button.isEnabled()
    assert not page.remove_button.isEnabled() and "Wait for the upload" in page.remove_button.toolTip()
    assert not page.other_button.isEnabled()
    assert form.settings().disable_comment == (not form.allow_comment.isChecked())  # the choices are kept
    qtbot.waitUntil(lambda: not uploading.flow.is_busy(), timeout=30_000)
    assert form.fields.isEnabled() and not form.sending_note.isVisible()


def test_sign_out_during_an_upload_asks_first_and_no_changes_nothing(uploading: Any) -> None:
    prompts = ScriptedPrompts(sign_out=False)
    uploading.set_prompts(prompts)
    uploading.sign_out_action.trigger()
    assert len(prompts.asked) == 1 and prompts.asked[0].startswith("sign out during upload")
    assert uploading.accounts.account is not None and uploading.flow.is_busy()


def test_yes_to_sign_out_during_an_upload_stops_it_then_signs_out(qtbot: Any, uploading: Any) -> None:
    prompts = ScriptedPrompts(sign_out=True)
    uploading.set_prompts(prompts)
    uploading.account_bar.sign_out_requested.emit()
    assert prompts.asked[0].startswith("sign out during upload")
    qtbot.waitUntil(lambda: uploading.accounts.account is None, timeout=20_000)
    assert not uploading.flow.is_busy()
    assert "failed" not in uploading.page.progress.stage_label.text().lower()


def test_a_file_dropped_mid_upload_is_queued_and_the_upload_goes_on(qtbot: Any, uploading: Any) -> None:
    drop_files(uploading, [BAD_FPS])
    qtbot.waitUntil(lambda: any(e.path == BAD_FPS for e in uploading.queue.entries), timeout=5_000)
    assert uploading.tabs.currentWidget() is uploading.page  # the progress stays in view
    message = uploading.statusBar().currentMessage()
    assert BAD_FPS.name in message and "Queue" in message
    assert uploading.flow.is_busy() and uploading.page.path != BAD_FPS


def test_the_draft_button_says_before_sending_that_drafts_carry_no_caption(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    from ui.post_form import DRAFT_TEXT

    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    form = win.page.form
    assert not form.draft_button.isEnabled() and not form.draft_note.isVisible()
    load_good_video(qtbot, win)
    assert form.draft_button.isEnabled() and form.draft_note.isVisible()
    assert form.draft_note.text() == DRAFT_TEXT
    assert "no caption" in DRAFT_TEXT and "TikTok app" in DRAFT_TEXT
    assert "TikTok app" in form.draft_button.accessibleDescription()
