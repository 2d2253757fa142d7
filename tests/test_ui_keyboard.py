"""With the keyboard alone: a whole post from the caption to Published, and Esc closing the real dialogs (opened
by their shortcuts and answered by key presses from a timer, not faked)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from ui_helpers import load_good_video

from ui.prompts import Prompts

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def press_escape_in_the_dialog(seen: list[str]) -> None:
    """From a timer, like a user at the keyboard: Esc goes to whatever modal dialog is open."""

    def press() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            seen.append(dialog.windowTitle())
            focus = dialog.focusWidget() or dialog
            from PySide6.QtTest import QTest

            QTest.keyClick(focus, Qt.Key.Key_Escape)
        else:
            QTimer.singleShot(50, press)  # not open yet

    QTimer.singleShot(100, press)


def test_ctrl_comma_opens_settings_and_escape_closes_it(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    seen: list[str] = []
    press_escape_in_the_dialog(seen)
    window.settings_action_triggered()  # what Ctrl+, triggers (the shortcut itself: test_ui_access)
    qtbot.waitUntil(lambda: seen == ["Settings"], timeout=5_000)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5_000)


def test_escape_closes_the_schedule_dialog_and_nothing_is_queued(qtbot: Any, window: Any) -> None:
    window.set_prompts(Prompts())  # the real dialogs
    load_good_video(qtbot, window)
    form = window.page.form
    form.privacy.setCurrentIndex(form.privacy.findData("SELF_ONLY"))
    assert form.schedule_button.isEnabled()
    seen: list[str] = []
    press_escape_in_the_dialog(seen)
    form.schedule_button.click()
    assert seen and "Schedule" in seen[0]
    qtbot.wait(200)
    assert window.queue.entries == [] and not window.flow.is_busy()


def test_a_whole_post_with_the_keyboard_alone(qtbot: Any, window: Any) -> None:
    load_good_video(qtbot, window)
    form = window.page.form
    window.activateWindow()
    form.caption.setFocus()
    qtbot.keyClicks(form.caption, "typed at the keyboard #keys")
    qtbot.keyClick(form.caption, Qt.Key.Key_Tab)  # Tab leaves the caption (captions take no tab characters)
    assert form.privacy.hasFocus() or QApplication.focusWidget() is form.privacy
    qtbot.keyClick(form.privacy, Qt.Key.Key_Down)  # the first real choice (no default before it)
    assert form.privacy_level() is not None
    while form.privacy_level() != "SELF_ONLY":
        qtbot.keyClick(form.privacy, Qt.Key.Key_Down)
    qtbot.keyClick(form.privacy, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.allow_comment
    qtbot.keyClick(form.allow_comment, Qt.Key.Key_Space)
    assert form.allow_comment.isChecked()
    qtbot.keyClick(form.allow_comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    progress = window.page.progress
    qtbot.waitUntil(progress.is_finished, timeout=30_000)
    assert progress.stage_label.text() == "Published"
    attempt = window.flow.attempt
    assert attempt is not None and attempt.settings["title"] == "typed at the keyboard #keys"
    assert attempt.settings["privacy_level"] == "SELF_ONLY" and not attempt.settings["disable_comment"]


def test_space_plays_the_preview_only_when_it_has_the_focus(qtbot: Any, window: Any) -> None:
    load_good_video(qtbot, window)
    preview = window.page.preview
    qtbot.waitUntil(preview.scrubber.isEnabled, timeout=10_000)
    window.page.form.allow_duet.setFocus()
    qtbot.keyClick(window.page.form.allow_duet, Qt.Key.Key_Space)  # a checkbox: Space ticks it, nothing plays
    assert window.page.form.allow_duet.isChecked() and not preview.player.playing
    preview.scrubber.setFocus()
    qtbot.keyClick(preview.scrubber, Qt.Key.Key_Space)
    assert preview.player.playing
    qtbot.keyClick(preview.scrubber, Qt.Key.Key_Space)
    assert not preview.player.playing
