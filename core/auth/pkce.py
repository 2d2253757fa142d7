"""PKCE for TikTok's desktop Login Kit: a fresh verifier per attempt and the hex (not base64url) challenge."""

from __future__ import annotations

import hashlib
import secrets
import string

VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
VERIFIER_MIN = 43
VERIFIER_MAX = 128
CHALLENGE_METHOD = "S256"


def new_verifier(length: int = 64) -> str:
    """A random code_verifier of `length` characters from the RFC 7636 alphabet."""
    if not VERIFIER_MIN <= length <= VERIFIER_MAX:
        raise ValueError(f"a PKCE verifier has {VERIFIER_MIN}-{VERIFIER_MAX} characters, not {length}")
    return "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(length))


def challenge(verifier: str) -> str:
    """TikTok's desktop code_challenge: the lowercase hex SHA-256 of the verifier (64 characters)."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def new_state() -> str:
    """A single-use, unguessable `state` value for one authorize attempt."""
    return secrets.token_urlsafe(24)
