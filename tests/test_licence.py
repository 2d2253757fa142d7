"""Clipship is GPL-3.0-or-later: the LICENSE file, the package metadata, the About box and the third-party notices."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_license_file_is_the_gpl_3() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3, 29 June 2007" in text
    assert "END OF TERMS AND CONDITIONS" in text  # the full text, not a stub


def test_pyproject_says_gpl_3_or_later() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "GPL-3.0-or-later"}
    assert any(dep.startswith("av") for dep in project["dependencies"])


def test_about_box_shows_the_licence_with_a_link_to_it(qapp: object) -> None:
    from ui.about import about_text

    text = about_text(False)
    assert "GPL-3.0-or-later" in text and "NO WARRANTY" in text
    assert (ROOT / "LICENSE").as_uri() in text
    assert "PyAV" in text


def test_third_party_notices_name_every_bundled_library() -> None:
    sys.path.insert(0, str(ROOT / "resources" / "pyinstaller"))
    try:
        from notices import notices
    finally:
        sys.path.pop(0)
    text = notices()
    for words in (
        "FFmpeg",
        "x264: GPL-2.0-or-later",
        "Qt 6: LGPL-3.0-only",
        "MediaInfoLib: BSD-2-Clause",
        "- av ",
        "- PySide6_Essentials",
        "- requests",
        "- keyring",
        "- pymediainfo",
        "- platformdirs",
    ):
        assert words in text, words
    assert "- pytest" not in text and "- mypy" not in text  # test tools are not bundled
