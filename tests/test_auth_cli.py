"""The sign-in commands as a new user runs them: real processes, $BROWSER as the browser, the sandbox."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from core.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent

FILE_KEYRING = textwrap.dedent(
    '''
    """A keyring backend kept in a JSON file, so that separate test processes share one keyring."""
    import json
    import os

    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError


    class FileKeyring(KeyringBackend):
        priority = 1

        def _load(self):
            try:
                with open(os.environ["TEST_KEYRING_FILE"], encoding="utf-8") as fh:
                    return json.load(fh)
            except FileNotFoundError:
                return {}

        def _save(self, data):
            with open(os.environ["TEST_KEYRING_FILE"], "w", encoding="utf-8") as fh:
                json.dump(data, fh)

        def get_password(self, service, username):
            return self._load().get(service + "\\0" + username)

        def set_password(self, service, username, password):
            data = self._load()
            data[service + "\\0" + username] = password
            self._save(data)

        def delete_password(self, service, username):
            data = self._load()
            if data.pop(service + "\\0" + username, None) is None:
                raise PasswordDeleteError(username)
            self._save(data)
    '''
)

BROWSER = textwrap.dedent(
    """
    import sys
    from core.sandbox.browser import follow_consent
    follow_consent(sys.argv[1], deliver=True)
    """
)


class Runner:
    """Runs `python main.py ...` like a user's shell, with a scripted $BROWSER and a shared file keyring."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        (tmp / "kr").mkdir()
        (tmp / "kr" / "filekeyring.py").write_text(FILE_KEYRING)
        (tmp / "browser.py").write_text(BROWSER)
        self.keyring_file = tmp / "keyring.json"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_") or k == "CLIPSHIP_DATA_DIR"}
        self.env.update(
            PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp / "kr")]),
            PYTHON_KEYRING_BACKEND="filekeyring.FileKeyring",
            TEST_KEYRING_FILE=str(self.keyring_file),
            BROWSER=f"{sys.executable} {tmp / 'browser.py'} %s",
        )

    def __call__(self, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **env},
            cwd=self.tmp,
            timeout=120,
        )

    def keyring(self) -> dict[str, str]:
        return json.loads(self.keyring_file.read_text()) if self.keyring_file.exists() else {}


@pytest.fixture
def run(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


def test_sandbox_login_whoami_logout_as_a_new_user(run: Runner, _isolated_user_dirs: Path) -> None:
    first = run("--sandbox", "whoami")
    assert first.returncode == 3 and "Not signed in" in first.stderr

    done = run("--sandbox", "login", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    assert "Opening TikTok's sign-in page" in done.stderr
    assert "/v2/auth/authorize/?client_key=" in done.stdout  # printed so the user can copy it
    assert "Signed in (sandbox) as Sandbox Creator (@sandbox.creator)" in done.stdout
    assert "Traceback" not in done.stderr
    stored = run.keyring()
    assert len(stored) == 1 and next(iter(stored)).startswith("clipship-sandbox\0")
    tokens = json.loads(next(iter(stored.values())))

    who = run("--sandbox", "whoami", "--json")  # a new process: the sign-in lasts across runs
    assert who.returncode == 0, who.stderr
    info = json.loads(who.stdout)
    assert info["sandbox"] is True and len(info["accounts"]) == 1
    acc = info["accounts"][0]
    assert acc["default"] and acc["can_direct_post"] and acc["tokens_stored"]
    assert acc["scopes"] == ["user.info.basic", "video.publish", "video.upload"]
    for out in (done, who):
        assert tokens["access_token"] not in out.stdout + out.stderr
        assert tokens["refresh_token"] not in out.stdout + out.stderr

    text = run("--sandbox", "whoami")
    assert text.returncode == 0 and "(default)" in text.stdout and "access until:" in text.stdout

    real = run("whoami")  # sandbox accounts never show up as real ones
    assert real.returncode == 3

    out = run("--sandbox", "logout")
    assert out.returncode == 0, out.stderr
    assert "Signed out Sandbox Creator" in out.stdout and "could not be told" not in out.stderr
    assert run.keyring() == {}
    assert run("--sandbox", "whoami").returncode == 3
    data_files = " ".join(p.read_text(errors="replace") for p in _isolated_user_dirs.rglob("*") if p.is_file())
    assert tokens["refresh_token"] not in data_files and tokens["access_token"] not in data_files


def test_login_failure_exits_3_without_traceback(run: Runner) -> None:
    out = run("--sandbox", "login", "--timeout", "0.5", BROWSER="true %s")
    assert out.returncode == 3
    assert "Error: Timed out after 0.5 s" in out.stderr and "Traceback" not in out.stderr


def test_real_login_without_client_key_explains(run: Runner) -> None:
    out = run("login", "--timeout", "1")
    assert out.returncode == 3
    assert "No TikTok client key" in out.stderr and "CLIPSHIP_CLIENT_KEY" in out.stderr


def test_config_client_key_and_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], memory_keyring: Any, _isolated_user_dirs: Path
) -> None:
    assert cli_main(["config", "set", "client_key", "aw-test-key"]) == 0
    assert cli_main(["config", "set", "redirect_port", "53682"]) == 0
    assert cli_main(["config", "set", "redirect_port", "70000"]) == 2
    assert cli_main(["config", "set", "client_secret", "nope"]) == 2
    assert cli_main(["config", "set", "nonsense", "1"]) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("Config-Secret-XYZ\n"))
    assert cli_main(["config", "set-secret"]) == 0
    assert memory_keyring.store[("clipship", "app:client_secret")] == "Config-Secret-XYZ"
    capsys.readouterr()
    assert cli_main(["config", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["client_key"] == "aw-test-key" and shown["client_key_source"] == "settings"
    assert shown["client_secret"] == "set (OS keyring)" and shown["redirect_port"] == 53682
    settings = (_isolated_user_dirs / "settings.json").read_text()
    assert "Config-Secret-XYZ" not in settings and "aw-test-key" in settings
    from core.auth import client_credentials
    from core.config import Config

    assert client_credentials(Config.from_env()) == ("aw-test-key", "Config-Secret-XYZ")
    monkeypatch.setenv("CLIPSHIP_CLIENT_SECRET", "Env-Secret")
    assert client_credentials(Config.from_env())[1] == "Env-Secret"
    assert cli_main(["config", "delete-secret"]) == 0
    assert ("clipship", "app:client_secret") not in memory_keyring.store
    out = capsys.readouterr()
    assert "Config-Secret-XYZ" not in out.out + out.err
