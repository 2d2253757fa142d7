"""The project's own rules: core/ stays Qt-free, the CLI answers --version/--help without Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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
