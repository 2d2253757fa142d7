"""Draw the dropdown arrows the stylesheets use (1x and @2x, light, dark and disabled). Run from anywhere."""

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


def main() -> int:
    QGuiApplication(sys.argv)
    for name, colour in COLOURS.items():
        draw(colour, 1).save(str(HERE / f"{name}.png"))
        draw(colour, 2).save(str(HERE / f"{name}@2x.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
