"""The token pair of one account, with absolute expiry times computed from each response."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from core.errors import AuthError


def split_scopes(value: object) -> tuple[str, ...]:
    """TikTok's comma-separated scope list (tolerating spaces) as a sorted tuple without duplicates."""
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = str(value or "").replace(" ", ",").split(",")
    return tuple(sorted({p.strip() for p in parts if p.strip()}))


@dataclass(frozen=True)
class TokenSet:
    """Access + refresh token of one account. The tokens never appear in repr."""

    open_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    scopes: tuple[str, ...] = ()
    access_expires_at: float = 0.0
    refresh_expires_at: float = 0.0
    obtained_at: float = 0.0

    @classmethod
    def from_response(
        cls, body: dict[str, Any], now: float | None = None, fallback_scopes: tuple[str, ...] = ()
    ) -> TokenSet:
        """Build from a token endpoint answer (flat JSON); expiry from its expires_in / refresh_expires_in."""
        now = time.time() if now is None else now
        access = body.get("access_token")
        refresh = body.get("refresh_token")
        open_id = body.get("open_id")
        if not isinstance(access, str) or not access or not isinstance(open_id, str) or not open_id:
            raise AuthError(
                "TikTok's token answer was incomplete (no access token or account id).",
                "Try signing in again; if it keeps happening, TikTok may be having problems.",
            )
        try:
            expires_in = float(body.get("expires_in") or 0)
            refresh_expires_in = float(body.get("refresh_expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = refresh_expires_in = 0.0
        scopes = split_scopes(body.get("scope")) or fallback_scopes
        return cls(
            open_id=open_id,
            access_token=access,
            refresh_token=refresh if isinstance(refresh, str) else "",
            scopes=scopes,
            access_expires_at=now + max(expires_in, 0.0),
            refresh_expires_at=now + max(refresh_expires_in, 0.0) if refresh_expires_in else 0.0,
            obtained_at=now,
        )

    def access_valid_for(self, now: float | None = None) -> float:
        """Seconds until the access token expires (negative when it already has)."""
        return self.access_expires_at - (time.time() if now is None else now)

    def refresh_usable(self, now: float | None = None) -> bool:
        """True while the refresh token exists and has not expired (0 = expiry unknown, assume usable)."""
        if not self.refresh_token:
            return False
        return self.refresh_expires_at == 0.0 or self.refresh_expires_at > (time.time() if now is None else now)

    def to_json(self) -> str:
        """The keyring blob (a secret: only ever handed to the keyring or the opted-in plain-text file)."""
        return json.dumps(
            {
                "open_id": self.open_id,
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "scopes": list(self.scopes),
                "access_expires_at": self.access_expires_at,
                "refresh_expires_at": self.refresh_expires_at,
                "obtained_at": self.obtained_at,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> TokenSet | None:
        """Parse a keyring blob; None when it is unreadable (treated as not signed in)."""
        try:
            data = json.loads(text)
            return cls(
                open_id=str(data["open_id"]),
                access_token=str(data["access_token"]),
                refresh_token=str(data.get("refresh_token") or ""),
                scopes=split_scopes(data.get("scopes")),
                access_expires_at=float(data.get("access_expires_at") or 0),
                refresh_expires_at=float(data.get("refresh_expires_at") or 0),
                obtained_at=float(data.get("obtained_at") or 0),
            )
        except (ValueError, KeyError, TypeError):
            return None
