"""THIRD-PARTY-NOTICES.txt for the frozen app: every bundled Python package and native library, with its licence.

Used by build.spec (write_notices(path, folder)); run alone it prints the notices for this environment:
    python resources/pyinstaller/notices.py [BUILT_APP_FOLDER]
"""

from __future__ import annotations

import importlib.metadata as md
import os
import re
import sys

from packaging.requirements import Requirement

ROOT_DIST = "clipship"

# Native libraries that come inside wheels (no dist-info of their own): file-name prefix -> (name, licence, where).
NATIVE = [
    (
        "libavcodec",
        "FFmpeg (libavcodec, libavformat, libavutil, libavfilter, libavdevice, libswscale, libswresample)",
        "GPL-2.0-or-later (this build includes GPL parts such as x264)",
        "https://ffmpeg.org ; build scripts and versions: https://github.com/PyAV-Org/pyav-ffmpeg",
    ),
    ("libx264", "x264", "GPL-2.0-or-later", "https://code.videolan.org/videolan/x264"),
    ("libx265", "x265", "GPL-2.0-or-later", "https://bitbucket.org/multicoreware/x265_git"),
    ("libvpx", "libvpx", "BSD-3-Clause", "https://chromium.googlesource.com/webm/libvpx"),
    ("libdav1d", "dav1d", "BSD-2-Clause", "https://code.videolan.org/videolan/dav1d"),
    (
        "libSvtAv1",
        "SVT-AV1",
        "BSD-3-Clause-Clear (with the AOM patent licence)",
        "https://gitlab.com/AOMediaCodec/SVT-AV1",
    ),
    ("libopus", "Opus", "BSD-3-Clause", "https://opus-codec.org"),
    ("libmp3lame", "LAME", "LGPL-2.0-or-later", "https://lame.sourceforge.io"),
    ("libopencore-amr", "opencore-amr", "Apache-2.0", "https://sourceforge.net/projects/opencore-amr"),
    ("libwebp", "libwebp", "BSD-3-Clause", "https://chromium.googlesource.com/webm/libwebp"),
    ("libsharpyuv", "libsharpyuv (libwebp)", "BSD-3-Clause", "https://chromium.googlesource.com/webm/libwebp"),
    ("libgnutls", "GnuTLS", "LGPL-2.1-or-later", "https://gnutls.org"),
    ("libnettle", "Nettle", "LGPL-3.0-or-later OR GPL-2.0-or-later", "https://www.lysator.liu.se/~nisse/nettle"),
    (
        "libhogweed",
        "Nettle (hogweed)",
        "LGPL-3.0-or-later OR GPL-2.0-or-later",
        "https://www.lysator.liu.se/~nisse/nettle",
    ),
    ("libgmp", "GMP", "LGPL-3.0-or-later OR GPL-2.0-or-later", "https://gmplib.org"),
    (
        "libunistring",
        "libunistring",
        "LGPL-3.0-or-later OR GPL-2.0-or-later",
        "https://www.gnu.org/software/libunistring",
    ),
    ("libdrm", "libdrm", "MIT", "https://gitlab.freedesktop.org/mesa/drm"),
    ("libxcb", "libxcb", "MIT", "https://xcb.freedesktop.org"),
    ("libXau", "libXau", "MIT", "https://gitlab.freedesktop.org/xorg/lib/libxau"),
    ("libasound", "alsa-lib", "LGPL-2.1-or-later", "https://www.alsa-project.org"),
    ("libvpl", "oneVPL dispatcher", "MIT", "https://github.com/intel/libvpl"),
    ("libmediainfo", "MediaInfoLib", "BSD-2-Clause", "https://mediaarea.net/en/MediaInfo"),
    ("libQt6", "Qt 6", "LGPL-3.0-only", "https://www.qt.io ; source: https://download.qt.io/official_releases/qt/"),
]
ALWAYS = [
    ("Python", f"{sys.version.split()[0]}", "PSF-2.0", "https://www.python.org"),
    ("PyInstaller bootloader", "", "GPL-2.0-or-later with the bootloader exception", "https://pyinstaller.org"),
]
LICENSE_FILE = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.IGNORECASE)


def runtime_distributions(root: str = ROOT_DIST) -> list[md.Distribution]:
    """`root`'s run-time requirements, transitively (no extras, markers evaluated here), sorted by name."""
    seen: dict[str, md.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[key] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    seen.pop(re.sub(r"[-_.]+", "-", root).lower(), None)
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def _licence(dist: md.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and len(text) < 120:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return ", ".join(classifiers) or "see the licence text below"


def _licence_texts(dist: md.Distribution) -> list[tuple[str, str]]:
    texts = []
    for entry in dist.files or []:
        if LICENSE_FILE.search(str(entry)) and not str(entry).endswith((".py", ".pyc")):
            try:
                texts.append((str(entry), entry.locate().read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
    return texts


def bundled_natives(folder: str | None) -> list[tuple[str, str, str]]:
    """The NATIVE entries whose library is in `folder` (the built app); all of them when folder is None."""
    names: list[str] = []
    if folder is not None:
        for _dir, _dirs, files in os.walk(folder):
            names += files
    found = []
    for prefix, name, licence, where in NATIVE:
        if folder is None or any(n.startswith(prefix) for n in names):
            found.append((name, licence, where))
    return found


def notices(folder: str | None = None) -> str:
    lines = [
        "Third-party software in Clipship",
        "================================",
        "",
        "Clipship is free software under the GNU General Public License, version 3 or later (LICENSE).",
        "It bundles the following libraries, each under its own licence. Where a licence (GPL, LGPL) asks for",
        "the corresponding source, it is at the address given, for the version named.",
        "",
        "Native libraries",
        "----------------",
    ]
    for name, version, licence, where in ALWAYS:
        lines.append(f"- {name} {version}".rstrip() + f": {licence}. {where}")
    for name, licence, where in bundled_natives(folder):
        lines.append(f"- {name}: {licence}. {where}")
    dists = runtime_distributions()
    lines += ["", "Python packages", "---------------"]
    for dist in dists:
        home = dist.metadata.get("Home-page") or ""
        lines.append(f"- {dist.metadata['Name']} {dist.version}: {_licence(dist)}. {home}".rstrip())
    lines += ["", "Licence texts of the Python packages", "------------------------------------"]
    for dist in dists:
        for entry, text in _licence_texts(dist):
            lines += ["", f"=== {dist.metadata['Name']} {dist.version}: {entry} ===", "", text.rstrip()]
    return "\n".join(lines) + "\n"


def write_notices(path: str, folder: str | None = None) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(notices(folder))


if __name__ == "__main__":
    sys.stdout.write(notices(sys.argv[1] if len(sys.argv) > 1 else None))
