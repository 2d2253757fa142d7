"""Sign-in: where the engine gets a user access token.

token_source_for() is the one entry point the engine and the window use. (The sign-in issue extends it
with the keyring-backed account store; until then it knows CLIPSHIP_ACCESS_TOKEN and the sandbox.)
"""

from __future__ import annotations

from core.context import AppContext, StaticToken, TokenSource
from core.errors import AuthError


def token_source_for(ctx: AppContext, account: str | None = None) -> TokenSource:
    """The token source for `account` (default account when None)."""
    env = ctx.env_token()
    if env is not None:
        return env
    if ctx.sandbox is not None:
        return StaticToken(str(ctx.sandbox.issue_token()["access_token"]))
    raise AuthError("Not signed in to TikTok.", "Run 'clipship login' first, or set CLIPSHIP_ACCESS_TOKEN.")
