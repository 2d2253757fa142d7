"""The smoke test run from source, and the packaging inputs it and build.spec rely on (icons, .desktop, spec)."""

from __future__ import annotations

import ast
import configparser
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
CHECK_NAMES = ("qt", "keyring", "mediainfo", "codecs", "signals", "window", "pipeline")


def _smoke(**env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    full_env.pop("QT_QPA_PLATFORM", None)  # the smoke test must choose offscreen itself
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--smoke-test"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=full_env,
    )


def _lines(out: str) -> dict[str, str]:
    """{check name: its line} for every 'ok   name: ...' / 'FAIL name: ...' line."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"^(ok  |FAIL) (\w+): ", line)
        if m:
            found[m.group(2)] = line
    return found


def test_smoke_test_passes_from_source() -> None:
    out = _smoke()
    assert out.returncode == 0, out.stdout + out.stderr
    lines = _lines(out.stdout)
    assert list(lines) == list(CHECK_NAMES)
    assert all(line.startswith("ok   ") for line in lines.values()), out.stdout
    assert "platform offscreen" in lines["qt"]
    assert "mp4 h264 720x1280" in lines["mediainfo"]
    assert "5001 qint64 pairs" in lines["signals"]
    assert "PUBLISH_COMPLETE" in lines["pipeline"] and "published" in lines["pipeline"]
    assert "frame at 500 ms decoded" in lines["codecs"] and "AAC ok" in lines["codecs"]
    assert out.stdout.rstrip().splitlines()[-1].startswith("smoke test passed: 7 checks")
    assert "Traceback" not in out.stderr


def test_a_failing_check_fails_the_run_and_names_the_check() -> None:
    out = _smoke(CLIPSHIP_SMOKE_KEYRING="NoSuchBackend")
    assert out.returncode == 1
    lines = _lines(out.stdout)
    assert lines["keyring"].startswith("FAIL keyring: RuntimeError: backend is ")
    assert "NoSuchBackend" in lines["keyring"]
    # The other checks still ran and passed; the summary names the failure.
    assert all(lines[name].startswith("ok   ") for name in CHECK_NAMES if name != "keyring")
    assert "smoke test FAILED (keyring)" in out.stdout


@pytest.mark.secret_service
def test_smoke_test_uses_the_secret_service_when_one_runs() -> None:
    out = _smoke(CLIPSHIP_SMOKE_KEYRING="SecretService")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "keyring.backends.SecretService.Keyring (store/read/delete round trip ok)" in _lines(out.stdout)["keyring"]


def test_png_icons_exist_in_every_size_from_one_source() -> None:
    icons = RESOURCES / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512, 1024):
        data = (icons / f"clipship-{size}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])  # IHDR
        assert (width, height) == (size, size)


def test_ico_holds_png_entries_up_to_256() -> None:
    data = (RESOURCES / "icons" / "clipship.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        w, h, _, _, planes, bpp, length, offset = struct.unpack("<BBBBHHII", data[6 + 16 * i : 22 + 16 * i])
        assert (planes, bpp) == (1, 32)
        blob = data[offset : offset + length]
        assert blob[:8] == b"\x89PNG\r\n\x1a\n" and len(blob) == length
        assert struct.unpack(">II", blob[16:24]) == ((w or 256), (h or 256))
        sizes.append(w or 256)
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]


def test_icns_holds_the_retina_png_types() -> None:
    data = (RESOURCES / "icons" / "clipship.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    found = {}
    pos = 8
    while pos < len(data):
        kind, length = data[pos : pos + 4].decode(), struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        blob = data[pos + 8 : pos + length]
        assert blob[:8] == b"\x89PNG\r\n\x1a\n"
        found[kind] = struct.unpack(">I", blob[16:20])[0]
        pos += length
    assert pos == len(data)
    assert found["ic10"] == 1024 and found["ic09"] == 512 and found["ic07"] == 128 and found["ic14"] == 512


def test_desktop_entry_is_complete() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(RESOURCES / "clipship.desktop", encoding="utf-8")
    desk = entry["Desktop Entry"]
    assert desk["Type"] == "Application" and desk["Name"] == "Clipship"
    # %f: a file manager's "Open with Clipship" passes the video, which main.py opens in the window.
    assert desk["Exec"] == "clipship %f" and desk["Icon"] == "clipship"
    assert desk["Terminal"] == "false"
    assert set(desk["MimeType"].rstrip(";").split(";")) == {"video/mp4", "video/quicktime", "video/webm"}
    assert desk["Categories"].endswith(";")


def test_build_spec_takes_its_metadata_from_the_code() -> None:
    source = (ROOT / "build.spec").read_text(encoding="utf-8")
    ast.parse(source)  # valid Python
    assert "from core import APP_ID, APP_NAME, __version__" in source
    assert '"0.1.0"' not in source and "io.clipship" not in source  # nothing repeated by hand
    hook = (RESOURCES / "pyinstaller" / "hook-pymediainfo.py").read_text(encoding="utf-8")
    assert '"lib*.so*"' in hook


def test_install_note_names_the_desktop_file_the_build_writes() -> None:
    from core import APP_ID

    note = (RESOURCES / "linux" / "INSTALL.txt").read_text(encoding="utf-8")
    assert f"cp {APP_ID}.desktop ~/.local/share/applications/" in note
    assert 'f"{APP_ID}.desktop"' in (ROOT / "build.spec").read_text(encoding="utf-8")
