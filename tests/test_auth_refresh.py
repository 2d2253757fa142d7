"""Refresh against the sandbox: rotation persisted at once, ahead of expiry, once on a 401, serialized, revoke."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from auth_helpers import sandbox_context, scripted_browser

from core.auth import AccountTokenSource, login, logout, oauth_client, token_source_for
from core.auth.accounts import AccountRegistry
from core.auth.oauth import OAuthClient, OAuthError
from core.auth.store import SANDBOX_SERVICE, forget_memory
from core.context import AppContext
from core.errors import AuthError


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    forget_memory()
    yield
    forget_memory()


@pytest.fixture
def ctx(sandbox: Any, tmp_path: Path) -> AppContext:
    context = sandbox_context(sandbox, tmp_path / "data" / "sandbox")
    login(context, timeout=10, opener=scripted_browser())
    sandbox.clear_request_log()
    return context


def stored(memory_keyring: Any, ctx: AppContext) -> dict[str, Any]:
    acc = AccountRegistry(ctx.config.data_dir).default()
    assert acc is not None
    return dict(json.loads(memory_keyring.store[(SANDBOX_SERVICE, acc.open_id)]))


def source_for(ctx: AppContext) -> AccountTokenSource:
    source = token_source_for(ctx)
    assert isinstance(source, AccountTokenSource)
    return source


class TokenCalls:
    """Counts the token endpoint calls our clients made (seen on the client side, so never racy)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def hook(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        if resp.request.path_url.startswith("/v2/oauth/token/"):
            with self._lock:
                self.count += 1

    def source(self, ctx: AppContext, clock: Any = None) -> AccountTokenSource:
        base = source_for(ctx)

        def factory() -> OAuthClient:
            oauth = oauth_client(ctx.config)
            oauth.session.hooks["response"].append(self.hook)
            return oauth

        extra = {"clock": clock} if clock else {}
        return AccountTokenSource(factory, base._store, base._registry, base.open_id, base.label, **extra)


def fp(token: str) -> str:
    """A fingerprint to compare tokens with, so a failing assertion never prints a token."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def user_info_status(sandbox: Any, token: str) -> int:
    with requests.Session() as s:
        resp = s.get(
            sandbox.base_url + "/v2/user/info/",
            params={"fields": "open_id"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        return resp.status_code


def test_refresh_rotation_old_refresh_token_dies_newest_is_in_the_keyring(
    ctx: AppContext, sandbox: Any, memory_keyring: Any
) -> None:
    before = stored(memory_keyring, ctx)
    source = source_for(ctx)
    try:
        new_access = source.refresh(before["access_token"])
    finally:
        source.close()
    after = stored(memory_keyring, ctx)
    assert fp(new_access) == fp(after["access_token"]) != fp(before["access_token"])
    assert fp(after["refresh_token"]) != fp(before["refresh_token"])
    with oauth_client(ctx.config) as oauth, pytest.raises(OAuthError) as info:
        oauth.refresh(before["refresh_token"])  # the previous refresh token stopped working
    assert info.value.code == "invalid_grant"
    leaked = before["refresh_token"] in info.value.user_text()
    assert not leaked
    with oauth_client(ctx.config) as oauth:  # the stored one works (and rotates again)
        assert fp(oauth.refresh(after["refresh_token"]).refresh_token) != fp(after["refresh_token"])
    acc = AccountRegistry(ctx.config.data_dir).default()
    assert acc is not None and acc.access_expires_at == pytest.approx(after["access_expires_at"])


def test_ensure_fresh_refreshes_only_when_the_token_would_expire_during_the_work(
    ctx: AppContext, sandbox: Any, memory_keyring: Any
) -> None:
    first = stored(memory_keyring, ctx)
    calls = TokenCalls()
    source = calls.source(ctx)
    try:
        source.ensure_fresh(60)  # a 24 h token outlives a one-minute upload
        assert calls.count == 0 and fp(stored(memory_keyring, ctx)["access_token"]) == fp(first["access_token"])
    finally:
        source.close()
    # a day later, two minutes before expiry, a ten-minute upload starts: refresh before it
    offset = first["access_expires_at"] - 120 - time.time()
    later = calls.source(ctx, clock=lambda: time.time() + offset)
    try:
        later.ensure_fresh(600)
        assert calls.count == 1 and later.refresh_count == 1
        second = stored(memory_keyring, ctx)
        assert fp(second["refresh_token"]) != fp(first["refresh_token"])
        later.ensure_fresh(600)  # the new token lasts a day: not again
        assert calls.count == 1
        assert fp(later.access_token()) == fp(second["access_token"])
    finally:
        later.close()


def test_short_lived_tokens_mode_expiry_follows_the_response(sandbox: Any, tmp_path: Path) -> None:
    sandbox.config.access_ttl = 7200
    sandbox.config.refresh_ttl = 15552000
    context = sandbox_context(sandbox, tmp_path / "short")
    acc = login(context, timeout=10, opener=scripted_browser()).account
    assert acc.access_expires_at - acc.signed_in_at == pytest.approx(7200, abs=5)
    assert acc.refresh_expires_at - acc.signed_in_at == pytest.approx(15552000, abs=5)


def test_a_401_triggers_exactly_one_refresh(ctx: AppContext, sandbox: Any, memory_keyring: Any) -> None:
    old = stored(memory_keyring, ctx)["access_token"]
    sandbox.config.token_expire_after_calls = 0  # every access token that exists now stops working
    assert user_info_status(sandbox, old) == 401
    calls = TokenCalls()
    source = calls.source(ctx)
    try:
        new = source.refresh(old)
        again = source.refresh(old)  # a second 401 for the same token (another request in flight)
        assert fp(again) == fp(new) and source.refresh_count == 1 and calls.count == 1
        assert user_info_status(sandbox, new) == 200  # the request is repeated with the new token
        assert fp(source.access_token()) == fp(new)
    finally:
        source.close()


def test_concurrent_refreshes_are_serialized(ctx: AppContext, sandbox: Any, memory_keyring: Any) -> None:
    old = stored(memory_keyring, ctx)["access_token"]
    calls = TokenCalls()
    sources = [calls.source(ctx) for _ in range(4)]  # e.g. the window and an upload worker
    barrier = threading.Barrier(len(sources))
    results: list[str] = []
    errors: list[BaseException] = []

    def work(src: AccountTokenSource) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(src.refresh(old))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for s in sources:
        s.close()
    assert errors == []
    assert len({fp(r) for r in results}) == 1 and len(results) == 4
    assert calls.count == 1 and sum(s.refresh_count for s in sources) == 1
    assert fp(stored(memory_keyring, ctx)["access_token"]) == fp(results[0])


def test_expired_refresh_token_means_sign_in_again(ctx: AppContext, sandbox: Any, memory_keyring: Any) -> None:
    source = source_for(ctx)
    try:
        with oauth_client(ctx.config) as oauth:  # someone rotated it behind our back and lost the result
            oauth.refresh(stored(memory_keyring, ctx)["refresh_token"])
        with pytest.raises(AuthError) as info:
            source.refresh(stored(memory_keyring, ctx)["access_token"])
    finally:
        source.close()
    assert "expired or was revoked" in info.value.message and "clipship login" in info.value.hint


def test_logout_revokes_at_tiktok_and_deletes_here(ctx: AppContext, sandbox: Any, memory_keyring: Any) -> None:
    tokens = stored(memory_keyring, ctx)
    result = logout(ctx)
    assert result.revoked and result.problem == ""
    assert memory_keyring.store == {}
    assert AccountRegistry(ctx.config.data_dir).accounts() == []
    assert user_info_status(sandbox, tokens["access_token"]) == 401
    with oauth_client(ctx.config) as oauth, pytest.raises(OAuthError):
        oauth.refresh(tokens["refresh_token"])
    with pytest.raises(AuthError):
        logout(ctx)


def test_logout_with_an_expired_access_token_refreshes_then_revokes(
    ctx: AppContext, sandbox: Any, memory_keyring: Any
) -> None:
    sandbox.config.token_expire_after_calls = 0
    user_info_status(sandbox, stored(memory_keyring, ctx)["access_token"])  # trips the expiry
    blob = stored(memory_keyring, ctx)
    blob["access_expires_at"] = 0  # we know it expired
    acc = AccountRegistry(ctx.config.data_dir).default()
    assert acc is not None
    memory_keyring.store[(SANDBOX_SERVICE, acc.open_id)] = json.dumps(blob)
    assert logout(ctx).revoked


def test_token_dying_mid_post_is_refreshed_once_and_the_post_completes(
    ctx: AppContext, sandbox: Any, memory_keyring: Any
) -> None:
    from core.api import TikTokClient
    from core.models import PostSettings
    from core.pipeline import publish

    before = stored(memory_keyring, ctx)
    calls = TokenCalls()
    source = calls.source(ctx)
    sandbox.config.token_expire_after_calls = 2  # creator_info and init pass, then the token dies
    video = Path(__file__).parent / "media" / "h264_720x1280_30fps.mp4"
    client = TikTokClient(ctx.config, source)
    try:
        result = publish(client, video, PostSettings(privacy_level="SELF_ONLY", title="refresh mid-post"))
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            close()
    assert result.publish_id and sandbox.received(result.publish_id).complete
    # one refresh, and only the 401 can have caused it (a 24 h token needs no refresh ahead of a tiny post)
    assert calls.count == 1 and source.refresh_count == 1
    assert fp(stored(memory_keyring, ctx)["refresh_token"]) != fp(before["refresh_token"])
