"""Accessibility helpers: names and descriptions for screen readers, and announcements of state changes."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QWidget


def name(widget: QWidget, text: str, description: str = "") -> None:
    """Give `widget` the name a screen reader reads (and what it does, when the name alone doesn't say)."""
    widget.setAccessibleName(text)
    if description:
        widget.setAccessibleDescription(description)


def announce(widget: QWidget) -> None:
    """Tell assistive technology that `widget`'s name or text changed (progress, results)."""
    if QAccessible.isActive():
        event = QAccessibleEvent(widget, QAccessible.Event.NameChanged)
        QAccessible.updateAccessibility(event)
