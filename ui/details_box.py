"""The technical side of an error, out of the way: a "Details" toggle that shows it, and "Copy details"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from ui.a11y import name


class DetailsBox(QWidget):
    """Hidden until there are details; then a toggle. Codes and log ids live here, never in the message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setObjectName("detailsToggle")
        self.toggle.setText("Details")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.toggled.connect(self.on_toggled)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setObjectName("copyDetails")
        self.copy_button.clicked.connect(self.on_copy_clicked)
        self.text = QLabel()
        self.text.setObjectName("detailsText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        name(self.toggle, "Details", "Show the technical details of this error (codes, log ids).")
        name(self.copy_button, "Copy details", "Copy the technical details, e.g. for a support request.")
        name(self.text, "Error details")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.toggle)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.text)
        self.set_details("")

    def set_details(self, details: str) -> None:
        self.text.setText(details)
        self.toggle.setChecked(False)
        self.text.hide()
        self.copy_button.hide()
        self.setVisible(bool(details))

    def details(self) -> str:
        return self.text.text()

    @Slot(bool)
    def on_toggled(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.text.setVisible(shown)
        self.copy_button.setVisible(shown)

    @Slot()
    def on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.text.text())
