"""Settings declared once and checked on every read; the files Clipship writes are the user's alone."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import SETTINGS, load_settings

ROOT = Path(__file__).resolve().parents[1]


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_")}
    env.update(CLIPSHIP_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    return env


def _run(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "main.py"), *map(str, args)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


BAD = {"redirect_port": "abc", "chunk_size": [1], "allow_plaintext_tokens": "false", "client_key": 7}


def test_wrong_typed_settings_are_ignored_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "settings.json").write_text(json.dumps(BAD))
    values = load_settings(tmp_path)
    assert values == {s.name: s.default for s in SETTINGS}
    assert values["allow_plaintext_tokens"] is False  # the string "false" never turns a boolean on
    for name in BAD:
        assert any(name in r.getMessage() for r in caplog.records), name


def test_every_command_still_works_and_unset_repairs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "settings.json").write_text(json.dumps(BAD))
    env = _env(data)
    for args in (("config", "show"), ("history",), ("whoami",)):
        out = _run(env, *args)
        assert out.returncode in (0, 3), (args, out.stderr)  # whoami: 3 when nobody is signed in
        assert "Traceback" not in out.stderr and "unexpected" not in out.stderr
        assert "redirect_port" in out.stderr and "config unset" in out.stderr
    assert _run(env, "config", "unset", "redirect_port").returncode == 0
    assert json.loads((data / "settings.json").read_text())["redirect_port"] == 0


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        ("chunk_size", "5", False),
        ("chunk_size", "64000001", False),
        ("chunk_size", "10000000", True),
        ("chunk_size", "0", True),
        ("redirect_port", "99999", False),
        ("redirect_port", "8080", True),
        ("allow_plaintext_tokens", "maybe", False),
    ],
)
def test_config_set_checks_the_declared_range(tmp_path: Path, name: str, value: str, ok: bool) -> None:
    out = _run(_env(tmp_path / "data"), "config", "set", name, value)
    assert out.returncode == (0 if ok else 2), out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_files_in_the_data_dir_are_private(tmp_path: Path, media: Path) -> None:
    data = tmp_path / "data"
    out = _run(_env(data), "--sandbox", "post", media / "h264_720x1280_30fps.mp4", "--privacy", "SELF_ONLY")
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    seen = 0
    for path in data.rglob("*"):
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
        seen += 1
    assert seen > 5 and any(p.name == "history.db" for p in data.rglob("*"))


def test_an_unwritable_data_dir_is_a_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = _env(blocker / "data")  # a data dir that cannot be created
    for args in (("config", "set", "chunk_size", "10000000"), ("history",), ("queue", "list")):
        out = _run(env, *args)
        assert out.returncode == 4, (args, out.stderr)
        assert "Traceback" not in out.stderr and "unexpected" not in out.stderr
        assert "could not write" in out.stderr.lower() or "could not be opened" in out.stderr.lower()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs (needs root, as CI has): a full disk, for real."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root)")
    yield mount
    subprocess.run(["umount", str(mount)], capture_output=True)


def test_a_full_disk_is_said_before_anything_is_sent(tiny_disk: Path, tmp_path: Path) -> None:
    from tests.engine_helpers import make_video

    video = make_video(tmp_path / "v.mp4", 6_000_000)
    env = _env(tiny_disk / "data")
    out = _run(env, "--sandbox", "post", video, "--privacy", "SELF_ONLY")
    assert out.returncode == 4, out.stderr
    assert "MB free" in out.stderr and "Traceback" not in out.stderr and "uploading" not in out.stderr
    listing = _run(env, "--sandbox", "history", "--json")
    assert listing.returncode == 0 and "Traceback" not in listing.stderr
    assert all(row["status"] != "UPLOADING" for row in json.loads(listing.stdout))


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_history_and_its_journal_are_private_even_with_a_loose_umask(tmp_path: Path) -> None:
    from core.history import History

    old = os.umask(0o022)
    try:
        with History.in_dir(tmp_path) as history:
            history._db.execute("CREATE TABLE IF NOT EXISTS probe (x)")
            history._db.execute("INSERT INTO probe VALUES (1)")
            for name in ("history.db", "history.db-wal", "history.db-shm"):
                assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    finally:
        os.umask(old)
