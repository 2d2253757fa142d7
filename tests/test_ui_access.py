"""Keyboard and screen readers: accessible names, label buddies, tab order, focus rings and shortcuts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from test_ui_theme import themed  # noqa: F401  (the fixture)
from ui_helpers import choose_privacy, load_good_video, sandbox_ctx, wait_ready

from ui.theme import ThemeWatcher

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def window(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any) -> Any:
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    load_good_video(qtbot, win)
    return win


def test_every_control_has_an_accessible_name(window: Any) -> None:
    form, page = window.page.form, window.page
    expected = {
        form.caption: "Caption",
        form.privacy: "Who can see this video",
        page.preview.slider: "Cover frame",
        form.allow_comment: "Allow comments",
        form.allow_duet: "Allow Duet",
        form.allow_stitch: "Allow Stitch",
        form.disclose: "Disclose video content",
        form.your_brand: "Your brand",
        form.branded: "Branded content",
        form.aigc: "AI-generated content",
        form.post_button: "Post now",
        form.schedule_button: "Schedule",
        form.draft_button: "Send to inbox as draft",
        page.other_button: "Choose another video",
        page.remove_button: "Remove video",
        window.account_bar.account_button: "Account",
        window.queue_page.list: "Posting queue",
        window.history.tree: "Post history",
    }
    for widget, name in expected.items():
        assert widget.accessibleName() == name
    for widget in (form.caption, form.privacy, page.preview.slider, form.draft_button, window.history.tree):
        assert widget.accessibleDescription(), widget.accessibleName()


def test_field_headings_are_buddies_of_their_fields(window: Any) -> None:
    form = window.page.form
    buddies = {label.text(): label.buddy() for label in form.findChildren(QLabel, "fieldHeading")}
    assert buddies["Caption"] is form.caption
    assert buddies["Who can see this video"] is form.privacy
    assert buddies["Allow users to"] is form.allow_comment


def test_tab_order_follows_the_form_top_to_bottom(window: Any) -> None:
    form = window.page.form
    choose_privacy(form, "SELF_ONLY")

    def tabbable(w: QWidget) -> bool:
        return bool(w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus)

    order = [form.caption]
    while len(order) < 12:
        order.append(order[-1].nextInFocusChain())
        while not tabbable(order[-1]):
            order[-1] = order[-1].nextInFocusChain()
    names = [w.accessibleName() or f"{type(w).__name__}:{w.objectName()}" for w in order]
    wanted = [
        "Caption",
        "Who can see this video",
        "Allow comments",
        "Allow Duet",
        "Allow Stitch",
        "Disclose video content",
        "AI-generated content",
    ]
    assert names[: len(wanted)] == wanted, names
    after = names[len(wanted) :]
    assert after.index("Send to inbox as draft") < after.index("Schedule") < after.index("Post now")


def test_ctrl_return_posts_when_post_is_enabled(qtbot: Any, window: Any) -> None:
    form = window.page.form
    posted: list[bool] = []
    form.post_requested.connect(lambda: posted.append(True))
    form.caption.setFocus()
    qtbot.keyClick(form.caption, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert posted == [] and not form.post_button.isEnabled()  # no privacy chosen yet: nothing happens
    choose_privacy(form, "SELF_ONLY")
    assert form.post_button.isEnabled()
    qtbot.keyClick(form.caption, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert posted == [True]
    assert form.caption.toPlainText() == ""  # the shortcut posts; it does not type a new line
    qtbot.waitUntil(lambda: window.page.progress.isVisible(), timeout=10_000)


def test_ctrl_comma_opens_settings(window: Any) -> None:
    assert QKeySequence("Ctrl+,") in window.settings_action.shortcuts()


def focus_ring_pixels(widget: QWidget) -> int:
    """How many pixels change between the widget unfocused and focused."""
    widget.clearFocus()
    QApplication.processEvents()
    before = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    after = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = min(before.width(), after.width()), min(before.height(), after.height())
    return sum(before.pixel(x, y) != after.pixel(x, y) for y in range(h) for x in range(w))


def test_focus_is_visible_on_every_focusable_control(
    qtbot: Any,
    sandbox: Any,
    tmp_path: Path,
    make_window: Any,
    themed: ThemeWatcher,  # noqa: F811
) -> None:
    themed.apply_scheme(False)
    window = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, window)
    load_good_video(qtbot, window)
    window.activateWindow()
    form, page = window.page.form, window.page
    choose_privacy(form, "SELF_ONLY")
    controls = [
        form.post_button,
        form.draft_button,
        form.schedule_button,
        page.other_button,
        page.remove_button,
        form.allow_comment,
        form.aigc,
        form.disclose,
        window.account_bar.account_button,
        page.preview.slider,
    ]
    unchanged = [c.accessibleName() for c in controls if c.isVisible() and focus_ring_pixels(c) < 20]
    assert not unchanged, f"no visible focus on: {unchanged}"
