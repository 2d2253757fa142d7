"""Issuing, rotating, checking and revoking tokens; authorization codes. Tokens are kept only as digests."""

from __future__ import annotations

import secrets
import string
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from core.sandbox.config import SandboxConfig
from core.sandbox.state import AccessRecord, RefreshRecord, State, digest

_ALNUM = string.ascii_letters + string.digits


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def new_token(prefix: str) -> str:
    """Shaped like TikTok's: 'act.' / 'rft.' + random + '!NNNN.va' (the '!' makes careless encoding show)."""
    return f"{prefix}.{secrets.token_hex(16)}{_random(24)}!{secrets.randbelow(9000) + 1000}.va"


def new_code() -> str:
    """An authorization code; it has '*' and '!' so a client that does not URL-decode it fails."""
    return f"{_random(40)}*0!{secrets.randbelow(9000) + 1000}.va"


@dataclass
class PendingCode:
    client_key: str
    open_id: str
    scopes: list[str]
    redirect_uri: str
    code_challenge: str
    expires_at: float


@dataclass
class Codes:
    """Authorization codes in memory (single use; a restart forgets them, as a short lifetime would)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_digest: dict[str, PendingCode] = field(default_factory=dict)

    def issue(self, pending: PendingCode) -> str:
        code = new_code()
        with self.lock:
            self.by_digest[digest(code)] = pending
        return code

    def take(self, code: str) -> PendingCode | None:
        """The code's record, removed (single use), or None when unknown, used or expired."""
        with self.lock:
            pending = self.by_digest.pop(digest(code), None)
        if pending is None or pending.expires_at <= time.time():
            return None
        return pending


def issue(
    state: State,
    cfg: SandboxConfig,
    open_id: str,
    scopes: list[str],
    grant_id: str | None = None,
    refresh_expires_at: float | None = None,
) -> dict[str, Any]:
    """A new access + refresh pair; returns the /v2/oauth/token/ body."""
    now = time.time()
    access, refresh = new_token("act"), new_token("rft")
    gid = grant_id or uuid.uuid4().hex
    r_exp = refresh_expires_at if refresh_expires_at is not None else now + cfg.refresh_ttl
    with state.lock:
        state.access[digest(access)] = AccessRecord(open_id, list(scopes), now + cfg.access_ttl, gid)
        state.refresh[digest(refresh)] = RefreshRecord(open_id, list(scopes), r_exp, gid)
        state.save()
    return {
        "access_token": access,
        "expires_in": int(cfg.access_ttl),
        "open_id": open_id,
        "refresh_expires_in": max(0, int(r_exp - now)),
        "refresh_token": refresh,
        "scope": ",".join(scopes),
        "token_type": "Bearer",
    }


def rotate(state: State, cfg: SandboxConfig, refresh_token: str) -> dict[str, Any] | None:
    """Exchange a refresh token: the old one stops working at once. The new one keeps the old expiry."""
    with state.lock:
        record = state.refresh.pop(digest(refresh_token), None)
        if record is None or record.expires_at <= time.time():
            state.save()
            return None
        return issue(state, cfg, record.open_id, record.scopes, record.grant_id, record.expires_at)


def lookup(state: State, access_token: str) -> AccessRecord | None:
    with state.lock:
        record = state.access.get(digest(access_token))
    if record is None or record.expires_at <= time.time():
        return None
    return record


def revoke(state: State, access_token: str) -> bool:
    """Remove the app from the account: every access and refresh token of that account dies."""
    with state.lock:
        record = state.access.get(digest(access_token))
        if record is None or record.expires_at <= time.time():
            return False
        open_id = record.open_id
        state.access = {k: v for k, v in state.access.items() if v.open_id != open_id}
        state.refresh = {k: v for k, v in state.refresh.items() if v.open_id != open_id}
        state.save()
    return True


def expire_all_access(state: State) -> None:
    """Every access token that exists now stops working (refresh tokens are untouched)."""
    with state.lock:
        now = time.time()
        for record in state.access.values():
            record.expires_at = min(record.expires_at, now - 1)
        state.save()
