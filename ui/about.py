"""The About box: name, version, what the app does, the mode it runs in, and its licence (GPL-3.0-or-later)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox, QWidget

from core import APP_NAME, __version__

LICENSE_NAME = "GNU General Public License, version 3 or later (GPL-3.0-or-later)"
GPL_URL = "https://www.gnu.org/licenses/gpl-3.0.html"


def licence_dir() -> Path:
    """Where LICENSE and THIRD-PARTY-NOTICES.txt are: next to the frozen executable, or the checkout's root."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[1]


def _link(path: Path, text: str) -> str:
    if path.is_file():
        return f"<a href='{QUrl.fromLocalFile(str(path)).toString()}'>{text}</a>"
    return text


def _codec_versions() -> str:
    try:
        import av
    except ImportError:  # a broken installation: the About box still opens
        return ""
    libavcodec = ".".join(str(n) for n in av.library_versions.get("libavcodec", ()))
    return f" \u00b7 FFmpeg libavcodec {libavcodec} via PyAV {av.__version__}"


def about_text(sandbox: bool) -> str:
    mode = "Sandbox mode: talking to the built-in TikTok emulator." if sandbox else "Connected to TikTok."
    folder = licence_dir()
    licence = _link(folder / "LICENSE", "the full licence")
    notices = _link(folder / "THIRD-PARTY-NOTICES.txt", "the libraries it includes and their licences")
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Post videos to TikTok through TikTok's official Content Posting API.</p>"
        f"<p>{mode}</p>"
        f"<p>{APP_NAME} is free software: you can redistribute it and/or modify it under the terms of the "
        f"{LICENSE_NAME}, as published by the Free Software Foundation. It comes with ABSOLUTELY NO WARRANTY. "
        f"See {licence} (also at <a href='{GPL_URL}'>gnu.org</a>) and {notices}.</p>"
        f"<p style='color: gray'>Python {platform.python_version()} \u00b7 Qt for Python {pyside_version}"
        f"{_codec_versions()}</p>"
    )


def show_about(parent: QWidget, sandbox: bool) -> None:
    QMessageBox.about(parent, f"About {APP_NAME}", about_text(sandbox))
