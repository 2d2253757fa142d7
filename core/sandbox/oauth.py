"""Login Kit endpoints: authorize (consent page and decision), token (code and refresh grants), revoke."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from core.sandbox import consent, grants
from core.sandbox.config import KNOWN_SCOPES, SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET
from core.sandbox.http import Exchange, OAuthError
from core.sandbox.state import DEMO_OPEN_ID
from core.sandbox.world import PendingConsent

VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
PENDING_TTL = 600.0
MALFORMED = "The request parameters are malformed."
PKCE_INVALID = "Code verifier or code challenge is invalid."
REDIRECT_MISMATCH = "Redirect_uri is not matched with the uri when requesting code."
DENIED = "The user denied the authorization request."


def redirect_uri_problem(uri: str) -> str | None:
    """Why `uri` is not a valid desktop redirect URI (tiktok-api.md 8.1), or None when it is."""
    if not uri or len(uri) >= 512:
        return "redirect_uri is missing or too long"
    if "?" in uri or "#" in uri:
        return "redirect_uri must not have a query or a fragment"
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return "redirect_uri is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "redirect_uri must use http or https"
    if parts.username is not None or parts.password is not None:
        return "redirect_uri must not carry credentials"
    host = parts.netloc.rsplit(":", 1)[0] if ":" in parts.netloc else parts.netloc
    if host not in ("localhost", "127.0.0.1"):
        return "redirect_uri host must be localhost or 127.0.0.1"
    if port is None or not 0 < port < 65536:
        return "redirect_uri must name a port"
    if not parts.path.startswith("/"):
        return "redirect_uri must have a path"
    return None


def registered(uri: str, patterns: tuple[str, ...] | None) -> bool:
    """Whether `uri` matches one of the registered redirect URIs; a "*" port matches any port."""
    if patterns is None:
        return True
    for pattern in patterns:
        if "*" in pattern:
            head, tail = pattern.split("*", 1)
            middle = uri[len(head) : len(uri) - len(tail)] if len(uri) > len(head) + len(tail) else ""
            if uri.startswith(head) and uri.endswith(tail) and middle.isascii() and middle.isdigit():
                return True
        elif uri == pattern:
            return True
    return False


def hex_challenge(verifier: str) -> str:
    """TikTok desktop PKCE: the lowercase hex SHA-256 of the verifier (not RFC 7636 base64url)."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def _single(values: dict[str, list[str]]) -> dict[str, str]:
    out = {}
    for key, vals in values.items():
        if len(vals) != 1:
            raise OAuthError("invalid_request", MALFORMED)
        out[key] = vals[0]
    return out


def _redirect_with(uri: str, params: list[tuple[str, str]]) -> str:
    return uri + "?" + urlencode(params)


# -- authorize -------------------------------------------------------------------------------------------


def authorize_page(ex: Exchange) -> None:
    world = ex.world
    try:
        q = _single(ex.query)
    except OAuthError:
        ex.send_html(400, consent.error_page("Invalid request", "A parameter was given more than once."))
        return
    if q.get("client_key") != SANDBOX_CLIENT_KEY:
        ex.error_code = "invalid_client"
        ex.send_html(400, consent.error_page("Invalid client", "client_key is not a registered app."))
        return
    redirect_uri = q.get("redirect_uri", "")
    problem = redirect_uri_problem(redirect_uri)
    if not problem and not registered(redirect_uri, world.config.redirect_uris):
        problem = "redirect_uri is not registered for this app"
    if problem:
        ex.error_code = "invalid_request"
        ex.send_html(400, consent.error_page("Invalid redirect_uri", problem))
        return
    state = q.get("state", "")
    error = _authorize_error(q)
    if error is not None:
        ex.error_code = error[0]
        ex.redirect(
            _redirect_with(redirect_uri, [("error", error[0]), ("error_description", error[1]), ("state", state)])
        )
        return
    scopes = [s for s in KNOWN_SCOPES if s in q["scope"].split(",")]
    pending = PendingConsent(redirect_uri, state, scopes, q["code_challenge"], time.time() + PENDING_TTL)
    chosen = world.account(world.config.login_open_id).open_id
    if world.config.auto_approve:
        _approve(ex, pending, scopes, chosen)
        return
    request_id = world.add_consent(pending)
    accounts = [(a.open_id, _account_label(ex, a.open_id)) for a in world.accounts()]
    ex.send_html(200, consent.render(world.config.app_name, request_id, scopes, accounts, chosen))


def _account_label(ex: Exchange, open_id: str) -> str:
    prof = ex.world.profile(open_id)
    return f"{prof.nickname} (@{prof.username})"


def _authorize_error(q: dict[str, str]) -> tuple[str, str] | None:
    if q.get("response_type") != "code":
        return "unsupported_response_type", "response_type must be code."
    raw_scope = q.get("scope", "")
    requested = raw_scope.split(",") if raw_scope else []
    if not requested or any(s not in KNOWN_SCOPES for s in requested):
        return "invalid_scope", "The scope is invalid; use a comma-separated list of known scopes."
    if not q.get("state"):
        return "invalid_request", "state is required."
    if not q.get("code_challenge"):
        return "invalid_request", "code_challenge is required."
    if q.get("code_challenge_method") != "S256":
        return "invalid_request", "code_challenge_method must be S256."
    return None


