"""Shared test setup: Qt offscreen, every user directory in tmp_path, an in-memory keyring, the sandbox."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

MEDIA = Path(__file__).parent / "media"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in a dict (for tests that do not need a Secret Service)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data dir (and HOME-based dirs) into tmp_path; clear CLIPSHIP_* from the caller's shell."""
    for name in list(os.environ):
        if name.startswith("CLIPSHIP_") and name != "CLIPSHIP_SECRET_SERVICE":
            monkeypatch.delenv(name)
    data = tmp_path / "clipship-data"
    monkeypatch.setenv("CLIPSHIP_DATA_DIR", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return data


@pytest.fixture(autouse=True)
def memory_keyring(request: pytest.FixtureRequest) -> Iterator[MemoryKeyring | None]:
    """An in-memory keyring for every test, except those marked secret_service (they use the real one)."""
    if request.node.get_closest_marker("secret_service"):
        if not os.environ.get("CLIPSHIP_SECRET_SERVICE"):
            if shutil.which("gnome-keyring-daemon") and shutil.which("dbus-run-session"):
                pytest.skip("needs a private Secret Service: run it through bash tests/run.sh, which starts one")
            pytest.skip(
                "needs gnome-keyring and dbus, which are not installed (apt-get install gnome-keyring dbus); "
                "then bash tests/run.sh runs these tests in a private D-Bus session"
            )
        yield None
        return
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def media() -> Path:
    """The folder of tiny real test videos (made by tests/media/make_media.sh)."""
    return MEDIA


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Any]:
    """A fresh embedded TikTok emulator on an ephemeral loopback port."""
    from core.sandbox import Sandbox

    server = Sandbox(state_dir=tmp_path / "sandbox-state")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---- the window (shared by the tests/test_ui_*.py modules; a module defines its own to differ) ----------------


@pytest.fixture
def make_window(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    """Makes main windows (ui_helpers.WindowFactory) and closes them, joining their threads, when the test ends."""
    from ui_helpers import window_factory

    yield from window_factory(qtbot, tmp_path)


@pytest.fixture
def window(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any) -> Any:
    """A window signed in to the sandbox's demo account, with fresh creator_info."""
    from ui_helpers import sandbox_ctx, wait_ready

    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    return win
