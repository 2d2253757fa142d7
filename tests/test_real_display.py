"""The app on a real X server (Xvfb, Qt's xcb plugin), as a user starts it: every other test runs offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from xvfb import xvfb

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def display() -> Iterator[str]:
    with xvfb("1024x700") as name:
        yield name


def test_the_window_opens_on_a_real_x_server(display: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLIPSHIP_", "QT_"))}
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        CLIPSHIP_EXIT_AFTER_SHOW="1",
        CLIPSHIP_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    video = ROOT / "tests" / "media" / "h264_720x1280_30fps.mp4"
    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--sandbox", str(video)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    missing = ""
    if out.returncode != 0:
        import PySide6

        plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True)
        missing = " ".join(line.split()[0] for line in ldd.stdout.splitlines() if "not found" in line)
    assert out.returncode == 0, f"missing libraries: {missing or 'none'}\n{out.stderr[-2000:]}"
