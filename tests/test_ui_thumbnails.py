"""First-frame thumbnails in History and the Queue, decoded by PyAV on the task runner (never the GUI thread)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from ui_helpers import GOOD, WindowFactory, drop_files, sandbox_ctx, wait_ready

from ui.tasks import TaskRunner
from ui.thumbnails import Thumbnails

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def test_thumbnails_are_decoded_off_the_gui_thread_and_cached(qtbot: Any, media: Path) -> None:
    runner = TaskRunner()
    thumbs = Thumbnails(runner)
    try:
        path = media / "h264_1280x720_rot90.mp4"
        assert thumbs.icon(path) is None  # asked for: it arrives later
        with qtbot.waitSignal(thumbs.ready, timeout=10_000) as blocker:
            pass
        assert blocker.args == [str(path)]
        icon = thumbs.icon(path)
        assert isinstance(icon, QIcon) and not icon.isNull()
        size = icon.availableSizes()[0]
        assert size.height() == 48 and size.width() < 30  # upright: a portrait picture (rotation applied)
        assert thumbs.icon(media / "text_renamed.mp4") is None
        qtbot.waitUntil(lambda: runner.pending() == 0, timeout=10_000)
        assert thumbs.icon(media / "text_renamed.mp4") is None  # no picture, and not asked again
        assert thumbs.icon(media / "missing.mp4") is None
    finally:
        runner.shutdown()


def test_history_and_queue_rows_show_the_first_frame(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory, media: Path
) -> None:
    from core.models import PostSettings
    from core.session import PostRequest, Session

    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    with Session(ctx) as session:
        session.publish(PostRequest(GOOD, PostSettings(privacy_level="SELF_ONLY"), wait=False))
    win = make_window(ctx)
    wait_ready(qtbot, win)
    qtbot.waitUntil(lambda: len(win.history.rows) == 1, timeout=10_000)
    tree = win.history.tree  # rows are rebuilt on each refresh: look the item up each time
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1 and not tree.topLevelItem(0).icon(0).isNull(), timeout=10_000)

    videos = []
    for name in ("h264_720x1280_30fps.mp4", "vp9_720x1280_30fps.webm"):
        shutil.copyfile(media / name, tmp_path / name)
        videos.append(tmp_path / name)
    drop_files(win, videos)  # several at once go to the queue
    model = win.queue_page.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10_000)
    for row in range(2):
        qtbot.waitUntil(
            lambda r=row: isinstance(model.data(model.index(r), Qt.ItemDataRole.DecorationRole), QIcon),
            timeout=10_000,
        )
