"""Interrupted uploads at start: the banner, the History row in describe()'s words, and Resume from both."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from ui_helpers import GOOD, WindowFactory, sandbox_ctx, wait_ready

from core.errors import Cancelled
from core.models import PostSettings, PublishResult
from core.session import Callbacks, PostRequest, Session

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
MB = 1024 * 1024


def interrupted_upload(ctx: Any, sandbox: Any, video: Path) -> Any:
    """A post stopped after its first chunk (as a quit or a crash would leave it): INTERRUPTED, resumable."""
    cancel = threading.Event()

    def on_attempt(attempt: Any) -> None:
        if attempt.acked_bytes > 0:
            cancel.set()

    sandbox.config.slow_chunk_delay_s = 1.0
    settings = PostSettings(privacy_level="SELF_ONLY", title="resume me")
    try:
        with Session(ctx) as session:
            with pytest.raises(Cancelled):
                session.publish(
                    PostRequest(video, settings, chunk_size=5 * MB), Callbacks(on_attempt=on_attempt), cancel
                )
            (attempt,) = session.resumable()
    finally:
        sandbox.config.slow_chunk_delay_s = 0.0
    return attempt


def test_start_offers_to_resume_and_history_shows_the_interrupted_row(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    from mp4pad import pad_mp4

    video = pad_mp4(GOOD, tmp_path / "twelve.mp4", 12 * MB)
    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    attempt = interrupted_upload(ctx, sandbox, video)
    win = make_window(ctx)
    wait_ready(qtbot, win)
    qtbot.waitUntil(win.resume_banner.isVisible, timeout=10_000)
    banner = win.resume_banner.label.text()
    assert "Upload interrupted" in banner and "twelve.mp4" in banner and "Nothing was posted" in banner
    # The History tab: the row in describe()'s words, with Resume enabled.
    qtbot.waitUntil(lambda: len(win.history.rows) == 1, timeout=10_000)
    row = win.history.rows[0]
    assert row.status == "INTERRUPTED" and row.headline == "Upload interrupted"
    assert "Upload interrupted: " in win.history.tree.topLevelItem(0).text(3)
    win.history.select(row.attempt_id)
    assert win.history.resume_button.isEnabled() and win.history.check_button.isEnabled()
    results: list[PublishResult] = []
    win.controller.finished.connect(results.append)
    win.resume_button.click()  # the banner's Resume
    assert win.resume_banner.isHidden() and win.tabs.currentWidget() is win.page
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert results[0].resumed and results[0].publish_id == attempt.publish_id
    assert win.page.progress.stage_label.text() == "Published"
    assert sandbox.received(attempt.publish_id).size == 12 * MB


def test_resume_from_the_history_tab_uses_the_recorded_settings(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    from mp4pad import pad_mp4

    video = pad_mp4(GOOD, tmp_path / "twelve.mp4", 12 * MB)
    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    attempt = interrupted_upload(ctx, sandbox, video)
    win = make_window(ctx)
    wait_ready(qtbot, win)
    qtbot.waitUntil(lambda: len(win.history.rows) == 1, timeout=10_000)
    win.show_history_tab()
    win.history.select(win.history.rows[0].attempt_id)
    results: list[PublishResult] = []
    win.controller.finished.connect(results.append)
    win.history.resume_button.click()
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert results[0].resumed and results[0].publish_id == attempt.publish_id
    assert win.flow.last_job is not None and win.flow.last_job.settings.title == "resume me"
    qtbot.waitUntil(lambda: win.history.rows and win.history.rows[0].status == "PUBLISH_COMPLETE", timeout=10_000)
