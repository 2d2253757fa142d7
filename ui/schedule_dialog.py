"""The Schedule… dialog: a date and time in the computer's time zone (named, with its UTC offset)."""

from __future__ import annotations

import time

from PySide6.QtCore import QDateTime, QTimeZone, Slot
from PySide6.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

MIN_AHEAD_S = 60  # a time sooner than this is "now": use Post now


def zone_label(at: float) -> str:
    """The local zone at that moment, e.g. "CET (UTC+01:00)" (the abbreviation follows daylight saving)."""
    t = time.localtime(at)
    offset = t.tm_gmtoff or 0
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"{t.tm_zone} (UTC{sign}{hours:02d}:{minutes:02d})"


def local_text(at: float) -> str:
    """ "Tue 24 Dec 2026, 18:00 CET (UTC+01:00)": what the queue list and the tray show."""
    t = time.localtime(at)
    return f"{time.strftime('%a', t)} {t.tm_mday} {time.strftime('%b %Y, %H:%M', t)} {zone_label(at)}"


class ScheduleDialog(QDialog):
    """Pick when to post; `when()` is the POSIX time chosen. OK is disabled for a time in the past."""

    def __init__(self, name: str, initial: float | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Schedule the post")
        start = initial if initial is not None and initial > time.time() + MIN_AHEAD_S else time.time() + 3600
        start = (int(start) // 300 + 1) * 300  # the next 5 minutes
        self.edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(start), QTimeZone.systemTimeZone()))
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("ddd d MMM yyyy, HH:mm")
        self.edit.setTimeZone(QTimeZone.systemTimeZone())
        self.zone = QLabel()
        self.zone.setObjectName("note")
        self.problem = QLabel()
        self.problem.setObjectName("whyNote")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Schedule")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        intro = QLabel(f"Post <b>{_esc(name)}</b> on:")
        intro.setWordWrap(True)
        note = QLabel(
            "Clipship posts it at this time while it runs (in the window or the system tray), or the next time it "
            "starts. 'clipship queue run' posts it too."
        )
        note.setObjectName("note")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        for widget in (intro, self.edit, self.zone, self.problem, note, self.buttons):
            layout.addWidget(widget)
        self.edit.dateTimeChanged.connect(self.on_edit_changed)
        self.on_edit_changed(self.edit.dateTime())

    def when(self) -> float:
        return float(self.edit.dateTime().toSecsSinceEpoch())

    @Slot(QDateTime)
    def on_edit_changed(self, _value: QDateTime) -> None:
        at = self.when()
        self.zone.setText(f"Time zone: {zone_label(at)}")
        too_soon = at < time.time() + MIN_AHEAD_S
        self.problem.setText("Choose a later time, or use Post now." if too_soon else "")
        self.problem.setVisible(too_soon)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not too_soon)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
