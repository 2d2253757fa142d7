"""The About box: name, version, what the app does, and the mode it runs in."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QMessageBox, QWidget

from core import APP_NAME, __version__


def about_text(sandbox: bool) -> str:
    mode = "Sandbox mode: talking to the built-in TikTok emulator." if sandbox else "Connected to TikTok."
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Post videos to TikTok through TikTok's official Content Posting API.</p>"
        f"<p>{mode}</p>"
        f"<p style='color: gray'>Python {platform.python_version()} \u00b7 Qt for Python {pyside_version}</p>"
    )


def show_about(parent: QWidget, sandbox: bool) -> None:
    QMessageBox.about(parent, f"About {APP_NAME}", about_text(sandbox))
