"""The TokenSource of a stored account: refreshes ahead of expiry or after a 401, persisting rotation at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from core.auth.accounts import AccountRegistry
from core.auth.oauth import OAuthClient, OAuthError
from core.auth.store import SecretStore
from core.auth.tokens import TokenSet
from core.errors import AuthError

log = logging.getLogger(__name__)

# A token obtained this recently is not refreshed again by ensure_fresh (another thread just did it).
JUST_REFRESHED_S = 30.0

_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def account_lock(service: str, open_id: str) -> threading.Lock:
    """The one lock serializing refreshes of one account in this process."""
    with _locks_guard:
        return _locks.setdefault((service, open_id), threading.Lock())


def signed_out_error(label: str) -> AuthError:
    return AuthError(
        f"The TikTok sign-in for {label} has expired or was revoked.",
        "Sign in again with 'clipship login'.",
    )


class AccountTokenSource:
    """core.context.TokenSource over the keyring entry of one account (see that protocol).

    `oauth` makes a client for each refresh (closed right after), so the source holds no open connection.
    """

    def __init__(
        self,
        oauth: Callable[[], OAuthClient],
        store: SecretStore,
        registry: AccountRegistry,
        open_id: str,
        label: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._oauth = oauth
        self._store = store
        self._registry = registry
        self.open_id = open_id
        self.label = label or open_id
        self._clock = clock
        self._lock = account_lock(store.service, open_id)
        self.refresh_count = 0

    def __repr__(self) -> str:
        return f"AccountTokenSource(open_id={self.open_id!r}, storage={self._store.storage.value})"

    def close(self) -> None:
        """Nothing to release (kept so callers may close any token source)."""

    def _current(self) -> TokenSet:
        tokens = self._store.load_tokens(self.open_id)
        if tokens is None:
            raise AuthError(
                f"No stored sign-in for {self.label} on this machine.",
                "Sign in with 'clipship login'.",
            )
        return tokens

    # --- TokenSource ------------------------------------------------------------------------------
    def access_token(self) -> str:
        with self._lock:
            tokens = self._current()
            if tokens.access_valid_for(self._clock()) <= 0:
                tokens = self._refresh_locked(tokens)
            return tokens.access_token

    def refresh(self, rejected: str) -> str:
        with self._lock:
            tokens = self._current()
            if tokens.access_token != rejected:
                return tokens.access_token  # another thread (or process) refreshed meanwhile
            return self._refresh_locked(tokens).access_token

    def ensure_fresh(self, min_valid_s: float) -> None:
        with self._lock:
            tokens = self._current()
            now = self._clock()
            if tokens.access_valid_for(now) >= min_valid_s:
                return
            if now - tokens.obtained_at < JUST_REFRESHED_S and tokens.access_valid_for(now) > 0:
                return  # fresh from TikTok already; a longer lifetime than this is not available
            self._refresh_locked(tokens)

    # --- the refresh itself (caller holds the lock) -------------------------------------------------
    def _refresh_locked(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_usable(self._clock()):
            raise signed_out_error(self.label)
        try:
            with self._oauth() as oauth:
                new = oauth.refresh(tokens.refresh_token, fallback_scopes=tokens.scopes, now=self._clock())
        except OAuthError as exc:
            if exc.code not in ("invalid_grant", "invalid_request"):
                raise
            # Another process (the window and the command line at once) may have rotated it already.
            latest = self._store.load_tokens(self.open_id)
            if latest is not None and latest.refresh_token != tokens.refresh_token:
                return latest
            raise signed_out_error(self.label) from None
        if new.open_id != self.open_id:
            raise AuthError("TikTok returned a token for a different account.", "Sign in again with 'clipship login'.")
        self._store.save_tokens(new)  # persist the rotated refresh token before anything uses it
        self.refresh_count += 1
        try:
            self._registry.update_expiry(self.open_id, new.access_expires_at, new.refresh_expires_at)
        except OSError as exc:
            log.warning("Could not update accounts.json (%s).", exc.strerror)
        log.info("Refreshed the TikTok access token for %s.", self.label)
        return new
