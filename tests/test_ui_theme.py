"""Light and dark: the window follows the palette, and text keeps 4.5:1 contrast, measured on rendered pixels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from ui_helpers import choose_privacy, load_good_video, sandbox_ctx, wait_ready

from ui.app import resources_dir
from ui.theme import ThemeWatcher, make_palette, palette_is_dark

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def foreign_dark_palette() -> QPalette:
    """A dark palette as a desktop theme might set it (not Clipship's own)."""
    pal = QPalette()
    roles = QPalette.ColorRole
    for role, color in {
        roles.Window: "#353535",
        roles.WindowText: "#ffffff",
        roles.Base: "#2a2a2a",
        roles.AlternateBase: "#313131",
        roles.Text: "#ffffff",
        roles.Button: "#353535",
        roles.ButtonText: "#ffffff",
        roles.PlaceholderText: "#a0a0a0",
        roles.Highlight: "#2a82da",
        roles.HighlightedText: "#000000",
        roles.Mid: "#5a5a5a",
    }.items():
        pal.setColor(role, QColor(color))
    return pal


def luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rendered_contrast(widget: QWidget) -> tuple[float, QColor, QColor]:
    """(ratio, text, background): the background is the commonest pixel, the text the one farthest from it."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    counts: Counter[int] = Counter(
        image.pixel(x, y) for y in range(2, image.height() - 2) for x in range(2, image.width() - 2)
    )
    background = QColor.fromRgb(counts.most_common(1)[0][0])
    text = max((QColor.fromRgb(p) for p in counts), key=lambda c: contrast(c, background))
    return contrast(text, background), text, background


@pytest.fixture
def themed() -> Iterator[ThemeWatcher]:
    """Clipship's palette and stylesheet on the application for this test, then the plain defaults again."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    watcher = ThemeWatcher(app, resources_dir() / "styles")
    try:
        yield watcher
    finally:
        app.removeEventFilter(watcher)
        QGuiApplication.styleHints().colorSchemeChanged.disconnect(watcher.on_hints_color_scheme_changed)
        watcher.deleteLater()
        app.setStyleSheet("")
        app.setPalette(app.style().standardPalette())


def key_widgets(window: Any) -> dict[str, QWidget]:
    form, page = window.page.form, window.page
    return {
        "caption": form.caption.viewport(),
        "privacy": form.privacy,
        "Allow Comment": form.allow_comment,
        "Your brand": form.your_brand,
        "Branded content": form.branded,
        "help note": next(w for w in form.findChildren(QWidget, "note") if w.isVisible()),
        "consent": form.consent,
        "Post now": form.post_button,
        "Send to inbox as draft": form.draft_button,
        "Remove": page.remove_button,
        "Account button": window.account_bar.account_button,
        "file name": next(w for w in page.facts.findChildren(QWidget, "fileName") if w.isVisible()),
        "fact value": next(w for w in page.facts.findChildren(QWidget, "factValue") if w.isVisible()),
    }


@pytest.mark.parametrize("scheme", ["light", "dark", "foreign dark"])
def test_text_contrast_is_at_least_4_5_in_light_and_dark(
    scheme: str, qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any, themed: ThemeWatcher
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    if scheme == "foreign dark":
        app.setPalette(foreign_dark_palette())
    else:
        themed.apply_scheme(scheme == "dark")
    assert themed.dark == (scheme != "light")
    window = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, window)
    load_good_video(qtbot, window)
    form = window.page.form
    form.caption.setPlainText("My first post #clipship")
    choose_privacy(form, "MUTUAL_FOLLOW_FRIENDS")
    form.disclose.setChecked(True)
    form.your_brand.setChecked(True)
    window.resize(1180, 780)
    facts = window.page.facts
    qtbot.waitUntil(
        lambda: (
            form.your_brand.isVisible()
            and form.post_button.isEnabled()
            and any(w.isVisible() for w in facts.findChildren(QWidget, "factValue"))
        )
    )
    assert palette_is_dark(window.palette()) == (scheme != "light")
    low = {}
    for name, widget in key_widgets(window).items():
        assert widget is not None and widget.isVisible(), name
        ratio, text, background = rendered_contrast(widget)
        if ratio < 4.5:
            low[name] = f"{ratio:.2f} ({text.name()} on {background.name()})"
    assert not low, f"{scheme}: text contrast below 4.5:1: {low}"


def test_clipship_palettes_are_light_and_dark() -> None:
    assert not palette_is_dark(make_palette(False))
    assert palette_is_dark(make_palette(True))
    dark = make_palette(True)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.PlaceholderText):
        assert contrast(dark.color(role), dark.color(QPalette.ColorRole.Base)) >= 4.5
    assert Qt.ColorScheme.Dark  # the scheme enum the watcher follows exists in this Qt
