"""Light and dark: Clipship's palettes, the stylesheet for each, and a watcher that follows the system scheme."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#fe2c55"  # borders, the progress bar, the slider: never behind text
ACCENT_TEXT_BG = "#d6153e"  # the red behind white button text (5.2:1; #fe2c55 is only 3.7:1)

_ROLES = QPalette.ColorRole
LIGHT: dict[QPalette.ColorRole, str] = {
    _ROLES.Window: "#f6f6f8",
    _ROLES.WindowText: "#161823",
    _ROLES.Base: "#ffffff",
    _ROLES.AlternateBase: "#fafafc",
    _ROLES.Text: "#161823",
    _ROLES.Button: "#ffffff",
    _ROLES.ButtonText: "#161823",
    _ROLES.PlaceholderText: "#6b6d76",
    _ROLES.ToolTipBase: "#ffffff",
    _ROLES.ToolTipText: "#161823",
    _ROLES.Light: "#ffffff",
    _ROLES.Midlight: "#e3e3e8",
    _ROLES.Mid: "#b4b5bd",
    _ROLES.Dark: "#8a8b93",
    _ROLES.Shadow: "#4a4b52",
    _ROLES.Highlight: ACCENT_TEXT_BG,
    _ROLES.HighlightedText: "#ffffff",
    _ROLES.Link: "#1a56b8",
    _ROLES.LinkVisited: "#6a3aa8",
    _ROLES.BrightText: "#ffffff",
}
DARK: dict[QPalette.ColorRole, str] = {
    _ROLES.Window: "#16171c",
    _ROLES.WindowText: "#ececf0",
    _ROLES.Base: "#1f2027",
    _ROLES.AlternateBase: "#24252d",
    _ROLES.Text: "#ececf0",
    _ROLES.Button: "#2a2b33",
    _ROLES.ButtonText: "#ececf0",
    _ROLES.PlaceholderText: "#a3a5ae",
    _ROLES.ToolTipBase: "#2a2b33",
    _ROLES.ToolTipText: "#ececf0",
    _ROLES.Light: "#3a3b44",
    _ROLES.Midlight: "#30313a",
    _ROLES.Mid: "#5a5b66",
    _ROLES.Dark: "#101115",
    _ROLES.Shadow: "#000000",
    _ROLES.Highlight: ACCENT_TEXT_BG,
    _ROLES.HighlightedText: "#ffffff",
    _ROLES.Link: "#8fb8ff",
    _ROLES.LinkVisited: "#c9a6ff",
    _ROLES.BrightText: "#ffffff",
}
DISABLED_TEXT = {False: "#8e9098", True: "#7a7c86"}


def make_palette(dark: bool) -> QPalette:
    """Clipship's palette for one scheme (disabled text stays readable but clearly dimmed)."""
    palette = QPalette()
    for role, color in (DARK if dark else LIGHT).items():
        palette.setColor(role, QColor(color))
    for role in (_ROLES.WindowText, _ROLES.Text, _ROLES.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED_TEXT[dark]))
    return palette


def palette_is_dark(palette: QPalette) -> bool:
    """Dark when the window is darker than its text (works for any palette, the system's or a test's)."""
    return palette.color(_ROLES.Window).lightness() < palette.color(_ROLES.WindowText).lightness()


def system_prefers_dark() -> bool | None:
    """The system's colour scheme from Qt's style hints; None when the platform doesn't say."""
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return None


def stylesheet(styles_dir: Path, dark: bool) -> str:
    """clipship.qss, plus clipship-dark.qss (the dark pair of every colour) when dark."""
    parts = ["clipship.qss", "clipship-dark.qss"] if dark else ["clipship.qss"]
    text = []
    for name in parts:
        try:
            text.append((styles_dir / name).read_text(encoding="utf-8"))
        except OSError:
            pass
    # Images the stylesheet draws (the dropdown's arrow) live beside it: @STYLES@ is that folder.
    return "\n".join(text).replace("@STYLES@", styles_dir.resolve().as_posix())


class ThemeWatcher(QObject):
    """Keeps palette and stylesheet in step with the system scheme and with any palette set on the application.

    The system scheme changing: Clipship's palette for it. The application palette changing (a platform theme or a
    test forcing one): the stylesheet's colour pairs for that palette's lightness. No signals.
    """

    def __init__(self, app: QApplication, styles_dir: Path) -> None:
        super().__init__(app)
        self.app = app
        self.styles_dir = styles_dir
        self.dark: bool | None = None
        self._applying = False
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.on_hints_color_scheme_changed)
        app.installEventFilter(self)
        prefers = system_prefers_dark()
        self.apply_scheme(prefers if prefers is not None else palette_is_dark(app.palette()))

    def apply_scheme(self, dark: bool) -> None:
        """Clipship's palette for `dark`, then the matching stylesheet."""
        self._applying = True
        try:
            self.app.setPalette(make_palette(dark))
        finally:
            self._applying = False
        self.apply_stylesheet(dark)

    def apply_stylesheet(self, dark: bool) -> None:
        if dark == self.dark:
            return
        self.dark = dark
        self._applying = True
        try:
            self.app.setStyleSheet(stylesheet(self.styles_dir, dark))
        finally:
            self._applying = False

    @Slot(Qt.ColorScheme)
    def on_hints_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if scheme != Qt.ColorScheme.Unknown:
            self.apply_scheme(scheme == Qt.ColorScheme.Dark)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.app and event.type() == QEvent.Type.ApplicationPaletteChange and not self._applying:
            self.apply_stylesheet(palette_is_dark(self.app.palette()))
        return False
