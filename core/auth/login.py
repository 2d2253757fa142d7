"""The sign-in flow (browser + loopback + PKCE), the sandbox demo sign-in, and sign-out. No Qt: callbacks only."""

from __future__ import annotations

import logging
import threading
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from core.auth import pkce
from core.auth.accounts import REQUESTED_SCOPES, SCOPE_PUBLISH, Account, AccountRegistry
from core.auth.loopback import LoopbackReceiver
from core.auth.oauth import OAuthClient
from core.auth.source import AccountTokenSource
from core.auth.store import SANDBOX_SERVICE, SERVICE, SecretStore, Storage
from core.auth.tokens import TokenSet
from core.config import Config, data_dir, load_settings
from core.context import AppContext
from core.distribution import built_in_credentials
from core.errors import AuthError, ClipshipError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 300.0
BROWSER_FAILED = "Could not open a web browser: open the address above yourself."

Opener = Callable[[str], bool]
MessageCallback = Callable[[str], None]


def _allow_plaintext() -> bool:
    """The explicit opt-in (setting allow_plaintext_tokens) to keep tokens in a 0600 file without a keyring."""
    try:
        return bool(load_settings(data_dir()).get("allow_plaintext_tokens"))
    except OSError:
        return False


def secret_store(config: Config) -> SecretStore:
    """The keyring service for this mode ('clipship-sandbox' keeps sandbox accounts apart from real ones)."""
    return SecretStore(SANDBOX_SERVICE if config.sandbox else SERVICE, config.data_dir, _allow_plaintext())


def app_secret_store(config: Config) -> SecretStore:
    """Where the real app's client secret lives (always the 'clipship' service, next to the settings file)."""
    return SecretStore(SERVICE, data_dir(), _allow_plaintext())


def client_credentials(config: Config) -> tuple[str, str]:
    """The client key and secret, as a pair from one source: the user's own app (CLIPSHIP_CLIENT_KEY or the
    client_key setting, with CLIPSHIP_CLIENT_SECRET or the keyring's secret), else the app built into this copy
    (core.distribution); the demo app's under --sandbox. A user's key is never paired with a built-in secret."""
    key = config.client_key
    secret = config.client_secret
    if not config.sandbox and not key:
        built_in = built_in_credentials()
        if built_in is not None:
            return built_in
    if not config.sandbox and not secret:
        secret = app_secret_store(config).client_secret()
    if not key:
        raise AuthError(
            "No TikTok client key is configured.",
            "Set CLIPSHIP_CLIENT_KEY or run 'clipship config set client_key KEY' "
            "(or try everything offline with --sandbox).",
        )
    if not secret:
        raise AuthError(
            "No TikTok client secret is configured.",
            "Set CLIPSHIP_CLIENT_SECRET or run 'clipship config set-secret' (it is kept in the OS keyring).",
        )
    return key, secret


def oauth_client(config: Config) -> OAuthClient:
    key, secret = client_credentials(config)
    return OAuthClient(api_base=config.api_base, client_key=key, client_secret=secret, auth_url=config.auth_url)


@dataclass(frozen=True)
class LoginResult:
    """A finished sign-in: the account (default now), where its tokens went, and what to tell the user."""

    account: Account
    storage: Storage
    notices: tuple[str, ...] = field(default=())


def _start_opener(opener: Opener, url: str, on_message: MessageCallback | None) -> threading.Thread:
    """Open the browser on a helper thread (a $BROWSER command may block until it exits)."""

    def run() -> None:
        try:
            ok = opener(url)
        except Exception as exc:  # the opener is outside our control; the URL was shown anyway
            log.debug("browser opener failed: %s", type(exc).__name__)
            ok = False
        if not ok and on_message is not None:
            on_message(BROWSER_FAILED)

    thread = threading.Thread(target=run, name="clipship-open-browser", daemon=True)
    thread.start()
    return thread


