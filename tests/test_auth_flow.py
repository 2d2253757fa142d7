"""The whole sign-in against the sandbox over loopback: scripted browser, errors, scopes, storage, accounts."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest
import requests
from auth_helpers import sandbox_context, scripted_browser, with_query

from core.auth import AccountTokenSource, current_account, login, token_source_for
from core.auth.accounts import AccountRegistry
from core.auth.store import SANDBOX_SERVICE, SecretStore, Storage, forget_memory
from core.config import Config
from core.context import AppContext, StaticToken
from core.errors import AuthError


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    forget_memory()
    yield
    forget_memory()


@pytest.fixture
def ctx(sandbox: Any, tmp_path: Path) -> AppContext:
    return sandbox_context(sandbox, tmp_path / "data" / "sandbox")


def user_info(sandbox: Any, token: str) -> requests.Response:
    with requests.Session() as s:
        return s.get(
            sandbox.base_url + "/v2/user/info/",
            params={"fields": "open_id,display_name"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )


def test_whole_login_with_a_scripted_browser(ctx: AppContext, sandbox: Any, memory_keyring: Any) -> None:
    urls: list[str] = []
    pages: list[str] = []
    result = login(ctx, timeout=10, opener=scripted_browser(seen=pages), on_url=urls.append)
    acc = result.account
    assert result.storage is Storage.KEYRING and result.notices == ()
    assert acc.is_default and acc.can_direct_post and acc.can_upload_draft
    assert acc.scopes == ("user.info.basic", "video.publish", "video.upload")
    assert acc.display_name == "Sandbox Creator" and acc.username == "sandbox.creator"
    assert acc.access_expires_at - acc.signed_in_at == pytest.approx(sandbox.config.access_ttl, abs=5)
    assert pages and pages[0].startswith("200 ") and "You can close this tab and return to Clipship" in pages[0]
    assert len(urls) == 1 and urls[0].startswith(sandbox.auth_url)
    assert "scope=user.info.basic%2Cvideo.publish%2Cvideo.upload" in urls[0]
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in urls[0]
    # tokens in the sandbox keyring service only; accounts.json has metadata, never tokens
    blob = json.loads(memory_keyring.store[(SANDBOX_SERVICE, acc.open_id)])
    assert blob["access_token"].startswith("act.") and blob["refresh_token"].startswith("rft.")
    meta = (ctx.config.data_dir / "accounts.json").read_text()
    leaked = blob["access_token"] in meta or blob["refresh_token"] in meta
    assert not leaked  # (a bool, so a failure never prints a token)
    # the engine's entry point hands out a working token
    source = token_source_for(ctx)
    assert isinstance(source, AccountTokenSource)
    try:
        resp = user_info(sandbox, source.access_token())
        assert resp.status_code == 200 and resp.json()["data"]["user"]["open_id"] == acc.open_id
    finally:
        source.close()


def test_each_attempt_uses_a_fresh_verifier_and_state(ctx: AppContext) -> None:
    urls: list[str] = []
    login(ctx, timeout=10, opener=scripted_browser(), on_url=urls.append)
    login(ctx, timeout=10, opener=scripted_browser(), on_url=urls.append)
    from urllib.parse import parse_qs, urlsplit

    a, b = (parse_qs(urlsplit(u).query) for u in urls)
    assert a["state"] != b["state"] and a["code_challenge"] != b["code_challenge"]
    assert len(a["code_challenge"][0]) == 64


def test_unticked_publish_scope_disables_direct_post_but_drafts_work(ctx: AppContext) -> None:
    result = login(ctx, timeout=10, opener=scripted_browser(untick=("video.publish",)))
    acc = result.account
    assert not acc.can_direct_post and acc.can_upload_draft
    assert acc.missing_scopes == ("video.publish",)
    assert any("direct posting is disabled" in n for n in result.notices)
    assert acc.username == ""  # creator_info needs video.publish; the username stays empty
    assert current_account(ctx) == acc


def test_cancel_on_the_consent_page_is_access_denied(ctx: AppContext, memory_keyring: Any) -> None:
    pages: list[str] = []
    with pytest.raises(AuthError) as info:
        login(ctx, timeout=10, opener=scripted_browser(action="cancel", seen=pages))
    assert "cancelled" in info.value.message and "access was denied" in info.value.message
    assert info.value.exit_code == 3
    assert pages[0].startswith("400 ")
    assert memory_keyring.store == {} and AccountRegistry(ctx.config.data_dir).accounts() == []


def test_state_mismatch_is_ignored_and_reported(ctx: AppContext, memory_keyring: Any) -> None:
    pages: list[str] = []
    tampered = scripted_browser(tamper=lambda loc: with_query(loc, state="forged"), seen=pages)
    with pytest.raises(AuthError) as info:
        login(ctx, timeout=1.0, opener=tampered)
    assert "CSRF" in info.value.message
    assert pages[0].startswith("400 ")
    assert memory_keyring.store == {}


def test_timeout_when_the_user_never_finishes(ctx: AppContext) -> None:
    opened: list[str] = []
    with pytest.raises(AuthError) as info:
        login(ctx, timeout=0.3, opener=lambda url: opened.append(url) is None)
    assert "Timed out after 0.3 s" in info.value.message
    assert opened


def test_browser_that_cannot_open_is_reported_and_the_url_still_shown(ctx: AppContext) -> None:
    messages: list[str] = []
    urls: list[str] = []
    with pytest.raises(AuthError):
        login(ctx, timeout=0.5, opener=lambda url: False, on_url=urls.append, on_message=messages.append)
    assert urls and any("open the address above" in m for m in messages)


def test_port_in_use(ctx: AppContext) -> None:
    opened: list[str] = []
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(AuthError) as info:
            login(ctx, timeout=5, port=port, opener=lambda url: opened.append(url) is None)
    assert "already in use" in info.value.message
    assert opened == []


def test_fixed_port_from_settings_goes_into_the_redirect(ctx: AppContext) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    urls: list[str] = []
    fixed = AppContext(ctx.config.with_(redirect_port=port))
    login(fixed, timeout=10, opener=scripted_browser(), on_url=urls.append)
    assert f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fcallback%2F" in urls[0]


def test_oauth_error_with_http_200_is_an_error(ctx: AppContext, sandbox: Any) -> None:
    with requests.Session() as s:  # the sandbox answers OAuth errors with HTTP 200, like TikTok reportedly does
        raw = s.post(
            sandbox.base_url + "/v2/oauth/token/",
            data={"client_key": ctx.config.client_key, "client_secret": "wrong", "grant_type": "refresh_token"},
            timeout=10,
        )
    assert raw.status_code == 200 and raw.json()["error"] == "invalid_client"
    bad = AppContext(ctx.config.with_(client_secret="Wrong-Secret-123"))
    with pytest.raises(AuthError) as info:
        login(bad, timeout=10, opener=scripted_browser())
    assert "client key or client secret" in info.value.message
    assert "Wrong-Secret-123" not in info.value.user_text()
    assert AccountRegistry(ctx.config.data_dir).accounts() == []


def test_several_accounts_default_and_account_choice(ctx: AppContext, sandbox: Any) -> None:
    first = login(ctx, timeout=10, opener=scripted_browser()).account
    second = login(ctx, timeout=10, opener=scripted_browser(account="__new__")).account
    assert first.open_id != second.open_id
    reg = AccountRegistry(ctx.config.data_dir)
    assert [a.open_id for a in reg.accounts()] == [second.open_id, first.open_id]
    assert reg.default() == second
    for acc in (first, second):
        source = token_source_for(ctx, acc.open_id)
        try:
            assert user_info(sandbox, source.access_token()).json()["data"]["user"]["open_id"] == acc.open_id
        finally:
            source.close()  # type: ignore[attr-defined]
    with pytest.raises(AuthError) as info:
        token_source_for(ctx, "nobody")
    assert "nobody" in info.value.message and first.open_id in info.value.hint


def test_token_source_order_env_then_account_then_error(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = AppContext(Config(api_base="http://127.0.0.1:9", client_key="ck", data_dir=tmp_path / "real"))
    with pytest.raises(AuthError) as info:
        token_source_for(real)
    assert info.value.message == "Not signed in to TikTok." and "clipship login" in info.value.hint
    monkeypatch.setenv("CLIPSHIP_ACCESS_TOKEN", "act.from-env")
    env = token_source_for(real)
    assert isinstance(env, StaticToken) and env.access_token() == "act.from-env"
    assert "act.from-env" not in repr(env)
    # never in sandbox mode: sandbox accounts and real tokens never mix
    with pytest.raises(AuthError):
        token_source_for(ctx)
    login(ctx, timeout=10, opener=scripted_browser())
    source = token_source_for(ctx)
    assert isinstance(source, AccountTokenSource)
    source.close()


def test_sandbox_signs_in_the_demo_account_automatically(
    ctx: AppContext, sandbox: Any, memory_keyring: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx.sandbox = sandbox
    try:
        source = token_source_for(ctx)
        try:
            token = source.access_token()
        finally:
            source.close()  # type: ignore[attr-defined]
    finally:
        ctx.sandbox = None
    acc = current_account(ctx)
    assert acc is not None and acc.is_default and acc.can_direct_post
    assert (SANDBOX_SERVICE, acc.open_id) in memory_keyring.store
    assert user_info(sandbox, token).status_code == 200
    out = capsys.readouterr()
    leaked = token in out.out + out.err
    assert not leaked


def test_no_keyring_backend_login_keeps_tokens_in_memory_and_says_so(ctx: AppContext, sandbox: Any) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    result = login(ctx, timeout=10, opener=scripted_browser())
    assert result.storage is Storage.MEMORY
    assert any("No OS keyring" in n for n in result.notices)
    source = token_source_for(ctx)
    try:
        assert user_info(sandbox, source.access_token()).status_code == 200
    finally:
        source.close()  # type: ignore[attr-defined]
    assert not any("token" in p.name for p in ctx.config.data_dir.iterdir())
    forget_memory()  # what a new process sees
    with pytest.raises(AuthError) as info:
        token_source_for(ctx).access_token()
    assert "No stored sign-in" in info.value.message
    # ...except under --sandbox, whose emulated accounts are signed in again silently
    ctx.sandbox = sandbox
    try:
        again = token_source_for(ctx)
        assert user_info(sandbox, again.access_token()).json()["data"]["user"]["open_id"] == result.account.open_id
    finally:
        ctx.sandbox = None


def test_store_of_another_mode_is_separate(ctx: AppContext) -> None:
    acc = login(ctx, timeout=10, opener=scripted_browser()).account
    assert SecretStore("clipship").load_tokens(acc.open_id) is None
    assert SecretStore(SANDBOX_SERVICE).load_tokens(acc.open_id) is not None


def test_sandbox_account_without_tokens_is_signed_in_again_and_the_default_stays(
    ctx: AppContext, sandbox: Any, memory_keyring: Any
) -> None:
    first = login(ctx, timeout=10, opener=scripted_browser()).account
    second = login(ctx, timeout=10, opener=scripted_browser(account="__new__")).account
    memory_keyring.store.clear()  # e.g. the keyring was reset
    ctx.sandbox = sandbox
    try:
        source = token_source_for(ctx, first.open_id)
        assert user_info(sandbox, source.access_token()).json()["data"]["user"]["open_id"] == first.open_id
    finally:
        ctx.sandbox = None
    now_default = current_account(ctx)
    assert now_default is not None and now_default.open_id == second.open_id


def test_plaintext_storage_only_after_the_explicit_setting(ctx: AppContext, sandbox: Any) -> None:
    import stat

    from core.cli import main as cli_main

    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert login(ctx, timeout=10, opener=scripted_browser()).storage is Storage.MEMORY
    assert not (ctx.config.data_dir / "tokens-plaintext.json").exists()
    assert cli_main(["config", "set", "allow_plaintext_tokens", "true"]) == 0
    result = login(ctx, timeout=10, opener=scripted_browser())
    assert result.storage is Storage.PLAINTEXT
    assert any("PLAIN TEXT" in n and "0600" in n for n in result.notices)
    path = ctx.config.data_dir / "tokens-plaintext.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    forget_memory()  # a new process reads them back from the file
    source = token_source_for(ctx)
    assert user_info(sandbox, source.access_token()).status_code == 200


def test_logout_all_signs_out_every_account(ctx: AppContext, sandbox: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from core.cli.auth import cmd_logout

    first = login(ctx, timeout=10, opener=scripted_browser()).account
    second = login(ctx, timeout=10, opener=scripted_browser(account="__new__")).account
    access = {}
    for acc in (first, second):
        source = token_source_for(ctx, acc.open_id)
        try:
            access[acc.open_id] = source.access_token()
        finally:
            source.close()  # type: ignore[attr-defined]
    assert cmd_logout(argparse.Namespace(all=True, account=None), ctx) == 0
    out = capsys.readouterr()
    assert out.out.count("Signed out") == 2 and first.open_id in out.out and second.open_id in out.out
    assert AccountRegistry(ctx.config.data_dir).accounts() == []
    for token in access.values():  # revoked at TikTok too
        assert user_info(sandbox, token).status_code == 401
    assert cmd_logout(argparse.Namespace(all=True, account=None), ctx) == 0
    assert "nothing to do" in capsys.readouterr().out
