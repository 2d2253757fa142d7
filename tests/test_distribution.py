"""A distributor's TikTok app built in (core/distribution.py, build.spec): resolution order, no secret printed or
stored in the clear, and a fresh user signing in with no settings at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auth_helpers import Runner

from core import distribution
from core.auth.login import app_secret_store, client_credentials
from core.config import Config, save_settings
from core.errors import AuthError

ROOT = Path(__file__).resolve().parent.parent
DIST_KEY = "awdistkey0123456789"
DIST_SECRET = "DiStSeCrEt-5b1f0c9e7a2d4e8f"


@pytest.fixture(autouse=True)
def _no_module_cached() -> Iterator[None]:
    distribution.forget()
    yield
    distribution.forget()


@pytest.fixture
def built_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A generated clipship_distribution module (written as build.spec writes it) on sys.path."""
    folder = tmp_path / "generated"
    env = {distribution.ENV_KEY: DIST_KEY, distribution.ENV_SECRET: DIST_SECRET}
    assert distribution.write_module(folder, env) is True
    monkeypatch.syspath_prepend(str(folder))
    return folder / f"{distribution.MODULE}.py"


def real_config(**changes: Any) -> Config:
    return Config.from_env().with_(**changes)


def test_without_a_built_in_app_the_user_must_bring_one() -> None:
    assert distribution.built_in_credentials() is None
    with pytest.raises(AuthError) as info:
        client_credentials(real_config())
    assert "No TikTok client key" in info.value.message


def test_the_built_in_app_signs_in_when_the_user_set_nothing(built_in: Path) -> None:
    assert client_credentials(real_config()) == (DIST_KEY, DIST_SECRET)
    text = built_in.read_text()
    assert DIST_SECRET not in text and DIST_KEY not in text  # masked, not plain strings in the binary


def test_the_users_own_app_wins_over_the_built_in_one(built_in: Path, memory_keyring: Any) -> None:
    save_settings({"client_key": "aw-own-key"})
    app_secret_store(real_config()).set_client_secret("own-secret")
    assert client_credentials(real_config()) == ("aw-own-key", "own-secret")  # settings + keyring


def test_environment_wins_over_settings_and_the_built_in_app(built_in: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings({"client_key": "aw-own-key"})
    monkeypatch.setenv("CLIPSHIP_CLIENT_KEY", "aw-env-key")
    monkeypatch.setenv("CLIPSHIP_CLIENT_SECRET", "env-secret")
    assert client_credentials(real_config()) == ("aw-env-key", "env-secret")


def test_a_users_key_is_never_paired_with_the_built_in_secret(built_in: Path) -> None:
    save_settings({"client_key": "aw-own-key"})  # no secret of the user's own yet
    with pytest.raises(AuthError) as info:
        client_credentials(real_config())
    assert "No TikTok client secret" in info.value.message
    assert DIST_SECRET not in info.value.message + info.value.hint


def test_a_lone_user_secret_does_not_break_the_built_in_pair(built_in: Path, memory_keyring: Any) -> None:
    app_secret_store(real_config()).set_client_secret("left-over-secret")  # key cleared in Settings later
    assert client_credentials(real_config()) == (DIST_KEY, DIST_SECRET)


def test_the_sandbox_keeps_its_demo_app(built_in: Path) -> None:
    from core.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

    cfg = real_config(client_key=SANDBOX_CLIENT_KEY, client_secret=SANDBOX_CLIENT_SECRET, sandbox=True)
    assert client_credentials(cfg) == (SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET)


def test_a_damaged_module_is_ignored_without_showing_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / f"{distribution.MODULE}.py").write_text(f"PAD = 'not base64!'\nKEY = 'x'\nSECRET = {DIST_SECRET!r}\n")
    monkeypatch.syspath_prepend(str(folder))
    assert distribution.built_in_credentials() is None
    assert "could not be read" in caplog.text and DIST_SECRET not in caplog.text


