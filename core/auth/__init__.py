"""Sign-in: where the engine gets a user access token (token_source_for), plus login/logout and accounts.

Decisions: tokens live in the OS keyring (service "clipship", "clipship-sandbox" for the sandbox), one JSON
entry per open_id; accounts.json in the data dir holds only metadata. The @username comes from
creator_info when video.publish was granted (user.info.profile is not requested), else it stays empty.
The newest sign-in becomes the default account. Modules: pkce, loopback, oauth, tokens, store, accounts,
source (the refreshing TokenSource), login (the flows).
"""

from __future__ import annotations

import logging

from core.auth.accounts import Account, AccountRegistry
from core.auth.login import (
    LoginResult,
    LogoutResult,
    client_credentials,
    login,
    logout,
    oauth_client,
    sandbox_demo_sign_in,
    secret_store,
)
from core.auth.source import AccountTokenSource
from core.context import AppContext, TokenSource
from core.errors import AuthError

__all__ = [
    "Account",
    "AccountRegistry",
    "AccountTokenSource",
    "LoginResult",
    "LogoutResult",
    "accounts",
    "client_credentials",
    "current_account",
    "login",
    "logout",
    "oauth_client",
    "sandbox_demo_sign_in",
    "secret_store",
    "token_source_for",
]

log = logging.getLogger(__name__)


def accounts(ctx: AppContext) -> list[Account]:
    """The signed-in accounts of this mode (sandbox or real), default first."""
    return AccountRegistry(ctx.config.data_dir).accounts()


def current_account(ctx: AppContext, account: str | None = None) -> Account | None:
    """The named account, else the default one; None when not signed in."""
    registry = AccountRegistry(ctx.config.data_dir)
    return registry.get(account) if account else registry.default()


def token_source_for(ctx: AppContext, account: str | None = None) -> TokenSource:
    """The token source for `account` (open_id; the default account when None).

    Order: CLIPSHIP_ACCESS_TOKEN (not in sandbox mode); the stored account, refreshed through TikTok's
    token endpoint; under --sandbox with no sandbox account yet, the sandbox demo account (signed in
    silently and stored). Otherwise AuthError.
    """
    env = ctx.env_token()
    if env is not None:
        return env
    registry = AccountRegistry(ctx.config.data_dir)
    chosen = registry.get(account) if account else registry.default()
    if chosen is None and account:
        known = ", ".join(a.open_id for a in registry.accounts()) or "none"
        raise AuthError(f"No signed-in account {account!r}.", f"Signed-in accounts: {known}. See 'clipship whoami'.")
    store = secret_store(ctx.config)
    if ctx.config.sandbox and ctx.sandbox is not None:
        if chosen is None and not registry.accounts():
            chosen = sandbox_demo_sign_in(ctx).account
            log.info("Signed in to the sandbox demo account %s.", chosen.label)
        elif chosen is not None and store.get(chosen.open_id) is None:  # tokens not kept (no keyring)
            chosen = sandbox_demo_sign_in(ctx, chosen.open_id, chosen.scopes, make_default=False).account
    if chosen is None:
        if registry.accounts():
            raise AuthError(
                "Several TikTok accounts are signed in and none is the default.",
                "Pick one with --account OPEN_ID, or 'clipship config set default_account OPEN_ID'.",
            )
        raise AuthError("Not signed in to TikTok.", "Run 'clipship login' first, or set CLIPSHIP_ACCESS_TOKEN.")
    client_credentials(ctx.config)  # say now, not at the first refresh, when the app's credentials are missing
    config = ctx.config
    store.warn_once()
    return AccountTokenSource(lambda: oauth_client(config), store, registry, chosen.open_id, chosen.label)
