"""The 'finish signing in in your browser' dialog: the consent address to copy, progress messages, Cancel."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


class SignInDialog(QDialog):
    """Shown while core.auth.login waits for the browser.

    Signals: url_ready(str) and message(str) are emitted from the login thread (core callbacks) and handled
    here on the GUI thread.
    """

    url_ready = Signal(str)
    message = Signal(str)

    def __init__(self, sandbox: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in with TikTok")
        self.setModal(True)
        self.cancel_event = threading.Event()
        where = "the Clipship sandbox's sign-in page" if sandbox else "TikTok"
        title = QLabel(f"<b>Finish signing in in your browser</b><br>Clipship opened {where}. Approve Clipship there.")
        title.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.url.setPlaceholderText("Preparing the sign-in address\u2026")
        copy = QPushButton("Copy")
        copy.setToolTip("Copy the address, to open it in another browser.")
        copy.clicked.connect(self.on_copy_clicked)
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(copy)
        self.status = QLabel("Waiting for your approval\u2026")
        self.status.setObjectName("note")
        self.status.setWordWrap(True)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        self.url_ready.connect(self.on_url_ready)
        self.message.connect(self.on_message)

    # core callbacks, called on the login thread: only emit
    def report_url(self, url: str) -> None:
        self.url_ready.emit(url)

    def report_message(self, text: str) -> None:
        self.message.emit(text)

    @Slot(str)
    def on_url_ready(self, url: str) -> None:
        self.url.setText(url)
        self.url.setCursorPosition(0)

    @Slot(str)
    def on_message(self, text: str) -> None:
        self.status.setText(text)

    @Slot()
    def on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.url.text())

    def reject(self) -> None:
        self.cancel_event.set()
        super().reject()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        super().keyPressEvent(event)
