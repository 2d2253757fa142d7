"""Tokens through a real Secret Service (gnome-keyring in a private D-Bus session; tests/run.sh sets it up)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from auth_helpers import sandbox_context, scripted_browser

from core.auth import AccountTokenSource, login, logout, token_source_for
from core.auth.store import SANDBOX_SERVICE, SecretStore, Storage, forget_memory, keyring_available
from core.auth.tokens import TokenSet

pytestmark = pytest.mark.secret_service


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    forget_memory()
    yield
    forget_memory()


def test_the_backend_is_a_real_secret_service() -> None:
    backend = keyring.get_keyring()
    backends = [backend, *getattr(backend, "backends", [])]  # the chainer wraps the real one
    assert keyring_available()
    assert any(type(b).__module__ == "keyring.backends.SecretService" for b in backends), backends


def test_store_read_rotate_delete_through_the_real_keyring(tmp_path: Path) -> None:
    open_id = "ss-test-" + uuid.uuid4().hex
    store = SecretStore(SANDBOX_SERVICE, tmp_path)
    assert store.storage is Storage.KEYRING
    first = TokenSet(
        open_id, "act.ss-" + uuid.uuid4().hex, "rft.ss-" + uuid.uuid4().hex, ("video.upload",), 2e9, 3e9, 1.9e9
    )
    try:
        assert store.save_tokens(first) is Storage.KEYRING
        forget_memory()
        assert SecretStore(SANDBOX_SERVICE).load_tokens(open_id) == first  # read back from the daemon
        rotated = TokenSet(open_id, "act.ss-" + uuid.uuid4().hex, "rft.ss-" + uuid.uuid4().hex, ("video.upload",))
        store.save_tokens(rotated)
        raw = keyring.get_password(SANDBOX_SERVICE, open_id)
        assert raw is not None and json.loads(raw)["refresh_token"] == rotated.refresh_token
        assert keyring.get_password("clipship", open_id) is None  # never in the real service
    finally:
        store.delete_tokens(open_id)
    assert keyring.get_password(SANDBOX_SERVICE, open_id) is None
    assert list(tmp_path.iterdir()) == []


def test_login_refresh_logout_with_the_real_keyring(sandbox: Any, tmp_path: Path) -> None:
    ctx = sandbox_context(sandbox, tmp_path / "data" / "sandbox")
    result = login(ctx, timeout=10, opener=scripted_browser(account="__new__"))
    open_id = result.account.open_id
    try:
        assert result.storage is Storage.KEYRING and result.notices == ()
        before = json.loads(keyring.get_password(SANDBOX_SERVICE, open_id) or "{}")
        source = token_source_for(ctx)
        assert isinstance(source, AccountTokenSource)
        source.refresh(before["access_token"])
        after = json.loads(keyring.get_password(SANDBOX_SERVICE, open_id) or "{}")
        assert after["refresh_token"] != before["refresh_token"]
        assert logout(ctx).revoked
        assert keyring.get_password(SANDBOX_SERVICE, open_id) is None
    finally:
        SecretStore(SANDBOX_SERVICE).delete_tokens(open_id)
