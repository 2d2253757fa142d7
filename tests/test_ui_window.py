"""The window end to end against the sandbox: drops, checks, a full post, drafts, cancel, failures, closing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QSettings, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
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

from core.models import PublishResult

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

MB = 1024 * 1024


class UrlCatcher(QObject):
    """A QDesktopServices URL handler: what the app asked the system to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def big_video(path: Path, size: int) -> Path:
    """A valid MP4 of `size` bytes: the small test video plus a `free` box (see tests/mp4pad.py)."""
    from mp4pad import pad_mp4

    return pad_mp4(GOOD, path, size)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dropping_a_real_video_shows_its_facts(qtbot: Any, window: Any) -> None:
    event = drop_files(window, [GOOD])
    assert event.isAccepted()
    qtbot.waitUntil(lambda: window.page.inspection is not None, timeout=10_000)
    facts = window.page.facts
    assert facts.file_label.text() == GOOD.name
    assert facts.status_label.text() == "TikTok will accept this video."
    values = [facts.grid.itemAt(i).widget().text() for i in range(facts.grid.count())]
    assert any("720x1280" in v for v in values)
    assert any("30 fps" in v for v in values)
    assert any("H.264" in v for v in values)
    assert window.page.left.currentIndex() == 1
    assert window.page.video_blockers() == []


def test_a_bad_file_shows_every_problem_and_disables_post(qtbot: Any, window: Any) -> None:
    drop_files(window, [BAD_FPS])
    qtbot.waitUntil(lambda: window.page.inspection is not None, timeout=10_000)
    facts = window.page.facts
    assert facts.status_label.text() == "TikTok won't accept this video yet."
    texts = " ".join(facts.problem_texts())
    assert "10 fps" in texts and "23" in texts  # frame rate, with the allowed range
    assert "200x200" in texts or "360" in texts  # the picture is too small
    form = window.page.form
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    assert not form.post_button.isEnabled() and not form.draft_button.isEnabled()
    assert form.post_button.toolTip().startswith("Fix the video first:")
    assert form.why_label.text().startswith("Fix the video first:")


def test_a_text_file_named_mp4_is_a_clear_problem(qtbot: Any, window: Any) -> None:
    drop_files(window, [GOOD.parent / "text_renamed.mp4"])
    qtbot.waitUntil(lambda: window.page.inspection is not None, timeout=10_000)
    assert window.page.facts.status_label.text() == "TikTok won't accept this video yet."
    assert window.page.facts.problem_texts()
    assert not window.page.form.post_button.isEnabled()


def test_remote_urls_are_refused_with_a_message(qtbot: Any, window: Any) -> None:
    drop_files(window, urls=[QUrl("https://example.com/video.mp4")])
    assert "files on this computer" in window.page.drop_zone.message.text()
    assert window.page.path is None


def test_a_full_post_reaches_published_with_the_progress_shown(qtbot: Any, window: Any, sandbox: Any) -> None:
    load_good_video(qtbot, window)
    form = window.page.form
    form.caption.setPlainText("First post from the test #clipship")
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    form.allow_comment.setChecked(True)
    window.page.preview.slider.setValue(500)
    results: list[PublishResult] = []
    window.controller.finished.connect(results.append)
    form.post_button.click()
    progress = window.page.progress
    assert progress.isVisible()
    qtbot.waitUntil(lambda: bool(results), timeout=20_000)
    assert progress.stage_label.text() == "Published"
    assert progress.bar.value() == progress.bar.maximum()
    size = GOOD.stat().st_size
    assert progress.sent == size and progress.total == size
    assert "of" in progress.bytes_label.text()
    assert len(results) == 1 and results[0].status == "PUBLISH_COMPLETE"
    # A public post waits for its post id: the link is offered, opened with QDesktopServices, and copied.
    url = results[0].post_url
    assert url.startswith("https://www.tiktok.com/@sandbox.creator/video/")
    assert "The post is on TikTok." in progress.message_label.text() and "Post id" not in progress.message_label.text()
    assert progress.view_button.isVisible() and progress.copy_button.isVisible()
    opened = UrlCatcher()
    QDesktopServices.setUrlHandler("https", opened, "open")
    try:
        progress.view_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert opened.urls == [url]
    progress.copy_button.click()
    assert QGuiApplication.clipboard().text() == url
    received = sandbox.received(results[0].publish_id)
    assert received.sha256 == sha256(GOOD)
    qtbot.waitUntil(lambda: not window.controller.is_busy(), timeout=10_000)
    assert form.caption.toPlainText() == "" and form.privacy.currentIndex() == -1  # a fresh form next time
    # The same video stays loaded, now shown as already posted (not "TikTok will accept this video").
    facts = window.page.facts
    qtbot.waitUntil(lambda: facts.earlier_label.isVisible(), timeout=10_000)
    assert facts.status_label.text() == "Already posted to this account."
    assert "Posted on" in facts.earlier_label.text() and "@sandbox.creator" in facts.earlier_label.text()
    assert f'href="{url}"' in facts.earlier_label.text() and "View on TikTok" in facts.earlier_label.text()
    qtbot.waitUntil(lambda: len(window.history.rows) == 1, timeout=10_000)
    row = window.history.rows[0]
    assert row.publish_id == results[0].publish_id and row.status == "PUBLISH_COMPLETE"
    assert row.file == GOOD.name and row.post_url == url and row.headline == "Published"
    link = window.history.tree.itemWidget(window.history.tree.topLevelItem(0), 4)
    assert link is not None and url in link.text()
    window.history.select(row.attempt_id)
    assert not window.history.check_button.isEnabled()  # published with its link: nothing more to ask


