"""The preview plays real fixtures offscreen (decoded by PyAV on a worker), and the cover is the exact frame."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread

from core.media.decode import frame_at
from ui.player import PLAYBACK_BOX
from ui.preview import PreviewPanel
from ui.tasks import TaskRunner

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

COUNTER = "h264_360x640_30fps_counter.mp4"  # every frame differs; one keyframe in 2 s


@pytest.fixture
def panel(qtbot: object) -> Iterator[PreviewPanel]:
    runner = TaskRunner()
    widget = PreviewPanel(runner)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(250, 520)
    widget.show()
    try:
        yield widget
    finally:
        widget.shutdown()
        runner.shutdown()


def _load(qtbot: object, panel: PreviewPanel, path: Path) -> None:
    panel.load(path, 2.0, path.name)
    qtbot.waitUntil(lambda: panel.shown is not None and panel.play_button.isEnabled(), timeout=10_000)  # type: ignore[attr-defined]


def _pixels(panel: PreviewPanel) -> bytes:
    image = panel.frame.image
    assert image is not None
    rows = [bytes(image.constScanLine(y))[: image.width() * 3] for y in range(image.height())]
    return b"".join(rows)


def test_the_first_frame_shows_without_any_ffmpeg_on_the_path(
    qtbot: object, panel: PreviewPanel, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    _load(qtbot, panel, media / COUNTER)
    assert panel.shown is not None and panel.shown.pts_ms == 0
    assert panel.frame.has_frame()
    assert panel.time_label.text() == "0:00.0 / 0:02.0"


def test_play_pause_seek_and_step(qtbot: object, panel: PreviewPanel, media: Path) -> None:
    _load(qtbot, panel, media / COUNTER)
    player = panel.player
    panel.play_button.click()
    assert player.playing and panel.play_button.accessibleName() == "Pause"
    qtbot.waitUntil(lambda: panel.player.position_ms() >= 300, timeout=10_000)  # type: ignore[attr-defined]
    panel.play_button.click()
    assert not player.playing and panel.play_button.accessibleName() == "Play"
    paused_at = player.position_ms()
    qtbot.wait(200)  # type: ignore[attr-defined]
    assert player.position_ms() == paused_at  # paused means paused
    assert panel.scrubber.value() == paused_at

    player.seek(1000)
    qtbot.waitUntil(lambda: panel.player.position_ms() == 1000, timeout=10_000)  # type: ignore[attr-defined]
    assert panel.time_label.text().startswith("0:01.0")
    panel.forward_button.click()
    qtbot.waitUntil(lambda: panel.player.position_ms() == 1033, timeout=10_000)  # type: ignore[attr-defined]
    panel.back_button.click()
    qtbot.waitUntil(lambda: panel.player.position_ms() == 1000, timeout=10_000)  # type: ignore[attr-defined]
    panel.back_button.click()
    qtbot.waitUntil(lambda: panel.player.position_ms() == 967, timeout=10_000)  # type: ignore[attr-defined]

    panel.scrubber.setValue(1900)  # the user drags the scrubber
    qtbot.waitUntil(lambda: panel.player.position_ms() == 1900, timeout=10_000)  # type: ignore[attr-defined]
    panel.play_button.click()
    qtbot.waitUntil(lambda: panel.player.at_end and not panel.player.playing, timeout=10_000)  # type: ignore[attr-defined]
    assert player.position_ms() == 1967  # the last frame (60 frames at 30 fps)


def test_playback_runs_at_the_videos_frame_rate(qtbot: object, panel: PreviewPanel, media: Path) -> None:
    _load(qtbot, panel, media / COUNTER)
    shown: list[int] = []
    panel.player.shown.connect(lambda frame: shown.append(frame.pts_ms))
    panel.player.play()
    qtbot.waitUntil(lambda: panel.player.at_end, timeout=15_000)  # type: ignore[attr-defined]
    assert shown == sorted(set(shown)) and shown[-1] == 1967  # in order, none twice, to the last frame
    assert len(shown) >= 10  # late frames are skipped on a busy machine, never shown out of time


def test_the_cover_shown_is_the_frame_at_the_exact_millisecond(qtbot: object, panel: PreviewPanel, media: Path) -> None:
    path = media / COUNTER
    _load(qtbot, panel, path)
    first = _pixels(panel)
    for cover_ms in (1234, 517, 1999):
        panel.slider.setValue(cover_ms)
        assert panel.cover_ms() == cover_ms  # what the post sends as video_cover_timestamp_ms
        expected = frame_at(path, cover_ms, *PLAYBACK_BOX)
        assert expected is not None
        qtbot.waitUntil(lambda e=expected: panel.shown is not None and panel.shown.pts_ms == e.pts_ms, timeout=10_000)  # type: ignore[attr-defined]
        assert panel.shown is not None
        assert panel.shown.data == expected.data
        assert _pixels(panel) == expected.data  # what is on screen, byte for byte
        assert expected.pts_ms <= cover_ms < expected.pts_ms + 34
        assert _pixels(panel) != first  # not the keyframe at 0 (the file has no other)


def test_rotation_metadata_is_honoured(qtbot: object, panel: PreviewPanel, media: Path) -> None:
    _load(qtbot, panel, media / "h264_1280x720_rot90.mp4")
    assert panel.shown is not None and panel.shown.height > panel.shown.width  # stored landscape, shown portrait


def test_not_a_video_says_so_and_the_thread_stays_usable(qtbot: object, panel: PreviewPanel, media: Path) -> None:
    panel.load(media / "text_renamed.mp4", 1.0, "text_renamed.mp4")
    qtbot.waitUntil(lambda: "No preview" in panel.frame.text(), timeout=10_000)  # type: ignore[attr-defined]
    assert not panel.play_button.isEnabled()
    _load(qtbot, panel, media / COUNTER)
    assert panel.frame.has_frame()


def test_decoding_happens_off_the_gui_thread(panel: PreviewPanel) -> None:
    assert panel.player.worker.thread() is not QThread.currentThread()
    assert panel.player.decode_thread.isRunning()


def test_every_control_has_an_accessible_name(panel: PreviewPanel) -> None:
    for widget in (panel.play_button, panel.back_button, panel.forward_button, panel.scrubber, panel.time_label):
        assert widget.accessibleName()
