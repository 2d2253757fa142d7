"""The project's own rules: core/ stays Qt-free, the CLI answers --version/--help without Qt."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_core_never_imports_pyside6() -> None:
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in {"PySide6", "shiboken6", "ui"} for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=60)


def test_version_and_help() -> None:
    from core import __version__

    out = _run("--version")
    assert out.returncode == 0 and __version__ in out.stdout
    out = _run("--help")
    assert out.returncode == 0 and "--sandbox" in out.stdout


def test_cli_does_not_load_qt() -> None:
    main_py = str(ROOT / "main.py")
    code = (
        "import sys, runpy; sys.argv=['main.py','--help'];\n"
        f"try:\n    runpy.run_path({main_py!r}, run_name='__main__')\nexcept SystemExit: pass\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt loaded'"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr


def test_routing_between_the_window_and_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from main import route

    video = tmp_path / "clip.mp4"
    video.write_bytes(b"x")
    assert route([], "/usr/bin/clipship") == ("gui", None)
    assert route(["--sandbox", "--debug"], "clipship") == ("gui", None)
    assert route([], "/opt/clipship/clipship-cli") == ("cli", None)  # the console build prints its help
    assert route([], "C:/Clipship/clipship-cli.exe") == ("cli", None)
    assert route([str(video)], "clipship") == ("gui", video.resolve())  # "Open with Clipship" in a file manager
    assert route(["--sandbox", str(video)], "clipship") == ("gui", video.resolve())
    assert route([str(tmp_path / "missing.mp4")], "clipship") == ("cli", None)  # the CLI says what is wrong
    assert route(["check", str(video)], "clipship") == ("cli", None)
    (tmp_path / "post").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    assert route(["post"], "clipship") == ("cli", None)  # a command wins over a file of the same name


def test_clipship_cli_without_arguments_prints_help(tmp_path: Path) -> None:
    cli = tmp_path / "clipship-cli"
    cli.write_text((ROOT / "main.py").read_text(encoding="utf-8"), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(cli)], capture_output=True, text=True, timeout=60, cwd=ROOT, env=_env(tmp_path)
    )
    assert "usage: clipship" in out.stdout + out.stderr and "post" in out.stdout + out.stderr
    assert "window shown" not in out.stdout


def test_a_video_given_to_the_app_opens_in_the_window(tmp_path: Path) -> None:
    video = ROOT / "tests" / "media" / "h264_720x1280_30fps.mp4"
    env = dict(_env(tmp_path), CLIPSHIP_EXIT_AFTER_SHOW="1", QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--sandbox", str(video)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "clipship: window shown" in out.stdout and f"clipship: video {video}" in out.stdout


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, CLIPSHIP_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
