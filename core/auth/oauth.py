"""TikTok's OAuth endpoints: authorize URL, code exchange, refresh, revoke, user info. Errors never carry secrets."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import requests

from core import APP_NAME, __version__
from core.auth.pkce import CHALLENGE_METHOD
from core.auth.tokens import TokenSet
from core.errors import AuthError, NetworkError

log = logging.getLogger(__name__)

TOKEN_PATH = "/v2/oauth/token/"
REVOKE_PATH = "/v2/oauth/revoke/"
USER_INFO_PATH = "/v2/user/info/"
CREATOR_INFO_PATH = "/v2/post/publish/creator_info/query/"
USER_FIELDS = "open_id,union_id,avatar_url,display_name"
TIMEOUT = (10, 30)

# What each documented OAuth `error` value means for the user (tiktok-api.md 8.8).
OAUTH_ERRORS: dict[str, tuple[str, str]] = {
    "access_denied": (
        "Sign-in was cancelled: TikTok's page reported that access was denied.",
        "Run 'clipship login' again and choose Authorize on TikTok's page.",
    ),
    "invalid_client": (
        "TikTok does not accept this app's client key or client secret.",
        "Check them with 'clipship config show' (or CLIPSHIP_CLIENT_KEY / CLIPSHIP_CLIENT_SECRET).",
    ),
    "invalid_grant": (
        "TikTok refused the sign-in grant: it expired, was already used, or access was revoked.",
        "Sign in again with 'clipship login'.",
    ),
    "invalid_request": (
        "TikTok rejected the sign-in request as malformed.",
        "Sign in again; if it persists, check that the redirect URI registered for the app matches.",
    ),
    "invalid_scope": (
        "TikTok rejected the requested permissions (scopes).",
        "Check that the app has Login Kit and the Content Posting API enabled.",
    ),
    "unauthorized_client": (
        "This TikTok app is not allowed to sign users in this way.",
        "Check the app's Login Kit settings (desktop platform, redirect URI).",
    ),
    "server_error": ("TikTok's sign-in service had an internal error.", "Try again in a few minutes."),
    "temporarily_unavailable": ("TikTok's sign-in service is temporarily unavailable.", "Try again in a few minutes."),
}


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove any secret value from a text that came back from the network, and keep it short."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text[:300]


class OAuthError(AuthError):
    """An OAuth `error` answer from TikTok; `code` is the documented error value (e.g. invalid_grant)."""

    def __init__(self, message: str, hint: str = "", code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


def oauth_error(error: str, description: str, secrets: Iterable[str] = ()) -> OAuthError:
    """An OAuthError for an OAuth `error` value (from a callback or a token endpoint answer)."""
    error = scrub(str(error), secrets)
    message, hint = OAUTH_ERRORS.get(error, (f"TikTok refused the sign-in ({error}).", "Try signing in again."))
    description = scrub(str(description or ""), secrets).strip()
    if description:
        message = f"{message} TikTok said: {description}"
    return OAuthError(message, hint, error)


@dataclass
class OAuthClient:
    """The app's side of Login Kit. `client_secret` is never shown in repr or messages."""

    api_base: str
    client_key: str
    client_secret: str = field(repr=False)
    auth_url: str = "https://www.tiktok.com/v2/auth/authorize/"
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> OAuthClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str, scopes: Iterable[str]) -> str:
        """The consent page address: comma-separated scopes, hex S256 challenge, the exact redirect_uri."""
        query = {
            "client_key": self.client_key,
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "code_challenge": code_challenge,
            "code_challenge_method": CHALLENGE_METHOD,
        }
        sep = "&" if "?" in self.auth_url else "?"
        return f"{self.auth_url}{sep}{urlencode(query)}"

    # --- token endpoint ---------------------------------------------------------------------------
    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """authorization_code grant; `redirect_uri` byte-identical to the one in the authorize URL."""
        body = self._post_form(
            TOKEN_PATH,
            {
                "client_key": self.client_key,
                "client_secret": self.client_secret,
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            secrets=(code, code_verifier),
        )
        return TokenSet.from_response(body, time.time())

    def refresh(self, refresh_token: str, fallback_scopes: tuple[str, ...] = (), now: float | None = None) -> TokenSet:
        """refresh_token grant; the answer carries a (possibly rotated) refresh token to persist at once."""
        body = self._post_form(
            TOKEN_PATH,
            {
                "client_key": self.client_key,
                "client_secret": self.client_secret,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
            secrets=(refresh_token,),
        )
        tokens = TokenSet.from_response(body, time.time() if now is None else now, fallback_scopes)
        if not tokens.refresh_token:  # no rotation announced: the old one stays valid
            tokens = replace(tokens, refresh_token=refresh_token)
        return tokens

    def revoke(self, access_token: str) -> None:
        """Revoke the app's access for the account that `access_token` belongs to."""
        self._post_form(
            REVOKE_PATH,
            {"client_key": self.client_key, "client_secret": self.client_secret, "token": access_token},
            secrets=(access_token,),
        )

    def _post_form(self, path: str, form: dict[str, str], secrets: Iterable[str]) -> dict[str, Any]:
        hidden = (*secrets, self.client_secret)
        try:
            resp = self.session.post(
                self.api_base.rstrip("/") + path,
                data=form,
                headers={"User-Agent": f"{APP_NAME}/{__version__}", "Accept": "application/json"},
                timeout=TIMEOUT,
                allow_redirects=False,  # a redirect would carry the client secret and tokens to another host
            )
        except requests.RequestException as exc:
            raise NetworkError(
                f"Could not reach TikTok's sign-in service ({type(exc).__name__}).",
                "Check your internet connection and try again.",
            ) from None
        if 300 <= resp.status_code < 400:
            raise NetworkError(
                f"TikTok's sign-in service answered with a redirect (HTTP {resp.status_code}); Clipship does not "
                "follow it, as it would carry your secrets to another address.",
                "Check the API address (CLIPSHIP_API_BASE) and try again.",
            )
        body = _json_body(resp)
        error = body.get("error")
        # The flat OAuth error format may arrive with HTTP 200: the `error` key decides, whatever the status.
        if isinstance(error, str) and error:
            log.debug("OAuth %s answered %s (log_id %s)", path, error, body.get("log_id", "-"))
            raise oauth_error(error, str(body.get("error_description") or ""), hidden)
        if isinstance(error, dict) and error.get("code") not in (None, "", "ok"):
            raise oauth_error(str(error.get("code")), str(error.get("message") or ""), hidden)
        if resp.status_code >= 500:
            raise NetworkError(
                f"TikTok's sign-in service failed (HTTP {resp.status_code}).", "Try again in a few minutes."
            )
        if resp.status_code >= 400:
            raise AuthError(f"TikTok refused the sign-in request (HTTP {resp.status_code}).", "Sign in again.")
        return body

    # --- user info --------------------------------------------------------------------------------
    def user_info(self, access_token: str) -> dict[str, Any]:
        """GET /v2/user/info/ with the user.info.basic fields; {} when TikTok does not answer usefully."""
        try:
            resp = self.session.get(
                self.api_base.rstrip("/") + USER_INFO_PATH,
                params={"fields": USER_FIELDS},
                headers=_bearer(access_token),
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            log.warning("Could not fetch the TikTok profile (%s).", type(exc).__name__)
            return {}
        body = _json_body(resp)
        data = body.get("data")
        user = data.get("user") if isinstance(data, dict) else None
        if resp.status_code != 200 or not isinstance(user, dict):
            err = body.get("error")
            code = err.get("code") if isinstance(err, dict) else resp.status_code
            log.warning("TikTok did not return the profile (%s).", code)
            return {}
        return user

    def creator_username(self, access_token: str) -> str:
        """The creator's @username from creator_info (needs video.publish); '' when unavailable."""
        try:
            resp = self.session.post(
                self.api_base.rstrip("/") + CREATOR_INFO_PATH,
                headers={**_bearer(access_token), "Content-Type": "application/json; charset=UTF-8"},
                data="{}",
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException:
            return ""
        data = _json_body(resp).get("data")
        if resp.status_code != 200 or not isinstance(data, dict):
            return ""
        return str(data.get("creator_username") or "")


def _bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "User-Agent": f"{APP_NAME}/{__version__}"}


def _json_body(resp: requests.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