def login(
    ctx: AppContext,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    port: int | None = None,
    scopes: Iterable[str] = REQUESTED_SCOPES,
    opener: Opener | None = None,
    on_url: MessageCallback | None = None,
    on_message: MessageCallback | None = None,
    cancel: threading.Event | None = None,
) -> LoginResult:
    """Sign in through the browser: consent page -> redirect to 127.0.0.1 -> code exchange -> keyring.

    `on_url` receives the consent page address (show it, so the user can copy it); `opener` opens it
    (default: the `webbrowser` module, which honours $BROWSER). Blocks until done, `timeout` or `cancel`.
    """
    config = ctx.config
    open_browser: Opener = opener or (lambda u: webbrowser.open(u, new=2))
    with oauth_client(config) as oauth:
        verifier = pkce.new_verifier()
        state = pkce.new_state()
        with LoopbackReceiver(state, config.redirect_port if port is None else port) as receiver:
            redirect_uri = receiver.redirect_uri
            url = oauth.authorize_url(redirect_uri, state, pkce.challenge(verifier), scopes)
            if on_url is not None:
                on_url(url)
            browser = _start_opener(open_browser, url, on_message)
            try:
                callback = receiver.wait(timeout, cancel)
            finally:
                receiver.stop()
                browser.join(timeout=2)  # a $BROWSER command may still run; never wait long
        tokens = oauth.exchange_code(callback.code, redirect_uri, verifier)
        if not tokens.scopes and callback.scopes:
            tokens = replace(tokens, scopes=callback.scopes)
        return finish_sign_in(config, oauth, tokens)


def finish_sign_in(config: Config, oauth: OAuthClient, tokens: TokenSet, make_default: bool = True) -> LoginResult:
    """Store the tokens, fetch the profile and record the account (as the default one unless told not to)."""
    store = secret_store(config)
    storage = store.save_tokens(tokens)
    user = oauth.user_info(tokens.access_token)
    username = oauth.creator_username(tokens.access_token) if SCOPE_PUBLISH in tokens.scopes else ""
    account = AccountRegistry(config.data_dir).upsert(
        Account(
            open_id=tokens.open_id,
            display_name=str(user.get("display_name") or ""),
            username=username,
            avatar_url=str(user.get("avatar_url") or ""),
            scopes=tokens.scopes,
            access_expires_at=tokens.access_expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
            signed_in_at=tokens.obtained_at,
        ),
        make_default=make_default,
    )
    notices = [n for n in (store.notice,) if n and storage is not Storage.KEYRING]
    if storage is Storage.MEMORY and not store.notice:
        notices.append("The OS keyring refused the tokens: the sign-in lasts for this run only.")
    notices.extend(account.scope_warnings())
    return LoginResult(account=account, storage=storage, notices=tuple(notices))


def sandbox_demo_sign_in(
    ctx: AppContext, open_id: str | None = None, scopes: tuple[str, ...] = (), make_default: bool = True
) -> LoginResult:
    """Sign a sandbox account in without a browser (the demo account unless `open_id` is given).

    Used so that '--sandbox post' works for a new user, and again when a sandbox account's tokens were
    not kept (no keyring): sandbox tokens belong to the local emulator and can always be issued afresh.
    """
    if ctx.sandbox is None:
        raise AuthError("The sandbox is not running.", "Use --sandbox.")
    issued = ctx.sandbox.issue_token(scopes=scopes or REQUESTED_SCOPES, open_id=open_id)
    tokens = TokenSet.from_response(dict(issued))
    with oauth_client(ctx.config) as oauth:
        return finish_sign_in(ctx.config, oauth, tokens, make_default)


@dataclass(frozen=True)
class LogoutResult:
    account: Account
    revoked: bool
    problem: str = ""


def logout(ctx: AppContext, open_id: str | None = None) -> LogoutResult:
    """Revoke at TikTok (best effort) and delete the account's tokens and metadata here."""
    config = ctx.config
    registry = AccountRegistry(config.data_dir)
    account = registry.get(open_id) if open_id else registry.default()
    if account is None:
        known = ", ".join(a.open_id for a in registry.accounts()) or "none"
        raise AuthError(
            f"No signed-in account {open_id!r}." if open_id else "Not signed in to TikTok.",
            f"Signed-in accounts: {known}. See 'clipship whoami'.",
        )
    store = secret_store(config)
    tokens = store.load_tokens(account.open_id)
    revoked = False
    problem = ""
    if tokens is not None:
        try:
            source = AccountTokenSource(lambda: oauth_client(config), store, registry, account.open_id, account.label)
            access = source.access_token()  # refreshed first if it had expired
            with oauth_client(config) as oauth:
                oauth.revoke(access)
            revoked = True
        except ClipshipError as exc:
            problem = exc.message
    store.delete_tokens(account.open_id)
    registry.remove(account.open_id)
    return LogoutResult(account=account, revoked=revoked, problem=problem)
