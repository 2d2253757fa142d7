"""The sign-in commands as a new user runs them: real processes, $BROWSER as the browser, the sandbox."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from auth_helpers import Runner

from core.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent


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
        leaked = tokens["access_token"] in out.stdout + out.stderr or tokens["refresh_token"] in out.stdout + out.stderr
        assert not leaked  # (a bool, so a failure never prints a token)

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
    leaked = tokens["refresh_token"] in data_files or tokens["access_token"] in data_files
    assert not leaked


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
