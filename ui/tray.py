"""The system tray icon that keeps Clipship posting scheduled items after the window is closed, and notifications."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from core import APP_NAME

TrayFactory = Callable[[QObject], QSystemTrayIcon]


def real_tray(parent: QObject) -> QSystemTrayIcon:
    return QSystemTrayIcon(parent)


def tray_available() -> bool:
    return bool(QSystemTrayIcon.isSystemTrayAvailable())


class TrayController(QObject):
    """Creates the tray icon on first use (through an injectable factory: tests pass their own).

    Signals: open_requested() ("Open Clipship" or a click on the icon), quit_requested() ("Quit").
    """

    open_requested = Signal()
    quit_requested = Signal()

    def __init__(
        self,
        icon: QIcon,
        parent: QObject | None = None,
        factory: TrayFactory = real_tray,
        available: Callable[[], bool] = tray_available,
    ) -> None:
        super().__init__(parent)
        self.icon_image = icon
        self.factory = factory
        self.available = available
        self.icon: QSystemTrayIcon | None = None
        self.menu = QMenu()
        self.next_action = QAction("Nothing scheduled", self)
        self.next_action.setEnabled(False)
        self.open_action = QAction(f"Open {APP_NAME}", self)
        self.open_action.triggered.connect(self.on_open_triggered)
        self.quit_action = QAction("Quit", self)
        self.quit_action.triggered.connect(self.on_quit_triggered)
        for action in (self.next_action, self.open_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

    def show(self) -> bool:
        """Show the icon (created now); False when this desktop has no tray."""
        if not self.available():
            return False
        if self.icon is None:
            self.icon = self.factory(self)
            self.icon.setIcon(self.icon_image)
            self.icon.setToolTip(APP_NAME)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self.on_activated)
        self.icon.show()
        return True

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    def is_shown(self) -> bool:
        return self.icon is not None and self.icon.isVisible()

    def set_next(self, text: str) -> None:
        """ "Next post: name at Tue 24 Dec 18:00 CET (UTC+01:00)" in the menu and the tooltip."""
        self.next_action.setText(text or "Nothing scheduled")
        if self.icon is not None:
            self.icon.setToolTip(f"{APP_NAME} \u2014 {text}" if text else APP_NAME)

    def notify(self, title: str, text: str, failed: bool = False) -> None:
        """A desktop notification, when the tray exists (the window shows the same in its status bar)."""
        if self.icon is None and not self.show():
            return
        assert self.icon is not None
        kind = QSystemTrayIcon.MessageIcon.Warning if failed else QSystemTrayIcon.MessageIcon.Information
        self.icon.showMessage(title, text, kind, 8000)

    @Slot(QSystemTrayIcon.ActivationReason)
    def on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

    @Slot()
    def on_open_triggered(self) -> None:
        self.open_requested.emit()

    @Slot()
    def on_quit_triggered(self) -> None:
        self.quit_requested.emit()

    def shutdown(self) -> None:
        self.hide()
        self.menu.deleteLater()