def test_the_upload_reports_chunks_of_a_multi_chunk_file(qtbot: Any, window: Any, tmp_path: Path) -> None:
    video = big_video(tmp_path / "twelve.mp4", 12 * MB)
    window.ctx.config = window.ctx.config.with_(chunk_size=5 * MB)  # as the Settings dialog would set it
    load_good_video(qtbot, window, video)
    choose_privacy(window.page.form, "SELF_ONLY")
    stages: list[tuple[str, str]] = []
    window.controller.stage.connect(lambda s, d: stages.append((s, d)))  # runs on the GUI thread (relay)
    window.page.form.post_button.click()
    qtbot.waitUntil(window.page.progress.is_finished, timeout=30_000)
    assert window.page.progress.stage_label.text() == "Published"
    details = [d for s, d in stages if s == "uploading"]
    assert details and details[-1] == "chunk 2 of 2"
    assert window.page.progress.sent == 12 * MB


def test_send_to_inbox_as_draft(qtbot: Any, window: Any) -> None:
    load_good_video(qtbot, window)
    form = window.page.form
    assert form.draft_button.isEnabled()  # a draft needs no privacy choice: the creator finishes it in the app
    form.draft_button.click()
    progress = window.page.progress
    qtbot.waitUntil(progress.is_finished, timeout=20_000)
    assert progress.stage_label.text() == "Sent to your TikTok inbox"
    assert "inbox" in progress.message_label.text()


def test_cancel_mid_upload_stops_and_says_nothing_was_posted(
    qtbot: Any, window: Any, sandbox: Any, tmp_path: Path
) -> None:
    # Four chunks: when the first has gone out, the last is at least two slow chunks away (the client's socket
    # buffers hold megabytes, so "sent" runs ahead of what the server has read).
    video = big_video(tmp_path / "slow.mp4", 24 * MB)
    window.ctx.config = window.ctx.config.with_(chunk_size=5 * MB)
    sandbox.config.slow_chunk_delay_s = 3.0  # each chunk trickles in: the upload is surely under way
    load_good_video(qtbot, window, video)
    choose_privacy(window.page.form, "PUBLIC_TO_EVERYONE")
    window.page.form.post_button.click()
    progress = window.page.progress
    qtbot.waitUntil(lambda: progress.sent >= 5 * MB, timeout=20_000)  # the first chunk reached TikTok
    assert progress.cancel_button.text() == "Cancel"
    progress.cancel_button.click()
    qtbot.waitUntil(progress.is_finished, timeout=5_000)  # Cancel stops the upload within a second or so
    assert progress.stage_label.text() == "Upload interrupted"
    message = progress.message_label.text()
    assert "Nothing was posted" in message and "can be resumed" in message and "reached TikTok" in message
    assert progress.action_button.text() == "Resume"
    qtbot.waitUntil(lambda: not window.controller.is_busy(), timeout=5_000)
    sandbox.config.slow_chunk_delay_s = 0.0
    # Resume posts the same file with the same settings; the core sends only what TikTok lacks.
    first = window.flow.attempt
    results: list[PublishResult] = []
    window.controller.finished.connect(results.append)
    progress.action_button.click()
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert results[0].resumed and results[0].publish_id == first.publish_id
    assert progress.stage_label.text() == "Published"
    assert sandbox.received(results[0].publish_id).sha256 == sha256(video)