def test_config_show_names_the_built_in_app_but_not_its_secret(
    built_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.cli import main as cli_main

    assert cli_main(["config", "show", "--json"]) == 0
    out = capsys.readouterr()
    shown = json.loads(out.out)
    assert shown["client_key"] == DIST_KEY and shown["client_key_source"] == "built in"
    assert shown["client_secret"] == "set (built in)"
    assert DIST_SECRET not in out.out + out.err


@pytest.mark.parametrize("only", [distribution.ENV_KEY, distribution.ENV_SECRET])
def test_half_a_pair_is_refused_naming_the_variable_not_the_value(tmp_path: Path, only: str) -> None:
    with pytest.raises(ValueError) as info:
        distribution.write_module(tmp_path, {only: DIST_SECRET})
    assert DIST_SECRET not in str(info.value) and "set both" in str(info.value)
    assert not (tmp_path / f"{distribution.MODULE}.py").exists()


# build.spec run as PyInstaller runs it (its globals and API), with the build steps recorded instead of done.
SPEC_RUNNER = textwrap.dedent(
    """
    import json, os, sys, types
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda package: []
    for name in ("PyInstaller", "PyInstaller.utils"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["PyInstaller.utils.hooks"] = hooks
    root, work, dist = sys.argv[1:4]
    seen = {}

    class Analysis:
        def __init__(self, scripts, **kw):
            self.pure, self.binaries, self.datas, self.scripts = [], [], [], []
            seen["analysis"] = self

    def PYZ(pure):
        seen["pure"] = [list(e) for e in pure]

    def COLLECT(*args, name, **kw):
        os.makedirs(os.path.join(dist, name), exist_ok=True)

    names = dict(SPECPATH=root, workpath=work, DISTPATH=dist, Analysis=Analysis, PYZ=PYZ, COLLECT=COLLECT,
                 EXE=lambda *a, **k: None, BUNDLE=lambda *a, **k: None, __name__="__main__")
    with open(os.path.join(root, "build.spec"), encoding="utf-8") as fh:
        exec(compile(fh.read(), "build.spec", "exec"), names)
    print("PURE " + json.dumps(seen["pure"]))
    """
)


def run_spec(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    runner = tmp_path / "spec_runner.py"
    runner.write_text(SPEC_RUNNER)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_")}
    return subprocess.run(
        [sys.executable, str(runner), str(ROOT), str(tmp_path / "work"), str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
    )


def test_build_spec_builds_the_app_in_without_printing_the_secret(tmp_path: Path) -> None:
    out = run_spec(tmp_path, CLIPSHIP_DIST_CLIENT_KEY=DIST_KEY, CLIPSHIP_DIST_CLIENT_SECRET=DIST_SECRET)
    assert out.returncode == 0, out.stderr[-2000:].replace(DIST_SECRET, "<secret>")
    printed = out.stdout + out.stderr
    assert DIST_SECRET not in printed  # (compared, never shown)
    assert "a distributor's TikTok app is built in" in out.stdout
    pure = json.loads(out.stdout.split("PURE ", 1)[1])
    generated = tmp_path / "work" / "generated" / f"{distribution.MODULE}.py"
    assert [distribution.MODULE, str(generated), "PYMODULE"] in pure
    assert DIST_SECRET not in generated.read_text()
    assert not (ROOT / f"{distribution.MODULE}.py").exists() and not (ROOT / "core" / "_distribution.py").exists()


def test_build_spec_without_the_variables_builds_no_app_in(tmp_path: Path) -> None:
    stale = tmp_path / "work" / "generated" / f"{distribution.MODULE}.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("PAD = ''\n")  # from an earlier build with the variables set
    out = run_spec(tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "no built-in TikTok app" in out.stdout
    assert not stale.exists()
    assert all(e[0] != distribution.MODULE for e in json.loads(out.stdout.split("PURE ", 1)[1]))


def test_build_spec_refuses_half_a_pair(tmp_path: Path) -> None:
    out = run_spec(tmp_path, CLIPSHIP_DIST_CLIENT_SECRET=DIST_SECRET)
    assert out.returncode != 0
    assert "CLIPSHIP_DIST_CLIENT_KEY is not set" in out.stderr and DIST_SECRET not in out.stdout + out.stderr


def test_a_fresh_user_signs_in_with_no_settings(tmp_path: Path, sandbox: Any, _isolated_user_dirs: Path) -> None:
    """`clipship login` (not --sandbox) in a new process with only a built-in app: here the sandbox's demo app,
    served by the sandbox as if it were TikTok. No client key, secret or setting is given."""
    from core.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

    folder = tmp_path / "generated"
    env = {distribution.ENV_KEY: SANDBOX_CLIENT_KEY, distribution.ENV_SECRET: SANDBOX_CLIENT_SECRET}
    distribution.write_module(folder, env)
    run = Runner(tmp_path)
    paths = os.pathsep.join([run.env["PYTHONPATH"], str(folder)])
    endpoints = {"CLIPSHIP_API_BASE": sandbox.base_url, "CLIPSHIP_AUTH_URL": sandbox.auth_url}
    done = run("login", "--timeout", "60", PYTHONPATH=paths, **endpoints)
    assert done.returncode == 0, done.stderr
    assert "Signed in as Sandbox Creator (@sandbox.creator)" in done.stdout
    assert f"client_key={SANDBOX_CLIENT_KEY}" in done.stdout  # the authorize URL carries the built-in key
    assert SANDBOX_CLIENT_SECRET not in done.stdout + done.stderr
    stored = run.keyring()
    assert len(stored) == 1 and next(iter(stored)).startswith("clipship\0")  # the real app's keyring service
    assert not (_isolated_user_dirs / "settings.json").exists()  # nothing was configured
