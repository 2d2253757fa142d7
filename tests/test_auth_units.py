"""Sign-in parts without the sandbox: PKCE vector, loopback receiver rules, keyring store fallbacks, accounts."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
import requests

from core.auth import pkce
from core.auth.accounts import Account, AccountRegistry
from core.auth.loopback import LoopbackReceiver
from core.auth.oauth import OAuthClient
from core.auth.store import SecretStore, Storage, forget_memory
from core.auth.tokens import TokenSet
from core.errors import AuthError, Cancelled

TOKENS = TokenSet(
    open_id="oid-1",
    access_token="act.UNIT-access-0001",
    refresh_token="rft.UNIT-refresh-0001",
    scopes=("user.info.basic", "video.upload"),
    access_expires_at=2_000_000_000.0,
    refresh_expires_at=2_100_000_000.0,
    obtained_at=1_900_000_000.0,
)


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    forget_memory()
    yield
    forget_memory()


# --- PKCE -----------------------------------------------------------------------------------------
def test_pkce_hex_challenge_matches_the_documented_vector() -> None:
    assert (
        pkce.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
    )


def test_pkce_verifier_alphabet_length_and_freshness() -> None:
    seen = set()
    for length in (43, 64, 128):
        v = pkce.new_verifier(length)
        assert len(v) == length
        assert set(v) <= set(pkce.VERIFIER_ALPHABET)
        seen.add(v)
    assert len(seen) == 3
    assert pkce.new_verifier() != pkce.new_verifier()
    assert pkce.new_state() != pkce.new_state()
    with pytest.raises(ValueError):
        pkce.new_verifier(42)
    with pytest.raises(ValueError):
        pkce.new_verifier(129)


def test_authorize_url_has_comma_scopes_hex_challenge_and_exact_redirect() -> None:
    from urllib.parse import parse_qs, urlsplit

    with OAuthClient("http://127.0.0.1:9", "ck", "SECRET-unit", "https://auth.example/v2/auth/authorize/") as client:
        url = client.authorize_url(
            "http://127.0.0.1:5555/callback/", "st", pkce.challenge("x" * 43), ["user.info.basic", "video.publish"]
        )
        assert "SECRET-unit" not in repr(client)
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith("https://auth.example/v2/auth/authorize/?")
    assert q == {
        "client_key": "ck",
        "scope": "user.info.basic,video.publish",
        "redirect_uri": "http://127.0.0.1:5555/callback/",
        "state": "st",
        "response_type": "code",
        "code_challenge": pkce.challenge("x" * 43),
        "code_challenge_method": "S256",
    }
    assert "SECRET-unit" not in url


# --- loopback receiver ----------------------------------------------------------------------------
def _get(url: str) -> requests.Response:
    with requests.Session() as s:
        return s.get(url, timeout=5)


def test_loopback_binds_to_127_0_0_1_and_accepts_one_request_with_the_right_state() -> None:
    with LoopbackReceiver("good-state") as rx:
        assert rx.redirect_uri.startswith("http://127.0.0.1:") and rx.redirect_uri.endswith("/callback/")
        assert rx.port > 0
        base = rx.redirect_uri
        assert _get(base.replace("/callback/", "/other/") + "?state=good-state&code=x").status_code == 404
        assert _get(base).status_code == 400  # nothing at all: ignored, not suspicious
        assert rx.wrong_state_count == 0
        assert _get(base + "?code=abc").status_code == 400  # no state
        bad = _get(base + "?state=evil&code=abc")
        assert bad.status_code == 400 and "does not belong" in bad.text
        assert rx.wrong_state_count == 2
        ok = _get(base + "?state=good-state&code=c%2A0%211234.va&scopes=video.upload,user.info.basic")
        assert ok.status_code == 200 and "You can close this tab and return to Clipship" in ok.text
        again = _get(base + "?state=good-state&code=second")
        assert again.status_code == 400
        result = rx.wait(timeout=5)
    assert result.code == "c*0!1234.va"  # URL-decoded
    assert result.scopes == ("user.info.basic", "video.upload")
    assert "c*0!1234.va" not in repr(result)
    with pytest.raises(requests.ConnectionError):  # shut down afterwards
        _get(base + "?state=good-state&code=x")


def test_loopback_callback_error_access_denied_is_a_clear_auth_error() -> None:
    with LoopbackReceiver("s1") as rx:
        page = _get(rx.redirect_uri + "?state=s1&error=access_denied&error_description=User+cancelled")
        assert page.status_code == 400 and "cancelled" in page.text
        with pytest.raises(AuthError) as info:
            rx.wait(timeout=5)
    assert "cancelled" in info.value.message and "access was denied" in info.value.message
    assert info.value.exit_code == 3


def test_loopback_wrong_state_does_not_complete_and_timeout_mentions_csrf() -> None:
    with LoopbackReceiver("right") as rx:
        _get(rx.redirect_uri + "?state=wrong&code=stolen")
        with pytest.raises(AuthError) as info:
            rx.wait(timeout=0.3)
    assert "Timed out" in info.value.message
    assert "CSRF" in info.value.message
    assert "--timeout" in info.value.hint


def test_loopback_cancel_event() -> None:
    cancel = threading.Event()
    cancel.set()
    with LoopbackReceiver("s") as rx, pytest.raises(Cancelled):
        rx.wait(timeout=30, cancel=cancel)


def test_loopback_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(AuthError) as info:
            LoopbackReceiver("s", port=port).start()
    assert f"Port {port}" in info.value.message and "in use" in info.value.message
    assert "--port" in info.value.hint


def test_loopback_fixed_port_is_used_in_the_redirect_uri() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with LoopbackReceiver("s", port=port) as rx:
        assert rx.redirect_uri == f"http://127.0.0.1:{port}/callback/"


# --- secret store ---------------------------------------------------------------------------------
def test_store_keeps_tokens_in_the_keyring_not_in_files(memory_keyring, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = SecretStore("clipship-sandbox", tmp_path)
    assert store.storage is Storage.KEYRING and store.notice == ""
    assert store.save_tokens(TOKENS) is Storage.KEYRING
    assert ("clipship-sandbox", "oid-1") in memory_keyring.store
    assert store.load_tokens("oid-1") == TOKENS
    assert SecretStore("clipship").load_tokens("oid-1") is None  # sandbox and real never mix
    assert "act.UNIT" not in repr(store) and "act.UNIT" not in repr(TOKENS)
    assert list(tmp_path.iterdir()) == []
    store.set_client_secret("SECRET-unit")
    assert store.client_secret() == "SECRET-unit"
    store.delete_tokens("oid-1")
    store.delete_client_secret()
    assert store.load_tokens("oid-1") is None and store.client_secret() == ""
    store.delete_tokens("oid-1")  # deleting twice is fine


def test_store_without_keyring_backend_keeps_tokens_in_memory_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = SecretStore("clipship", tmp_path)
    assert store.storage is Storage.MEMORY
    assert "No OS keyring" in store.notice and "this run only" in store.notice
    assert store.save_tokens(TOKENS) is Storage.MEMORY
    with caplog.at_level("WARNING"):
        store.warn_once()
        store.warn_once()
    assert caplog.text.count("No OS keyring") == 1
    assert SecretStore("clipship", tmp_path).load_tokens("oid-1") == TOKENS  # same process: still there
    assert list(tmp_path.iterdir()) == []  # nothing written
    forget_memory()
    assert SecretStore("clipship", tmp_path).load_tokens("oid-1") is None  # a new process starts empty


def test_store_plaintext_only_by_opt_in_with_0600(tmp_path: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = SecretStore("clipship", tmp_path, allow_plaintext=True)
    assert store.storage is Storage.PLAINTEXT
    assert "PLAIN TEXT" in store.notice and "0600" in store.notice
    assert store.save_tokens(TOKENS) is Storage.PLAINTEXT
    path = tmp_path / "tokens-plaintext.json"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    forget_memory()
    assert SecretStore("clipship", tmp_path, allow_plaintext=True).load_tokens("oid-1") == TOKENS
    store.delete_tokens("oid-1")
    assert "oid-1" not in json.loads(path.read_text())["clipship"]


# --- token blobs and accounts ---------------------------------------------------------------------
def test_token_expiry_comes_from_each_response() -> None:
    body = {
        "open_id": "o",
        "access_token": "act.x",
        "refresh_token": "rft.y",
        "expires_in": 7200,
        "refresh_expires_in": 15552000,
        "scope": "video.publish,user.info.basic",
    }
    t = TokenSet.from_response(body, now=1000.0)
    assert (t.access_expires_at, t.refresh_expires_at) == (8200.0, 15553000.0)
    assert t.scopes == ("user.info.basic", "video.publish")
    assert TokenSet.from_json(t.to_json()) == t
    assert TokenSet.from_json("not json") is None
    with pytest.raises(AuthError):
        TokenSet.from_response({"error": "x"})


def test_account_registry_default_and_scopes(tmp_path: Path) -> None:
    reg = AccountRegistry(tmp_path)
    assert reg.default() is None and reg.accounts() == []
    a = reg.upsert(Account("a", display_name="Ann", scopes=("user.info.basic", "video.upload"), signed_in_at=1))
    assert a.is_default and not a.can_direct_post and a.can_upload_draft
    assert a.missing_scopes == ("video.publish",)
    assert "direct posting is disabled" in a.scope_warnings()[0]
    b = reg.upsert(Account("b", display_name="Bob", username="bob", signed_in_at=2), make_default=True)
    assert b.label == "Bob (@bob)" and reg.default() == b
    reg.set_default("a")
    assert [x.open_id for x in reg.accounts()] == ["a", "b"]
    reg.remove("a")
    assert reg.default() is not None and reg.default().open_id == "b"  # type: ignore[union-attr]
    text = (tmp_path / "accounts.json").read_text()
    assert "token" not in text.replace("_expires_at", "")