def test_stop_watching_after_the_last_byte_is_neutral(qtbot: Any, window: Any, sandbox: Any) -> None:
    sandbox.config.processing_delay_s = 30.0  # TikTok takes its time after the last byte
    load_good_video(qtbot, window)
    choose_privacy(window.page.form, "SELF_ONLY")
    window.page.form.post_button.click()
    progress = window.page.progress
    qtbot.waitUntil(lambda: progress.stage == "processing", timeout=10_000)
    assert progress.cancel_button.text() == "Stop watching"
    progress.cancel_button.click()
    qtbot.waitUntil(progress.is_finished, timeout=10_000)
    assert progress.stage_label.text() == "Stopped watching"
    message = progress.message_label.text()
    assert "will still process" in message and "History" in message
    assert "Nothing was posted" not in message and "ancel" not in progress.stage_label.text()
    assert progress.property("state") == "detached"
    qtbot.waitUntil(lambda: not window.controller.is_busy(), timeout=5_000)
    # The History tab shows the attempt as TikTok's to decide, and Check status may ask again.
    qtbot.waitUntil(lambda: len(window.history.rows) == 1, timeout=10_000)
    row = window.history.rows[0]
    assert row.status in ("PROCESSING_UPLOAD", "UPLOADED") and row.checkable
    sandbox.config.processing_delay_s = 0.05


def test_a_detached_worker_is_shown_as_stopped_watching_not_cancelled(qtbot: Any) -> None:
    from core.errors import Detached
    from ui.progress_panel import ProgressPanel

    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.begin("video.mp4", draft=False)
    panel.show_stopped(Detached("Stopped watching.", ""))  # even with no stage seen
    assert panel.stage_label.text() == "Stopped watching"
    assert "Nothing was posted" not in panel.message_label.text()
    panel.begin("video.mp4", draft=False)
    panel.on_progress(100, 100)  # every byte sent: a plain Cancelled can no longer mean "nothing was posted"
    assert panel.cancel_button.text() == "Stop watching"
    from core.errors import Cancelled

    panel.show_stopped(Cancelled("Cancelled.", ""))
    assert panel.stage_label.text() == "Stopped watching"


def test_a_failure_shows_its_message_next_step_and_log_id(qtbot: Any, window: Any, sandbox: Any) -> None:
    sandbox.config.final_fail_reason = "frame_rate_check_failed"
    load_good_video(qtbot, window)
    choose_privacy(window.page.form, "PUBLIC_TO_EVERYONE")
    window.page.form.post_button.click()
    progress = window.page.progress
    qtbot.waitUntil(progress.is_finished, timeout=20_000)
    assert progress.stage_label.text() == "Failed"
    message = progress.message_label.text()
    assert "frame rate" in message and "frame_rate_check_failed" not in message  # plain words, no codes
    assert progress.action_button.isVisible() and progress.action_button.text() == "Fix the file"
    # The code and the log id are behind Details, with Copy details.
    details = progress.details
    assert details.isVisible() and details.text.isHidden()
    details.toggle.click()
    assert details.text.isVisible() and details.copy_button.isVisible()
    assert "fail_reason: frame_rate_check_failed" in details.details() and "TikTok log id: " in details.details()


def test_an_api_refusal_offers_the_right_step_and_the_unaudited_banner(qtbot: Any, window: Any, sandbox: Any) -> None:
    sandbox.config.audited = False  # the account is public: TikTok refuses an unaudited client's post
    load_good_video(qtbot, window)
    choose_privacy(window.page.form, "SELF_ONLY")
    assert window.unaudited_banner.isHidden()
    window.page.form.post_button.click()
    progress = window.page.progress
    qtbot.waitUntil(progress.is_finished, timeout=20_000)
    assert progress.stage_label.text() == "Failed"
    assert "private" in progress.message_label.text().lower()
    assert "log_id" not in progress.message_label.text() and "TikTok log id: " in progress.details.details()
    assert window.unaudited_banner.isVisible()
    # From now on the form offers only "Only me" (still chosen by the user: no default) and says why.
    form = window.page.form
    assert [form.privacy.itemData(i) for i in range(form.privacy.count())] == ["SELF_ONLY"]
    assert form.privacy_note.isVisibleTo(window) and "not audited" in form.privacy_note.text()
    queue_form = window.queue_page.form
    assert all(queue_form.privacy.itemData(i) == "SELF_ONLY" for i in range(queue_form.privacy.count()))


