""" "Make it TikTok-ready" in the window: shown for a refused video, a range, progress, Cancel, the copy loaded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from ui_helpers import WindowFactory, load_good_video, sandbox_ctx, wait_ready

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def window(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory) -> Any:
    sandbox.config.creator.max_video_post_duration_sec = 300
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    return win


def _copy(media: Path, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "videos"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(media / name, folder / name)
    return folder / name


def _open_dialog(qtbot: Any, window: Any, video: Path) -> Any:
    load_good_video(qtbot, window, video)
    qtbot.waitUntil(lambda: window.page.inspection.limits.max_duration_s == 300, timeout=10_000)
    page = window.page
    qtbot.waitUntil(lambda: page.fix_button.isVisible(), timeout=10_000)
    page.fix_button.click()
    assert page.fix_dialog is not None
    return page.fix_dialog


def test_a_good_video_offers_no_fix(qtbot: Any, window: Any, media: Path) -> None:
    load_good_video(qtbot, window, media / "h264_720x1280_30fps.mp4")
    assert not window.page.fix_button.isVisible()


def test_a_10_fps_video_is_fixed_and_the_copy_loaded(qtbot: Any, window: Any, media: Path, tmp_path: Path) -> None:
    video = _copy(media, tmp_path, "h264_720x1280_10fps.mp4")
    dialog = _open_dialog(qtbot, window, video)
    assert not dialog.pad_box.isEnabled()  # portrait: no 9:16 framing to offer
    dialog.start_button.click()
    fixed = video.with_name("h264_720x1280_10fps.tiktok.mp4")
    qtbot.waitUntil(lambda: window.page.path == fixed, timeout=20_000)
    qtbot.waitUntil(lambda: window.page.inspection is not None and window.page.inspection.path == fixed, timeout=10_000)
    assert not window.page.inspection.blocking
    assert not window.page.fix_button.isVisible()
    assert video.is_file()  # the original stays


def test_the_long_clip_is_trimmed_to_the_picked_range(qtbot: Any, window: Any, media: Path, tmp_path: Path) -> None:
    video = _copy(media, tmp_path, "h264_360x640_24fps_12min.mp4")
    dialog = _open_dialog(qtbot, window, video)
    assert dialog.end_box.value() == pytest.approx(299.9)  # the creator's 5 minutes, by default from the start
    window.page.preview.player.seek(45_000)  # the dialog leaves the preview usable: scrub, then take its position
    qtbot.waitUntil(lambda: window.page.preview.position_ms() == 45_000, timeout=10_000)
    dialog.start_here.click()
    assert dialog.start_box.value() == pytest.approx(45)
    dialog.start_box.setValue(60)
    dialog.end_box.setValue(400)
    dialog.start_button.click()
    assert "5 min" in dialog.status.text()  # longer than the creator may post: refused before any work
    dialog.end_box.setValue(90)
    dialog.start_button.click()
    fixed = video.with_name(video.stem + ".tiktok.mp4")
    qtbot.waitUntil(lambda: window.page.inspection is not None and window.page.inspection.path == fixed, timeout=30_000)
    facts = window.page.inspection.facts
    assert facts.duration_s == pytest.approx(30, abs=0.2)
    assert not window.page.inspection.blocking


def test_cancel_stops_and_leaves_no_file(qtbot: Any, window: Any, media: Path, tmp_path: Path) -> None:
    video = _copy(media, tmp_path, "h264_360x640_24fps_12min.mp4")
    dialog = _open_dialog(qtbot, window, video)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=20_000)
    assert "real time" in dialog.status.text() and "left" in dialog.status.text()  # speed and ETA
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: "Cancelled" in dialog.status.text(), timeout=20_000)
    assert sorted(p.name for p in video.parent.iterdir()) == [video.name]
    assert window.page.path == video
    dialog.reject()


def test_5000x5000_is_scaled_within_the_limits(qtbot: Any, window: Any, media: Path, tmp_path: Path) -> None:
    video = _copy(media, tmp_path, "h264_5000x5000_30fps.mp4")
    dialog = _open_dialog(qtbot, window, video)
    assert not dialog.pad_box.isEnabled()  # square: nothing to frame
    dialog.start_button.click()
    fixed = video.with_name(video.stem + ".tiktok.mp4")
    qtbot.waitUntil(lambda: window.page.inspection is not None and window.page.inspection.path == fixed, timeout=30_000)
    facts = window.page.inspection.facts
    assert facts.width == facts.height and facts.width <= 4096