def authorize_decision(ex: Exchange) -> None:
    world = ex.world
    if not ex.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        ex.close_connection = True
        ex.send_html(400, consent.error_page("Invalid request", "The form must be form-encoded."))
        return
    body = ex.read_small_body().decode("utf-8", "replace")
    form = parse_qs(body, keep_blank_values=True)
    request_id = (form.get("auth_request") or [""])[0]
    pending = world.take_consent(request_id)
    if pending is None:
        ex.send_html(
            400, consent.error_page("Request expired", "This sign-in request is unknown or expired; start again.")
        )
        return
    action = (form.get("action") or [""])[0]
    if action != "authorize":
        ex.error_code = "access_denied"
        ex.redirect(_denied(pending))
        return
    ticked = set(form.get("scope", []))
    granted = [s for s in pending.scopes if s in ticked or s == consent.REQUIRED_SCOPE]
    if not granted:
        ex.error_code = "access_denied"
        ex.redirect(_denied(pending))
        return
    open_id = (form.get("open_id") or [""])[0]
    if open_id == "__new__":
        open_id = world.new_account().open_id
    elif not world.has_account(open_id):
        ex.send_html(400, consent.error_page("Unknown account", "Pick one of the listed sandbox accounts."))
        return
    _approve(ex, pending, granted, open_id)


def _denied(pending: PendingConsent) -> str:
    params = [("error", "access_denied"), ("error_description", DENIED), ("state", pending.state)]
    return _redirect_with(pending.redirect_uri, params)


def _approve(ex: Exchange, pending: PendingConsent, granted: list[str], open_id: str) -> None:
    world = ex.world
    code = world.issue_code(
        grants.PendingCode(
            client_key=SANDBOX_CLIENT_KEY,
            open_id=open_id or DEMO_OPEN_ID,
            scopes=granted,
            redirect_uri=pending.redirect_uri,
            code_challenge=pending.challenge,
            expires_at=time.time() + world.config.code_ttl,
        )
    )
    ex.redirect(
        _redirect_with(pending.redirect_uri, [("code", code), ("scopes", ",".join(granted)), ("state", pending.state)])
    )


# -- token and revoke ------------------------------------------------------------------------------------


def _form(ex: Exchange) -> dict[str, str]:
    if not ex.headers.get("Content-Type", "").lower().startswith("application/x-www-form-urlencoded"):
        ex.read_small_body()
        raise OAuthError("invalid_request", MALFORMED)
    try:
        body = ex.read_small_body().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OAuthError("invalid_request", MALFORMED) from exc
    return _single(parse_qs(body, keep_blank_values=True))


def _check_client(f: dict[str, str]) -> None:
    if not f.get("client_key"):
        raise OAuthError("invalid_request", "Client key is missed in request.")
    if f["client_key"] != SANDBOX_CLIENT_KEY:
        raise OAuthError("invalid_client", "Client key is invalid.")
    if not f.get("client_secret"):
        raise OAuthError("invalid_client", "Client secret is missed in request.")
    if not secrets.compare_digest(f["client_secret"], SANDBOX_CLIENT_SECRET):
        raise OAuthError("invalid_client", "Client secret is invalid.")


def token(ex: Exchange) -> None:
    f = _form(ex)
    _check_client(f)
    grant_type = f.get("grant_type", "")
    world = ex.world
    if grant_type == "authorization_code":
        if not f.get("code"):
            raise OAuthError("invalid_request", "Code is missed in request.")
        pending = world.take_code(f["code"])  # single use: any presented code is spent
        if pending is None or pending.client_key != f["client_key"]:
            raise OAuthError("invalid_grant", "Authorization code is expired, used or invalid.")
        if f.get("redirect_uri") != pending.redirect_uri:
            raise OAuthError("invalid_request", REDIRECT_MISMATCH)
        verifier = f.get("code_verifier", "")
        if not VERIFIER_RE.fullmatch(verifier) or hex_challenge(verifier) != pending.code_challenge:
            raise OAuthError("invalid_request", PKCE_INVALID)
        ex.send_oauth(world.issue_token(pending.open_id, pending.scopes))
    elif grant_type == "refresh_token":
        if not f.get("refresh_token"):
            raise OAuthError("invalid_request", "Refresh token is missed in request.")
        body = world.refresh_token(f["refresh_token"])
        if body is None:
            raise OAuthError("invalid_grant", "Refresh token is invalid or expired.")
        ex.send_oauth(body)
    elif not grant_type:
        raise OAuthError("invalid_request", "Grant type is missed in request.")
    else:
        raise OAuthError("unsupported_grant_type", "The grant type is not supported.")


def revoke(ex: Exchange) -> None:
    f = _form(ex)
    _check_client(f)
    if not f.get("token"):
        raise OAuthError("invalid_request", "Token is missed in request.")
    if not ex.world.revoke(f["token"]):  # posts of the account still processing end FAILED auth_removed
        raise OAuthError("invalid_grant", "The access token is invalid, expired or already revoked.")
    ex.send_oauth({})
