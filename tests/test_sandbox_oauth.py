"""The sandbox's Login Kit: consent page, hex PKCE, single-use codes, rotating refresh tokens, revoke."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from test_sandbox_support import (
    CHALLENGE,
    REDIRECT,
    VERIFIER,
    Api,
    authorize_url,
    callback_params,
    exchange,
    refresh,
    running,
)

from core.sandbox import DEMO_OPEN_ID, SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, Sandbox
from core.sandbox.browser import follow_consent
from core.sandbox.consent import parse_consent_form
from core.sandbox.oauth import hex_challenge


@pytest.fixture
def sb(tmp_path: Path) -> Sandbox:
    with running(tmp_path / "state") as server:
        yield server  # type: ignore[misc]


def sign_in(sb: Sandbox, **kwargs: object) -> dict[str, str]:
    location = follow_consent(authorize_url(sb), **kwargs)  # type: ignore[arg-type]
    params = callback_params(location)
    answer = exchange(sb, params["code"])
    assert answer.status_code == 200
    body = answer.json()
    assert "error" not in body
    return body  # type: ignore[no-any-return]


def test_pkce_challenge_is_lowercase_hex_sha256() -> None:
    assert hex_challenge(VERIFIER) == CHALLENGE


def test_consent_page_lists_scopes_and_buttons(sb: Sandbox) -> None:
    page = requests.get(authorize_url(sb), timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Clipship Sandbox wants to" in page.text
    form = parse_consent_form(page.text)
    assert form.action == "/v2/auth/authorize/"
    assert form.scopes == ["video.publish", "video.upload"]  # ticked and untickable
    assert form.locked_scopes == ["user.info.basic"]
    assert form.buttons == ["authorize", "cancel"]
    assert form.account == DEMO_OPEN_ID


def test_code_flow_issues_tokens(sb: Sandbox) -> None:
    location = follow_consent(authorize_url(sb))
    assert location.startswith(REDIRECT + "?")
    params = callback_params(location)
    assert params["state"] == "state-123"
    assert params["scopes"] == "user.info.basic,video.publish,video.upload"
    assert "*" in params["code"] and "!" in params["code"]  # the client must URL-decode it
    body = exchange(sb, params["code"]).json()
    assert set(body) == {
        "access_token",
        "expires_in",
        "open_id",
        "refresh_expires_in",
        "refresh_token",
        "scope",
        "token_type",
    }
    assert body["access_token"].startswith("act.") and body["refresh_token"].startswith("rft.")
    assert body["expires_in"] == 86400 and body["refresh_expires_in"] == 31536000
    assert body["token_type"] == "Bearer" and body["open_id"] == DEMO_OPEN_ID
    assert body["scope"] == "user.info.basic,video.publish,video.upload"
    client = Api(sb, body["access_token"])
    try:
        assert client.post("/v2/post/publish/creator_info/query/").json()["error"]["code"] == "ok"
    finally:
        client.close()


def test_unticked_scope_is_not_granted(sb: Sandbox) -> None:
    location = follow_consent(authorize_url(sb), untick=("video.publish",))
    params = callback_params(location)
    assert params["scopes"] == "user.info.basic,video.upload"
    body = exchange(sb, params["code"]).json()
    assert body["scope"] == "user.info.basic,video.upload"
    client = Api(sb, body["access_token"])
    try:
        answer = client.post("/v2/post/publish/creator_info/query/")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "scope_not_authorized"
    finally:
        client.close()


def test_cancel_redirects_with_access_denied(sb: Sandbox) -> None:
    params = callback_params(follow_consent(authorize_url(sb), approve=False))
    assert params["error"] == "access_denied" and params["error_description"] and params["state"] == "state-123"
    assert "code" not in params


def test_auto_approve_redirects_at_once(sb: Sandbox) -> None:
    sb.config.auto_approve = True
    answer = requests.get(authorize_url(sb), allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    assert "code" in callback_params(answer.headers["Location"])


def test_consent_request_is_single_use(sb: Sandbox) -> None:
    page = requests.get(authorize_url(sb), timeout=10)
    fields = parse_consent_form(page.text).fields()
    first = requests.post(sb.auth_url, data=fields, allow_redirects=False, timeout=10)
    again = requests.post(sb.auth_url, data=fields, allow_redirects=False, timeout=10)
    assert first.status_code == 302 and again.status_code == 400


def test_another_account_can_sign_in(sb: Sandbox) -> None:
    first = sign_in(sb)
    other = sign_in(sb, account="__new__")
    assert other["open_id"] != first["open_id"]
    page = requests.get(authorize_url(sb), timeout=10)
    assert other["open_id"] in parse_consent_form(page.text).accounts


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1/callback/",  # no port
        "http://example.com:3455/callback/",
        "http://[::1]:3455/callback/",
        "http://127.0.0.1:3455/callback/?x=1",
        "http://127.0.0.1:3455/callback/#frag",
        "ftp://127.0.0.1:3455/callback/",
        "http://user@127.0.0.1:3455/callback/",
        "",
    ],
)
def test_bad_redirect_uri_gets_an_error_page(sb: Sandbox, redirect_uri: str) -> None:
    answer = requests.get(authorize_url(sb, redirect_uri=redirect_uri), allow_redirects=False, timeout=10)
    assert answer.status_code == 400 and "Location" not in answer.headers


@pytest.mark.parametrize("redirect_uri", ["https://127.0.0.1:3455/callback/", "http://localhost:3455/callback/"])
def test_documented_redirect_uris_are_accepted(sb: Sandbox, redirect_uri: str) -> None:
    answer = requests.get(authorize_url(sb, redirect_uri=redirect_uri), allow_redirects=False, timeout=10)
    assert answer.status_code == 200


def test_unknown_client_key_gets_an_error_page(sb: Sandbox) -> None:
    answer = requests.get(authorize_url(sb, client_key="awnotregistered"), allow_redirects=False, timeout=10)
    assert answer.status_code == 400 and "Location" not in answer.headers


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "user.info.basic video.publish"}, "invalid_scope"),  # space-separated
        ({"scope": "user.info.basic,video.everything"}, "invalid_scope"),
        ({"state": ""}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
    ],
)
def test_bad_authorize_parameters_redirect_with_an_error(sb: Sandbox, change: dict[str, str], error: str) -> None:
    answer = requests.get(authorize_url(sb, **change), allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    assert callback_params(answer.headers["Location"])["error"] == error


def test_code_is_single_use(sb: Sandbox) -> None:
    code = callback_params(follow_consent(authorize_url(sb)))["code"]
    assert "access_token" in exchange(sb, code).json()
    again = exchange(sb, code)
    assert again.status_code == 200  # OAuth errors arrive with HTTP 200 by default
    assert again.json()["error"] == "invalid_grant" and again.json()["log_id"]


def test_oauth_error_status_is_configurable(sb: Sandbox) -> None:
    sb.config.oauth_errors_http_status = 400
    answer = exchange(sb, "no-such-code")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_expired_code_is_refused(sb: Sandbox) -> None:
    sb.config.code_ttl = 0
    code = callback_params(follow_consent(authorize_url(sb)))["code"]
    assert exchange(sb, code).json()["error"] == "invalid_grant"


def test_base64url_challenge_fails_at_token_time(sb: Sandbox) -> None:
    rfc_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    location = follow_consent(authorize_url(sb, code_challenge=rfc_challenge))
    body = exchange(sb, callback_params(location)["code"]).json()
    assert body == {
        "error": "invalid_request",
        "error_description": "Code verifier or code challenge is invalid.",
        "log_id": body["log_id"],
    }


@pytest.mark.parametrize(
    ("change", "error", "description"),
    [
        ({"code_verifier": VERIFIER[:-1] + "Y"}, "invalid_request", "Code verifier or code challenge is invalid."),
        ({"code_verifier": None}, "invalid_request", "Code verifier or code challenge is invalid."),
        ({"code_verifier": CHALLENGE.upper()}, "invalid_request", "Code verifier or code challenge is invalid."),
        (
            {"redirect_uri": REDIRECT.rstrip("/")},
            "invalid_request",
            "Redirect_uri is not matched with the uri when requesting code.",
        ),
        (
            {"redirect_uri": REDIRECT.replace("127.0.0.1", "localhost")},
            "invalid_request",
            "Redirect_uri is not matched with the uri when requesting code.",
        ),
        ({"client_secret": None}, "invalid_client", "Client secret is missed in request."),
        ({"client_secret": "wrong"}, "invalid_client", None),
        ({"client_key": "awother"}, "invalid_client", None),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type", None),
    ],
)
def test_token_exchange_errors(sb: Sandbox, change: dict[str, str | None], error: str, description: str | None) -> None:
    code = callback_params(follow_consent(authorize_url(sb)))["code"]
    body = exchange(sb, code, **change).json()  # type: ignore[arg-type]
    assert body["error"] == error and "access_token" not in body
    if description:
        assert body["error_description"] == description


def test_token_endpoint_wants_a_form(sb: Sandbox) -> None:
    code = callback_params(follow_consent(authorize_url(sb)))["code"]
    fields = {
        "client_key": SANDBOX_CLIENT_KEY,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    answer = requests.post(sb.base_url + "/v2/oauth/token/", json=fields, timeout=10)
    assert answer.json()["error"] == "invalid_request"


def test_refresh_rotates_and_the_old_refresh_token_dies(sb: Sandbox) -> None:
    first = sign_in(sb)
    second = refresh(sb, first["refresh_token"]).json()
    assert second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    assert second["open_id"] == first["open_id"] and second["scope"] == first["scope"]
    assert 0 < second["refresh_expires_in"] <= first["refresh_expires_in"]
    assert refresh(sb, first["refresh_token"]).json()["error"] == "invalid_grant"
    third = refresh(sb, second["refresh_token"]).json()
    assert third["access_token"].startswith("act.")
    client = Api(sb, third["access_token"])
    try:
        assert client.post("/v2/post/publish/creator_info/query/").status_code == 200
    finally:
        client.close()


def test_lifetimes_come_from_config(sb: Sandbox) -> None:
    sb.config.access_ttl, sb.config.refresh_ttl = 7200, 15552000
    body = sign_in(sb)
    assert body["expires_in"] == 7200 and body["refresh_expires_in"] == 15552000


def test_expired_access_token_is_refused(sb: Sandbox) -> None:
    sb.config.access_ttl = 0
    client = Api(sb, sb.issue_token()["access_token"])
    try:
        answer = client.post("/v2/post/publish/creator_info/query/")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "access_token_invalid"
    finally:
        client.close()


def test_revoke_kills_access_and_refresh(sb: Sandbox) -> None:
    body = sign_in(sb)
    data = {"client_key": SANDBOX_CLIENT_KEY, "client_secret": SANDBOX_CLIENT_SECRET, "token": body["access_token"]}
    answer = requests.post(sb.base_url + "/v2/oauth/revoke/", data=data, timeout=10)
    assert answer.status_code == 200 and answer.json() == {}
    client = Api(sb, body["access_token"])
    try:
        assert client.post("/v2/post/publish/creator_info/query/").status_code == 401
    finally:
        client.close()
    assert refresh(sb, body["refresh_token"]).json()["error"] == "invalid_grant"
    again = requests.post(sb.base_url + "/v2/oauth/revoke/", data=data, timeout=10).json()
    assert again["error"] and again["error_description"]


def test_revoke_needs_the_client_secret(sb: Sandbox) -> None:
    body = sign_in(sb)
    data = {"client_key": SANDBOX_CLIENT_KEY, "token": body["access_token"]}
    assert requests.post(sb.base_url + "/v2/oauth/revoke/", data=data, timeout=10).json()["error"] == "invalid_client"


def test_token_expire_after_calls_fault(sb: Sandbox) -> None:
    body = sign_in(sb)
    sb.config.token_expire_after_calls = 2
    client = Api(sb, body["access_token"])
    try:
        assert client.post("/v2/post/publish/creator_info/query/").status_code == 200
        assert client.post("/v2/post/publish/creator_info/query/").status_code == 200
        answer = client.post("/v2/post/publish/creator_info/query/")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "access_token_invalid"
        fresh = refresh(sb, body["refresh_token"]).json()
        client.token = fresh["access_token"]
        assert client.post("/v2/post/publish/creator_info/query/").status_code == 200
        assert sb.config.token_expire_after_calls is None
    finally:
        client.close()


def test_sign_in_lasts_across_restarts_and_tokens_are_not_stored(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with running(state) as first:
        body = sign_in(first)
    with running(state) as second:
        client = Api(second, body["access_token"])
        try:
            assert client.post("/v2/post/publish/creator_info/query/").status_code == 200
        finally:
            client.close()
        assert "access_token" in refresh(second, body["refresh_token"]).json()
    for path in state.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            assert body["access_token"].encode() not in text and body["refresh_token"].encode() not in text


def test_request_log_never_holds_query_strings(sb: Sandbox) -> None:
    follow_consent(authorize_url(sb))
    assert sb.request_log[0].path == "/v2/auth/authorize/"
    assert all("?" not in entry.path for entry in sb.request_log)


def test_revoke_fails_posts_in_flight_with_auth_removed(sb: Sandbox) -> None:
    body = sign_in(sb)
    client = Api(sb, body["access_token"])
    try:
        publish_id = client.init(1000).json()["data"]["publish_id"]
    finally:
        client.close()
    data = {"client_key": SANDBOX_CLIENT_KEY, "client_secret": SANDBOX_CLIENT_SECRET, "token": body["access_token"]}
    assert requests.post(sb.base_url + "/v2/oauth/revoke/", data=data, timeout=10).json() == {}
    again = Api(sb, sign_in(sb)["access_token"])
    try:
        status = again.status(publish_id).json()["data"]
    finally:
        again.close()
    assert status["status"] == "FAILED" and status["fail_reason"] == "auth_removed"


def test_redirect_uri_must_be_registered(sb: Sandbox) -> None:
    for uri in ("http://127.0.0.1:3455/other/", "http://127.0.0.1:3455/callback", "http://127.0.0.1:34x5/callback/"):
        answer = requests.get(authorize_url(sb, redirect_uri=uri), allow_redirects=False, timeout=10)
        assert answer.status_code == 400, uri
    sb.config.redirect_uris = ("http://127.0.0.1:3455/other/",)
    answer = requests.get(authorize_url(sb, redirect_uri="http://127.0.0.1:3455/other/"), timeout=10)
    assert answer.status_code == 200
    sb.config.redirect_uris = None
    answer = requests.get(authorize_url(sb, redirect_uri="http://localhost:1/x"), timeout=10)
    assert answer.status_code == 200
