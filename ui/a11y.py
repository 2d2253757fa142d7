"""Accessibility helpers: names and descriptions for screen readers, and announcements of state changes."""

from __future__ import annotations

import collections

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget


def name(widget: QWidget, text: str, description: str = "") -> None:
    """Give `widget` the name a screen reader reads (and what it does, when the name alone doesn't say)."""
    widget.setAccessibleName(text)
    if description:
        widget.setAccessibleDescription(description)


# What was announced last (newest last), so a test can see what a screen reader was told.
ANNOUNCED: collections.deque[str] = collections.deque(maxlen=50)


def announce(widget: QWidget, text: str) -> None:
    """Tell assistive technology about a state change on `widget` (a post's stage, its result), politely.

    Qt's QAccessibleAnnouncementEvent reaches the platform's screen reader (AT-SPI, UIA, NSAccessibility) when one
    is listening; the widget's accessible description holds the same text for readers that only poll.
    """
    text = " ".join(text.split())
    if not text or (ANNOUNCED and ANNOUNCED[-1] == text):
        return
    ANNOUNCED.append(text)
    widget.setAccessibleDescription(text)
    if QAccessible.isActive():
        event = QAccessibleAnnouncementEvent(widget, text)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
        QAccessible.updateAccessibility(event)
