"""The posting queue in the window, against the sandbox: several videos, schedule, post now, remove, reorder,
a failure with its reason, missed items, the 24 h count, and closing with posts waiting (tray or quit)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon
from ui_helpers import (
    GOOD,
    ScriptedPrompts,
    WindowFactory,
    answer_message_box,
    choose_privacy,
    drop_files,
    sandbox_ctx,
    wait_ready,
)

from core.models import PostSettings
from core.queue import Queue
from core.session import Session

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise")

PRIVATE = PostSettings(privacy_level="SELF_ONLY", title="queued by a test")


def videos(folder: Path, n: int) -> list[Path]:
    """n different valid videos (different sizes, so different fingerprints: none is a re-post of another)."""
    from mp4pad import pad_mp4

    folder.mkdir(parents=True, exist_ok=True)
    base = GOOD.stat().st_size
    return [pad_mp4(GOOD, folder / f"clip-{i + 1}.mp4", base + 4096 * (i + 1)) for i in range(n)]


def headlines(window: Any) -> list[str]:
    model = window.queue_page.model
    return [str(model.data(model.index(r))).split("\n")[1].split(" \u2014 ")[0] for r in range(model.rowCount())]


def names(window: Any) -> list[str]:
    return [e.path.name for e in window.queue_page.model.entries]


def entry_named(window: Any, name: str) -> Any:
    return next((e for e in window.queue.entries if e.path.name == name), None)


def select(window: Any, name: str) -> None:
    entry = entry_named(window, name)
    assert entry is not None, f"{name} is not in the list"
    window.queue_page.select(entry.key)
    assert window.queue_page.current_key() == entry.key


def state_of(window: Any, name: str) -> str:
    entry = entry_named(window, name)
    return entry.state(window.queue.now()) if entry is not None else ""


class RecordingTray(QSystemTrayIcon):
    """A tray icon that records its notifications instead of asking the desktop."""

    messages: list[tuple[str, str]] = []

    def __init__(self, parent: Any) -> None:
        super().__init__(parent)
        self.shown = False

    def show(self) -> None:
        self.shown = True

    def hide(self) -> None:
        self.shown = False

    def isVisible(self) -> bool:
        return self.shown

    def showMessage(self, title: str, msg: str, *args: Any) -> None:  # type: ignore[override]
        RecordingTray.messages.append((title, msg))


def with_tray(window: Any) -> None:
    RecordingTray.messages = []
    window.tray.available = lambda: True
    window.tray.factory = RecordingTray


def test_three_dropped_videos_become_three_items_each_with_its_own_form(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    a, b, c = videos(tmp_path / "in", 3)
    event = drop_files(window, [a, b, c])
    assert event.isAccepted()
    qtbot.waitUntil(lambda: names(window) == ["clip-1.mp4", "clip-2.mp4", "clip-3.mp4"], timeout=5000)
    assert window.tabs.currentWidget() is window.queue_page
    qtbot.waitUntil(lambda: headlines(window) == ["Not scheduled yet"] * 3, timeout=10_000)
    wait_ready(qtbot, window)  # dropping files asks for fresh creator_info: Post waits for it
    form = window.queue_page.form
    # The same audit rules as a single post: no privacy chosen, toggles off, the consent line, Post disabled.
    select(window, "clip-1.mp4")
    assert form.privacy_level() is None and not form.allow_comment.isChecked() and not form.disclose.isChecked()
    assert "Music Usage Confirmation" in form.consent_plain()
    assert not form.post_button.isEnabled() and not form.schedule_button.isEnabled()
    assert form.post_button.text() == "Post now" and form.schedule_button.text() == "Schedule\u2026"
    choose_privacy(form, "SELF_ONLY")
    form.caption.setPlainText("first of three")
    assert form.post_button.isEnabled() and form.schedule_button.isEnabled(), form.direct_blockers()
    select(window, "clip-2.mp4")
    assert form.privacy_level() is None and form.caption.toPlainText() == ""  # its own settings
    select(window, "clip-1.mp4")
    assert form.privacy_level() == "SELF_ONLY" and form.caption.toPlainText() == "first of three"
    # Remove one (not queued yet: it just leaves the list); reorder the others with Move down.
    select(window, "clip-2.mp4")
    window.queue_page.remove_button.click()
    assert names(window) == ["clip-1.mp4", "clip-3.mp4"]
    select(window, "clip-1.mp4")
    window.queue_page.down_button.click()
    assert names(window) == ["clip-3.mp4", "clip-1.mp4"]


def test_scheduled_item_posts_at_its_time_and_post_now_posts_at_once(
    qtbot: Any, window: Any, tmp_path: Path, sandbox: Any
) -> None:
    with_tray(window)
    a, b = videos(tmp_path / "in", 2)
    drop_files(window, [a, b])
    qtbot.waitUntil(lambda: headlines(window) == ["Not scheduled yet"] * 2, timeout=10_000)
    wait_ready(qtbot, window)  # dropping files asks for fresh creator_info: Post waits for it
    form = window.queue_page.form
    at = time.time() + 4
    window.set_prompts(ScriptedPrompts(when=at))
    select(window, "clip-1.mp4")
    choose_privacy(form, "SELF_ONLY")
    form.schedule_button.click()
    qtbot.waitUntil(lambda: state_of(window, "clip-1.mp4") == "scheduled", timeout=5000)
    entry = entry_named(window, "clip-1.mp4")
    assert entry.item.at == pytest.approx(at) and entry.item.settings.privacy_level == "SELF_ONLY"
    headline = headlines(window)[names(window).index("clip-1.mp4")]
    assert headline.startswith("Scheduled for ") and "(UTC" in headline  # local time with its zone
    assert window.tray.next_action.text().startswith("Next post: clip-1.mp4 at ")
    # Post the other one now: it is posted before the scheduled one.
    select(window, "clip-2.mp4")
    choose_privacy(form, "SELF_ONLY")
    form.allow_comment.setChecked(True)
    form.post_button.click()
    qtbot.waitUntil(lambda: state_of(window, "clip-2.mp4") == "published", timeout=20_000)
    assert state_of(window, "clip-1.mp4") in ("scheduled", "posting")
    qtbot.waitUntil(lambda: state_of(window, "clip-1.mp4") == "published", timeout=30_000)
    assert time.time() >= at
    posted = entry_named(window, "clip-2.mp4").item
    assert posted.settings.disable_comment is False  # the form's choices went with it
    published = [m for m in RecordingTray.messages if m[0] == "Posted to TikTok"]
    assert {m[1].split(" ")[0] for m in published} == {"clip-1.mp4", "clip-2.mp4"}
    qtbot.waitUntil(lambda: window.account_bar.cap_label.text() == "2 of about 15 posts today", timeout=10_000)
    assert window.account_bar.cap_label.isVisible()


def test_a_failed_item_shows_its_reason_and_retry(qtbot: Any, window: Any, tmp_path: Path) -> None:
    (clip,) = videos(tmp_path / "in", 1)
    window.set_prompts(ScriptedPrompts(when=time.time() + 3))
    window.load_video(clip)  # one video: the Post tab, which can schedule too
    qtbot.waitUntil(lambda: window.page.inspection is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not window.accounts.creator_loading, timeout=10_000)
    choose_privacy(window.page.form, "SELF_ONLY")
    window.page.form.schedule_button.click()
    assert window.tabs.currentWidget() is window.queue_page and window.page.path is None
    qtbot.waitUntil(lambda: state_of(window, "clip-1.mp4") == "scheduled", timeout=5000)
    with open(clip, "r+b") as fh:  # the file changes before its time
        fh.seek(-10, 2)
        fh.write(b"changed!!!")
    qtbot.waitUntil(lambda: state_of(window, "clip-1.mp4") == "failed", timeout=20_000)
    select(window, "clip-1.mp4")
    page = window.queue_page
    assert "The file changed after it was queued" in page.item_state.text()
    assert page.retry_button.isVisible() and not page.remove_button.isEnabled()
    assert not page.form.isEnabled()


def test_queued_items_are_reordered_and_removed_in_the_queue(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    ctx = sandbox_ctx(sandbox, tmp_path / "data", sign_in=False)  # nobody signed in: the runner waits
    clips = videos(tmp_path / "in", 3)
    with Session(ctx) as session:
        queue = Queue(session.history)
        for clip in clips:
            queue.add(clip, PRIVATE)
            time.sleep(0.01)  # real, different times of adding
    window = make_window(ctx)
    qtbot.waitUntil(lambda: names(window) == ["clip-1.mp4", "clip-2.mp4", "clip-3.mp4"], timeout=10_000)
    assert headlines(window) == ["Up next"] * 3
    select(window, "clip-3.mp4")
    window.queue_page.up_button.click()
    qtbot.waitUntil(lambda: names(window) == ["clip-1.mp4", "clip-3.mp4", "clip-2.mp4"], timeout=10_000)
    # Drag and drop: clip-2 dropped before clip-1 (the model's drop, as the list view makes it).
    model = window.queue_page.model
    data = model.mimeData([model.index(2)])
    from PySide6.QtCore import QModelIndex, Qt

    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex()) is False
    qtbot.waitUntil(lambda: names(window) == ["clip-2.mp4", "clip-1.mp4", "clip-3.mp4"], timeout=10_000)
    with Session(ctx) as session:
        assert [Path(i.path).name for i in Queue(session.history).items()] == names(window)  # what a runner claims
    select(window, "clip-1.mp4")
    window.queue_page.remove_button.click()
    qtbot.waitUntil(lambda: state_of(window, "clip-1.mp4") in ("", "cancelled"), timeout=10_000)
    assert names(window)[:2] == ["clip-2.mp4", "clip-3.mp4"]


def test_missed_items_are_asked_about_then_posted_with_a_banner(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    (clip,) = videos(tmp_path / "in", 1)
    with Session(ctx) as session:
        Queue(session.history).add(clip, PRIVATE, at=time.time() - 3600)  # the computer was off an hour ago
    QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat).setValue(
        "queue/ask_before_posting_missed", "true"
    )
    from ui.main_window import MainWindow

    window = MainWindow(ctx, settings_path=tmp_path / "window.ini")
    prompts = ScriptedPrompts(post_missed=False)
    window.set_prompts(prompts)
    qtbot.addWidget(window)
    make_window.windows.append(window)
    window.show()
    page = window.queue_page
    qtbot.waitUntil(lambda: not page.late_banner.isHidden(), timeout=10_000)
    assert page.ask_missed.isChecked()
    assert prompts.asked and prompts.asked[0].startswith("post missed: clip-1.mp4 (due ")
    assert "missed its time" in page.late_banner.label.text() and not page.post_missed_button.isHidden()
    qtbot.wait(1500)
    assert state_of(window, "clip-1.mp4") == "queued"  # held: not posted without the user's word
    page.post_missed_button.click()
    qtbot.waitUntil(lambda: state_of(window, "clip-1.mp4") == "published", timeout=20_000)


def test_closing_with_scheduled_items_offers_the_tray(qtbot: Any, window: Any, tmp_path: Path) -> None:
    (clip,) = videos(tmp_path / "in", 1)
    window.queue.add_item(clip, PRIVATE, time.time() + 3600)
    qtbot.waitUntil(lambda: state_of(window, "clip-1.mp4") == "scheduled", timeout=5000)
    # No tray on this desktop: closing asks whether to quit with posts waiting; No keeps the window.
    window.tray.available = lambda: False
    prompts = ScriptedPrompts(quit_pending=False)
    window.set_prompts(prompts)
    assert not window.close()
    assert window.isVisible() and prompts.asked[-1].startswith("quit with 1 pending (next post: clip-1.mp4 at ")
    # A tray: asked once whether to keep running there (a real message box, answered Yes).
    with_tray(window)
    from ui.prompts import Prompts

    window.set_prompts(Prompts())
    answered = answer_message_box(QMessageBox.StandardButton.Yes, 200)
    assert not window.close()
    assert answered and "Keep Clipship running in the system tray" in answered[0]
    assert not window.isVisible() and window.tray.is_shown()
    assert window.tray.next_action.text().startswith("Next post: clip-1.mp4 at ")
    assert [a.text() for a in window.tray.menu.actions() if a.text()][1:] == ["Open Clipship", "Quit"]
    window.tray.open_action.trigger()
    assert window.isVisible()
    window.set_prompts(ScriptedPrompts())  # not asked again: the answer stands for this run
    assert not window.close() and not window.isVisible()
    quits: list[bool] = []
    window.quit_requested.connect(lambda: quits.append(True))
    window.tray.quit_action.trigger()
    assert quits == [True] and not window.tray.is_shown()


def test_a_failed_item_says_why_in_plain_words_with_the_code_behind_details(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    sandbox.config.final_fail_reason = "frame_rate_check_failed"  # TikTok processes it, then refuses it
    (clip,) = videos(tmp_path / "in", 1)
    with Session(ctx) as session:
        Queue(session.history).add(clip, PRIVATE)
    window = make_window(ctx)
    qtbot.waitUntil(lambda: state_of(window, "clip-1.mp4") == "failed", timeout=30_000)
    select(window, "clip-1.mp4")
    page = window.queue_page
    text = page.item_state.text()
    assert "frame rate" in text and "frame_rate_check_failed" not in text
    window.show_queue_tab()
    assert page.item_details.isVisibleTo(window) and page.item_details.text.isHidden()
    page.item_details.toggle.click()
    assert "fail_reason: frame_rate_check_failed" in page.item_details.details()
    assert "publish_id: " in page.item_details.details()
    sandbox.config.final_fail_reason = None
