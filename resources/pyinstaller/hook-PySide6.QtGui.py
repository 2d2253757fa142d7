"""PyInstaller hook (overrides the stock one): QtGui's libraries and plugins, minus the plugins Clipship never loads.

Dropped before PyInstaller resolves their dependencies, so nothing they drag in is bundled either: the GTK3
platform theme (it pulls in the build machine's whole GTK stack), embedded-device platforms, evdev input drivers,
the PDF image plugin (it needs QtPdf) and the Wayland compositor (server) side.
Kept: platforms xcb, wayland and offscreen, imageformats, iconengines, the xdg-desktop-portal theme, input contexts.
"""

import os

from PyInstaller.utils.hooks.qt import get_qt_library_info

DROP = (
    "platformthemes/libqgtk3",
    "imageformats/libqpdf",
    "platforms/libqeglfs",
    "platforms/libqlinuxfb",
    "platforms/libqminimal",
    "platforms/libqvnc",
    "platforms/libqvkkhrdisplay",
    "egldeviceintegrations/",
    "plugins/generic/",
    "wayland-graphics-integration-server/",
)


def _wanted(src: str) -> bool:
    path = src.replace(os.sep, "/").lower()
    return not any(part in path for part in DROP)


hiddenimports, binaries, datas = get_qt_library_info("PySide6").collect_module("PySide6.QtGui")
binaries = [entry for entry in binaries if _wanted(entry[0])]
