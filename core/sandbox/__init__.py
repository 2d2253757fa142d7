"""A local emulator of TikTok's Login Kit and Content Posting API (used by tests, --sandbox and demos).

Usage:
    with Sandbox(state_dir) as sb:              # 127.0.0.1 on an ephemeral port
        token = sb.issue_token()["access_token"]  # or sign in through sb.auth_url (see core.sandbox.browser)
        ... point the client at sb.base_url ...
        sb.received(publish_id).sha256

Faithful to ../shared/tiktok-api.md and strict where TikTok's documents leave room: README.md in this
folder lists the endpoints, the faults and every choice made.
"""

from __future__ import annotations

from core.sandbox.config import (
    DEFAULT_SCOPES,
    KNOWN_SCOPES,
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    CreatorProfile,
    SandboxConfig,
)
from core.sandbox.http import LoggedRequest
from core.sandbox.server import ReceivedFile, Sandbox
from core.sandbox.state import DEMO_OPEN_ID

__all__ = [
    "DEFAULT_SCOPES",
    "DEMO_OPEN_ID",
    "KNOWN_SCOPES",
    "SANDBOX_CLIENT_KEY",
    "SANDBOX_CLIENT_SECRET",
    "CreatorProfile",
    "LoggedRequest",
    "ReceivedFile",
    "Sandbox",
    "SandboxConfig",
]
