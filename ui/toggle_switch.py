"""A switch-style checkbox (the commercial content toggle): QCheckBox semantics, painted as a pill."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QCheckBox, QWidget


class ToggleSwitch(QCheckBox):
    """A QCheckBox drawn as an on/off switch with its text on the left; keyboard and accessibility unchanged."""

    TRACK_W, TRACK_H = 38, 22

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        w = fm.horizontalAdvance(self.text()) + 16 + self.TRACK_W
        return QSize(w, max(self.TRACK_H + 4, fm.height() + 6))

    def hitButton(self, pos) -> bool:  # type: ignore[no-untyped-def]
        return self.rect().contains(pos)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        r = self.rect()
        track = QRectF(r.right() - self.TRACK_W - 1, (r.height() - self.TRACK_H) / 2, self.TRACK_W, self.TRACK_H)
        on = self.isChecked()
        enabled = self.isEnabled()
        color = QColor("#fe2c55") if on else pal.mid().color()
        if not enabled:
            color.setAlpha(90)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(track, self.TRACK_H / 2, self.TRACK_H / 2)
        d = self.TRACK_H - 6
        x = track.right() - d - 3 if on else track.left() + 3
        p.setBrush(QColor("#ffffff"))
        p.drawEllipse(QRectF(x, track.top() + 3, d, d))
        if self.hasFocus():
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(pal.highlight().color(), 2))  # a solid ring: focus must be visible, not a hint
            p.drawRoundedRect(track.adjusted(-2, -2, 2, 2), self.TRACK_H / 2 + 2, self.TRACK_H / 2 + 2)
        p.setPen(pal.windowText().color() if enabled else pal.mid().color())
        text_rect = r.adjusted(0, 0, -(self.TRACK_W + 12), 0)
        p.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), self.text())
        p.end()
