"""One run's wiring: the config in force, the embedded sandbox when asked for, and where tokens come from."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from core.config import Config
from core.errors import AuthError

if TYPE_CHECKING:
    from core.sandbox import Sandbox


class TokenSource(Protocol):
    """Where the API client gets a user access token. Implementations never log or show the token."""

    def access_token(self) -> str:
        """A token believed valid now."""
        ...

    def refresh(self, rejected: str) -> str:
        """Called once after TikTok answered 401 access_token_invalid for `rejected`: a new token, or AuthError."""
        ...

    def ensure_fresh(self, min_valid_s: float) -> None:
        """Refresh ahead of time if the token would expire within `min_valid_s` seconds (e.g. a long upload)."""
        ...


@dataclass
class StaticToken:
    """A token handed in from outside (CLIPSHIP_ACCESS_TOKEN); it cannot be refreshed."""

    token: str = field(repr=False)

    def access_token(self) -> str:
        return self.token

    def refresh(self, rejected: str) -> str:
        raise AuthError(
            "TikTok refused the access token (expired or revoked).",
            "Sign in again with 'clipship login', or supply a fresh CLIPSHIP_ACCESS_TOKEN.",
        )

    def ensure_fresh(self, min_valid_s: float) -> None:
        return None


@dataclass
class AppContext:
    """The config for this run plus the embedded sandbox, if one was started. Close it when done."""

    config: Config
    sandbox: Sandbox | None = None

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def env_token(self) -> StaticToken | None:
        """CLIPSHIP_ACCESS_TOKEN, when set (never in sandbox mode, whose accounts never mix with real ones)."""
        token = os.environ.get("CLIPSHIP_ACCESS_TOKEN", "").strip()
        return StaticToken(token) if token and not self.config.sandbox else None


SANDBOX_MEDIA_PORT = 47443  # the embedded sandbox's media host, https://localhost:47443/ (another port if taken)


def open_context(*, sandbox: bool = False, config: Config | None = None) -> AppContext:
    """Build the context for a run; with sandbox=True start the embedded emulator and point everything at it."""
    cfg = config or Config.from_env()
    if not sandbox:
        return AppContext(cfg)
    from core.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, Sandbox

    sandbox_dir = cfg.data_dir / "sandbox"
    server = Sandbox(state_dir=sandbox_dir / "server", media_port=SANDBOX_MEDIA_PORT)
    server.start()
    prefixes = server.config.verified_url_prefixes
    if prefixes is None:
        prefixes = (server.media_base_url + "/",) if server.media_base_url else ()
    cfg = cfg.with_(
        api_base=server.base_url,
        auth_url=server.auth_url,
        client_key=SANDBOX_CLIENT_KEY,
        client_secret=SANDBOX_CLIENT_SECRET,
        data_dir=sandbox_dir,
        sandbox=True,
        upload_rebase=server.upload_base_url,
        verified_url_prefixes=tuple(prefixes),
        media_ca=server.media_ca or "",
    )
    return AppContext(cfg, server)
