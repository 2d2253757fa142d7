"""No token or client secret ends up in the data dir, logs, stdout/stderr, reprs or error texts."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auth_helpers import Runner, sandbox_context, scripted_browser

from core.auth import AccountTokenSource, accounts, login, logout, oauth_client, token_source_for
from core.auth.store import forget_memory
from core.errors import ClipshipError
from core.sandbox import SANDBOX_CLIENT_SECRET

VIDEO = Path(__file__).parent / "media" / "h264_720x1280_30fps.mp4"


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    forget_memory()
    yield
    forget_memory()


class Recorder:
    """Every secret value the keyring ever received (old tokens included, not just the latest)."""

    def __init__(self, backend: Any) -> None:
        self.values: set[str] = set()
        original = backend.set_password

        def set_password(service: str, username: str, password: str) -> None:
            self.values.add(password)
            try:
                blob = json.loads(password)
            except ValueError:
                blob = None
            if isinstance(blob, dict):
                self.values.update(str(blob[k]) for k in ("access_token", "refresh_token") if blob.get(k))
            original(service, username, password)

        backend.set_password = set_password

    def secrets(self) -> set[str]:
        return {v for v in self.values if not v.startswith("{")} | {SANDBOX_CLIENT_SECRET}


def leaks(secrets: set[str], **texts: str) -> list[str]:
    """Where a secret shows up; names only, so a failure never prints the secret itself."""
    return [
        f"{name} contains secret #{i}"
        for name, text in texts.items()
        for i, s in enumerate(sorted(secrets))
        if s in text
    ]


def files_text(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file()}


def test_login_refresh_post_logout_leave_no_secret_behind(
    sandbox: Any,
    tmp_path: Path,
    memory_keyring: Any,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3, requests and our own debug lines included
    recorder = Recorder(memory_keyring)
    ctx = sandbox_context(sandbox, tmp_path / "data" / "sandbox")
    errors: list[str] = []
    result = login(ctx, timeout=10, opener=scripted_browser(), on_url=print, on_message=print)
    source = token_source_for(ctx)
    assert isinstance(source, AccountTokenSource)
    stored = memory_keyring.get_password("clipship-sandbox", result.account.open_id)
    first_access = json.loads(stored)["access_token"]
    source.refresh(first_access)  # rotation: a second pair
    reprs = [repr(x) for x in (result, source, ctx.config, ctx, accounts(ctx), memory_keyring)]

    try:  # a post through the engine, when it is there
        from core.api import TikTokClient
        from core.models import PostSettings
        from core.pipeline import publish

        client = TikTokClient(ctx.config, source)
        try:
            published = publish(client, VIDEO, PostSettings(privacy_level="SELF_ONLY", title="leak test"))
            reprs.append(repr(published))
        finally:
            close = getattr(client, "close", None)
            if close is not None:
                close()
    except ImportError:
        pass

    sandbox.config.token_expire_after_calls = 0  # a 401 mid-way: the engine asks for one refresh
    source.refresh(source.access_token())
    with oauth_client(ctx.config) as oauth:  # a stale refresh token: the error texts must not carry it
        blob = json.loads(memory_keyring.get_password("clipship-sandbox", result.account.open_id))
        oauth.refresh(blob["refresh_token"])
        try:
            oauth.refresh(blob["refresh_token"])
        except ClipshipError as exc:
            errors.append(exc.user_text() + repr(exc) + str(exc))
    try:
        source.refresh(source.access_token())
    except ClipshipError as exc:
        errors.append(exc.user_text() + repr(exc) + str(exc))
    assert len(errors) == 2
    out = logout(ctx)
    errors.append(out.problem)
    try:
        logout(ctx)
    except ClipshipError as exc:
        errors.append(exc.user_text() + repr(exc))

    secrets = recorder.secrets()
    assert len(secrets) >= 5  # the client secret and two access + two refresh tokens at least
    captured = capfd.readouterr()
    found = leaks(
        secrets,
        logs=caplog.text,
        stdout=captured.out,
        stderr=captured.err,
        reprs="\n".join(reprs),
        errors="\n".join(errors),
        **files_text(tmp_path),
    )
    assert found == []
    assert "Signed in" not in captured.out  # (login() itself prints nothing; only the URL went to stdout)
    assert "/v2/auth/authorize/" in captured.out


def test_cli_session_with_debug_leaves_no_secret_in_output_or_data_dir(
    tmp_path: Path, _isolated_user_dirs: Path
) -> None:
    run = Runner(tmp_path)
    outputs = []
    for args in (
        ("--debug", "--sandbox", "login", "--timeout", "60"),
        ("--debug", "--sandbox", "whoami", "--json"),
        ("--debug", "--sandbox", "post", str(VIDEO), "--privacy", "SELF_ONLY", "--json"),
        ("--debug", "--sandbox", "logout"),
    ):
        done = run(*args)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        outputs.append(done.stdout + done.stderr)
        if args[2] == "login":
            blob = json.loads(next(iter(run.keyring().values())))
            secrets = {blob["access_token"], blob["refresh_token"], SANDBOX_CLIENT_SECRET}
    found = leaks(secrets, output="\n".join(outputs), **files_text(_isolated_user_dirs))
    assert found == []
