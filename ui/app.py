"""Start the desktop app: QApplication, style, the core context (and the embedded sandbox), the main window."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

STARTED = time.monotonic()


def resources_dir() -> Path:
    """resources/ next to the code: the checkout, or the frozen app's bundle folder."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) / "resources" if base else Path(__file__).resolve().parents[1] / "resources"


def apply_style(app: object) -> None:
    """Fusion, Clipship's palette and stylesheet for the system's light or dark scheme (followed live), the icon."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from ui.theme import ThemeWatcher

    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    if app.findChild(ThemeWatcher) is None:
        ThemeWatcher(app, resources_dir() / "styles")
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        png = resources_dir() / "icons" / f"clipship-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    if not icon.isNull():
        app.setWindowIcon(icon)


def run_gui(sandbox: bool = False, debug: bool = False, video: Path | None = None) -> int:
    """The app's entry point (main.py with no arguments, only --sandbox/--debug, or a video). Returns the exit code.

    `video`: a file to open at once, as when a file manager opens a video with Clipship.
    """
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from core import APP_ID, APP_NAME, APP_ORG, __version__
    from core.context import open_context
    from core.errors import ClipshipError

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ORG)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    apply_style(app)
    try:
        ctx = open_context(sandbox=sandbox)
    except ClipshipError as exc:
        QMessageBox.critical(None, APP_NAME, exc.user_text())
        return exc.exit_code
    except OSError as exc:
        QMessageBox.critical(None, APP_NAME, f"Clipship could not start: {exc.strerror or exc}.")
        return 1
    try:
        from ui.file_open import FileOpenHandler
        from ui.main_window import MainWindow

        window = MainWindow(ctx)
        window.show()
        opener = FileOpenHandler(window)
        app.installEventFilter(opener)  # macOS: Finder's "Open With" and drops on the Dock icon
        if video is not None:
            window.load_video(video)
        if os.environ.get("CLIPSHIP_EXIT_AFTER_SHOW"):
            QTimer.singleShot(0, lambda: _report_shown(app, window.page.path))
        return int(app.exec())
    finally:
        ctx.close()


def _report_shown(app: object, video: Path | None) -> None:
    """For the start-up benchmark: say how long after interpreter start the window was on screen, then quit."""
    from PySide6.QtWidgets import QApplication

    print(f"clipship: window shown {time.monotonic() - STARTED:.3f}s after ui.app import", flush=True)
    if video is not None:
        print(f"clipship: video {video}", flush=True)
    assert isinstance(app, QApplication)
    app.quit()