def test_closing_during_an_upload_asks_then_cancels_cleanly(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    video = big_video(tmp_path / "slow.mp4", 12 * MB)
    sandbox.config.slow_chunk_delay_s = 20.0
    load_good_video(qtbot, win, video)
    choose_privacy(win.page.form, "PUBLIC_TO_EVERYONE")
    win.page.form.post_button.click()
    qtbot.waitUntil(lambda: win.page.progress.stage == "uploading", timeout=10_000)
    prompts = ScriptedPrompts(close=False)  # the user says "No"
    win.set_prompts(prompts)
    assert not win.close()
    assert prompts.asked == ["close (every byte sent: False)"] and win.controller.is_busy()
    thread = win.controller.upload_thread
    prompts.close = True  # now "Yes"
    assert win.close()
    assert thread is not None and thread.isFinished()


def test_geometry_is_remembered(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory) -> None:
    ctx = sandbox_ctx(sandbox, tmp_path / "data", sign_in=False)
    first = make_window(ctx)
    first.resize(first.minimumSizeHint().width(), 700)  # the offscreen screen is only 800x800
    size = (first.width(), first.height())
    first.close()
    assert QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat).value("window/geometry") is not None
    second = make_window(ctx)
    assert (second.width(), second.height()) == size
    assert second.height() == 700


def test_signed_out_window_offers_sign_in_and_blocks_posting(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data", sign_in=False))
    qtbot.waitUntil(lambda: win.page.form.creator_status.text() == "Sign in to TikTok to post.", timeout=10_000)
    assert win.account_bar.sign_in_button.isVisible()
    assert win.account_bar.nickname.text() == "Not signed in"
    load_good_video(qtbot, win)
    assert not win.page.form.post_button.isEnabled() and not win.page.form.draft_button.isEnabled()
    assert "Sign in" in win.page.form.post_button.toolTip()


def test_menus_and_shortcuts(window: Any) -> None:
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert "About" in window.about_action.text()
    from core import __version__
    from ui.about import about_text

    assert __version__ in about_text(True)


@pytest.mark.qt_log_ignore("does not support raise", "does not support propagateSizeHints")  # offscreen
def test_a_file_the_system_opens_with_the_app_is_loaded(qtbot: Any, window: Any) -> None:
    """macOS hands a running app a file as a QFileOpenEvent (Finder's "Open With", a drop on the Dock icon)."""
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from ui.file_open import FileOpenHandler

    app = QApplication.instance()
    handler = FileOpenHandler(window)
    app.installEventFilter(handler)
    try:
        assert QApplication.sendEvent(app, QFileOpenEvent(str(GOOD)))
        qtbot.waitUntil(
            lambda: window.page.inspection is not None and window.page.inspection.path == GOOD, timeout=10_000
        )
    finally:
        app.removeEventFilter(handler)


def test_history_names_a_photo_post_by_its_photos(qtbot: Any, window: Any, sandbox: Any) -> None:
    """A post made from URLs (here through the same core session the window uses) has no local file: the History
    row says what it was, with every URL in the tooltip, and takes no thumbnail from a file."""
    from core.models import PhotoSettings
    from core.urlpost import KIND_PHOTOS, UrlPostRequest

    urls = (f"{sandbox.media_base_url}/media/photo_720x720.jpg", f"{sandbox.media_base_url}/media/photo_1080x1920.jpg")
    window.ctx.config = window.ctx.config.with_(media_ca=sandbox.media_ca)
    session = window.session
    result = session.publish_urls(UrlPostRequest(KIND_PHOTOS, urls, PhotoSettings(privacy_level="SELF_ONLY")))
    assert result.status == "PUBLISH_COMPLETE"
    window.history_controller.refresh()
    qtbot.waitUntil(lambda: len(window.history.rows) == 1, timeout=10_000)
    row = window.history.rows[0]
    assert row.file == "2 photos from localhost"  # as the command line's history says it
    item = window.history.tree.topLevelItem(0)
    assert item.text(0) == row.file and urls[0] in item.toolTip(0) and urls[1] in item.toolTip(0)
    assert item.icon(0).isNull()
