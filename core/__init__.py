"""Clipship core: everything that talks to TikTok, inspects media or stores tokens. Never imports Qt."""

from __future__ import annotations

APP_NAME = "Clipship"
APP_ID = "io.clipship.Clipship"
APP_ORG = "Clipship"
__version__ = "0.1.0"
