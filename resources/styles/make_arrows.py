"""Draw the images the stylesheets use, 1x and @2x: the dropdown arrows (light, dark, disabled) and the dark
scheme's checkbox indicators (Fusion's own outline is too faint on a dark window). Run from anywhere."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

HERE = Path(__file__).resolve().parent
COLOURS = {"chevron-down": "#4a4a55", "chevron-down-dark": "#c9c9d3", "chevron-down-disabled": "#a8a8b3"}


def draw(colour: str, scale: int) -> QImage:
    image = QImage(10 * scale, 6 * scale, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(scale, scale)
    pen = QPen(QColor(colour), 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    path = QPainterPath(QPointF(1, 1))
    path.lineTo(5, 5)
    path.lineTo(9, 1)
    p.drawPath(path)
    p.end()
    return image


# Dark checkbox indicators: (border, fill, tick or None).
BOXES = {
    "check-dark-off": ("#9a9aa6", "#1f2028", None),
    "check-dark-on": ("#fe2c55", "#fe2c55", "#ffffff"),
    "check-dark-off-disabled": ("#55565f", "#1f2028", None),
    "check-dark-on-disabled": ("#6a3340", "#6a3340", "#a8a8b3"),
}


def box(border: str, fill: str, tick: str | None, scale: int) -> QImage:
    image = QImage(16 * scale, 16 * scale, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(scale, scale)
    p.setPen(QPen(QColor(border), 1.2))
    p.setBrush(QColor(fill))
    p.drawRoundedRect(1.5, 1.5, 13, 13, 3, 3)
    if tick is not None:
        pen = QPen(QColor(tick), 2.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        path = QPainterPath(QPointF(4.5, 8.2))
        path.lineTo(7, 10.7)
        path.lineTo(11.6, 5.4)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    p.end()
    return image


def main() -> int:
    QGuiApplication(sys.argv)
    for name, colour in COLOURS.items():
        draw(colour, 1).save(str(HERE / f"{name}.png"))
        draw(colour, 2).save(str(HERE / f"{name}@2x.png"))
    for name, (border, fill, tick) in BOXES.items():
        box(border, fill, tick, 1).save(str(HERE / f"{name}.png"))
        box(border, fill, tick, 2).save(str(HERE / f"{name}@2x.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
