"""Dev-time icon generator: draws the 1024 px source icon with QPainter and writes every size each OS needs.

Run from the checkout:  python resources/icons/make_icons.py [--redraw]
- without --redraw the sizes are made from the committed source image clipship-1024.png;
- with --redraw the source image is drawn again first (change draw_source() to restyle the icon).
Outputs (next to this file): clipship-<N>.png for N in 16..512 (Linux, hicolor theme), clipship.ico (Windows,
PNG-compressed entries, Vista and later) and clipship.icns (macOS, PNG entries). Needs only PySide6.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen  # noqa: E402

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "clipship-1024.png"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x types reuse the larger renders).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def draw_source(size: int = 1024) -> QImage:
    """The Clipship mark: a rounded square in a pink-to-cyan gradient, a film clip and a launch arrow."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    s = size / 1024
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    tile = QRectF(64 * s, 64 * s, 896 * s, 896 * s)
    grad = QLinearGradient(tile.topLeft(), tile.bottomRight())
    grad.setColorAt(0.0, QColor("#ff2d6f"))
    grad.setColorAt(1.0, QColor("#19c6d8"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(grad))
    p.drawRoundedRect(tile, 200 * s, 200 * s)
    # The clip: a white rounded frame with sprocket holes along its sides.
    frame = QRectF(232 * s, 300 * s, 420 * s, 520 * s)
    p.setBrush(QColor("white"))
    p.drawRoundedRect(frame, 56 * s, 56 * s)
    p.setBrush(QBrush(grad))
    for i in range(4):
        y = frame.top() + (70 + i * 112) * s
        p.drawRoundedRect(QRectF(frame.left() + 26 * s, y, 44 * s, 52 * s), 12 * s, 12 * s)
        p.drawRoundedRect(QRectF(frame.right() - 70 * s, y, 44 * s, 52 * s), 12 * s, 12 * s)
    # A play triangle in the middle of the clip.
    cx, cy = frame.center().x() + 10 * s, frame.center().y()
    tri = QPainterPath()
    tri.moveTo(QPointF(cx - 70 * s, cy - 95 * s))
    tri.lineTo(QPointF(cx + 95 * s, cy))
    tri.lineTo(QPointF(cx - 70 * s, cy + 95 * s))
    tri.closeSubpath()
    p.setBrush(QBrush(grad))
    p.drawPath(tri)
    # The "ship" part: an arrow leaving the clip towards the top right.
    pen = QPen(QColor("white"), 64 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawLine(QPointF(600 * s, 430 * s), QPointF(790 * s, 240 * s))
    p.drawPolyline([QPointF(640 * s, 236 * s), QPointF(794 * s, 236 * s), QPointF(794 * s, 390 * s)])
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buf.close()
    return bytes(data.data())


def scaled(source: QImage, size: int) -> QImage:
    if source.width() == size:
        return source
    return source.scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO container: ICONDIR, one ICONDIRENTRY per size, then the PNG images (0 in a byte means 256)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        blob = pngs[size]
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS container: 'icns' + total length, then (type, length incl. 8-byte header, PNG data) elements."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str]) -> int:
    app = QGuiApplication.instance() or QGuiApplication(["make_icons"])
    if "--redraw" in argv or not SOURCE.exists():
        if not draw_source().save(str(SOURCE), "PNG"):
            raise RuntimeError(f"could not write {SOURCE}")
    source = QImage(str(SOURCE)).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    if source.isNull() or source.width() != 1024 or source.height() != 1024:
        raise RuntimeError(f"{SOURCE} must be a 1024x1024 image")
    needed = set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES}
    pngs = {size: (SOURCE.read_bytes() if size == 1024 else png_bytes(scaled(source, size))) for size in needed}
    for size in PNG_SIZES:
        (HERE / f"clipship-{size}.png").write_bytes(pngs[size])
    (HERE / "clipship.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    (HERE / "clipship.icns").write_bytes(icns_bytes(pngs))
    del app
    print(f"wrote {len(PNG_SIZES)} PNGs, clipship.ico and clipship.icns in {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
