"""The window on small and large screens: its minimum size, Post always in view, a preview that grows, long
names elided (full name in the tooltip), and 2x scaling on a 1920x1080 screen (in a child process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from mp4pad import pad_mp4
from ui_helpers import GOOD, choose_privacy, load_good_video
from xvfb import xvfb

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

ROOT = Path(__file__).resolve().parents[1]
MAX_MIN_W, MAX_MIN_H = 960, 600


def in_view(widget: Any, window: Any) -> bool:
    """The widget is shown, inside the window's area, and not clipped away by a scroll area."""
    from PySide6.QtCore import QRect

    if not widget.isVisibleTo(window):
        return False
    top_left = widget.mapTo(window, widget.rect().topLeft())
    inside = QRect(0, 0, window.width(), window.height()).contains(QRect(top_left, widget.size()))
    return inside and widget.visibleRegion().boundingRect().size() == widget.size()


def long_named_video(tmp_path: Path) -> Path:
    name = "a holiday video with a very long name that goes on and on - final export (2) - copy.mp4"
    return pad_mp4(GOOD, tmp_path / name, GOOD.stat().st_size + 8192)


def test_the_minimum_size_is_small_with_a_long_name_and_the_disclosure_open(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    hint = window.minimumSizeHint()
    assert hint.width() <= MAX_MIN_W and hint.height() <= MAX_MIN_H, hint
    load_good_video(qtbot, window, long_named_video(tmp_path))
    form = window.page.form
    form.disclose.setChecked(True)
    form.branded.setChecked(True)
    qtbot.wait(50)
    hint = window.minimumSizeHint()
    assert hint.width() <= MAX_MIN_W and hint.height() <= MAX_MIN_H, hint
    window.tabs.setCurrentWidget(window.queue_page)
    hint = window.minimumSizeHint()
    assert hint.width() <= MAX_MIN_W and hint.height() <= MAX_MIN_H, hint


@pytest.mark.parametrize("size", [(960, 600), (1024, 640), (1024, 700)])
def test_post_and_the_consent_line_stay_in_view_at_small_sizes(
    qtbot: Any, window: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    window.resize(*size)
    load_good_video(qtbot, window, long_named_video(tmp_path))
    form = window.page.form
    form.disclose.setChecked(True)  # the tallest form: the disclosure's choices and label open
    form.your_brand.setChecked(True)
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    qtbot.wait(50)
    assert window.width() <= size[0] + 1 and window.height() <= size[1] + 1
    for widget in (form.post_button, form.schedule_button, form.draft_button, form.consent):
        assert in_view(widget, window), (widget.objectName() or widget.text(), size)
    # The long name is elided on one line, with the whole name in its tooltip.
    label = window.page.facts.file_label
    full = "a holiday video with a very long name that goes on and on - final export (2) - copy.mp4"
    assert label.text() != full and "\u2026" in label.text() and label.toolTip() == full
    assert label.width() <= window.page.facts.width()


def test_the_preview_grows_with_the_window(qtbot: Any, window: Any) -> None:
    load_good_video(qtbot, window)
    window.resize(1024, 700)
    qtbot.wait(50)
    small = window.page.preview.width()
    window.resize(1900, 1040)
    qtbot.wait(50)
    large = window.page.preview.width()
    assert large > small * 1.5, (small, large)
    assert window.page.preview.height() > 600  # the picture uses the room, not a 250 px strip


def test_at_2x_scale_the_window_fits_a_1920x1080_screen(tmp_path: Path) -> None:
    """QT_SCALE_FACTOR=2 on a real 1920x1080 X screen (Xvfb, xcb): a 960x540 logical screen. The window opens
    within it, its minimum size fits, and Post is in view."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication(sys.argv)
        from core.context import open_context
        from ui.app import apply_style
        from ui.main_window import MainWindow
        apply_style(app)
        ctx = open_context(sandbox=True)
        win = MainWindow(ctx, settings_path=Path(sys.argv[1]) / "w.ini")
        win.show()
        win.load_video(Path(sys.argv[2]))

        def report():
            screen = win.screen().availableGeometry()
            hint = win.minimumSizeHint()
            frame = win.frameGeometry()
            post = win.page.form.post_button
            corner = post.mapTo(win, post.rect().bottomRight())
            print(screen.width(), screen.height(), hint.width(), hint.height(), frame.width(), frame.height(),
                  win.devicePixelRatio(), int(post.isVisible() and win.rect().contains(corner)))
            app.quit()

        QTimer.singleShot(3000, report)
        app.exec()
        win.close()
        ctx.close()
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLIPSHIP_", "QT_"))}
    env.update(
        QT_QPA_PLATFORM="xcb",
        QT_SCALE_FACTOR="2",
        PYTHONPATH=str(ROOT),
        CLIPSHIP_DATA_DIR=str(tmp_path / "data"),
    )
    with xvfb("1920x1080") as display:
        env["DISPLAY"] = display
        out = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path), str(GOOD)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=ROOT,
        )
    assert out.returncode == 0, out.stderr[-2000:]
    sw, sh, mw, mh, fw, fh_, dpr, post_in_view = (float(v) for v in out.stdout.split()[-8:])
    assert dpr == 2.0 and (sw, sh) == (960, 540), out.stdout
    assert mw <= sw and mh <= sh, out.stdout
    assert fw <= sw and fh_ <= sh, out.stdout
    assert post_in_view == 1, out.stdout
