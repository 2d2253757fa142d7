"""Where Clipship talks to and keeps its files: environment, the settings file and the data dir."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from core import APP_NAME

DEFAULT_API_BASE = "https://open.tiktokapis.com"
DEFAULT_AUTH_URL = "https://www.tiktok.com/v2/auth/authorize/"

# Non-secret settings, declared once with their defaults. Secrets never go here (they live in the keyring).
SETTINGS_DEFAULTS: dict[str, Any] = {
    "client_key": "",
    "redirect_port": 0,  # 0 = an ephemeral port
    "chunk_size": 0,  # 0 = let the planner choose
    "default_account": "",
    "allow_plaintext_tokens": False,
}


def data_dir() -> Path:
    """The user data dir: $CLIPSHIP_DATA_DIR, else the platform's (created on first use)."""
    env = os.environ.get("CLIPSHIP_DATA_DIR")
    path = Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write_text(path: Path, text: str, mode: int = 0o644) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_settings(directory: Path | None = None) -> dict[str, Any]:
    """The settings file merged over the defaults; a missing or broken file gives the defaults."""
    path = (directory or data_dir()) / "settings.json"
    values = dict(SETTINGS_DEFAULTS)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return values
    if isinstance(stored, dict):
        values.update({k: v for k, v in stored.items() if k in SETTINGS_DEFAULTS})
    return values


def save_settings(values: dict[str, Any], directory: Path | None = None) -> None:
    """Persist the known, non-secret settings atomically."""
    path = (directory or data_dir()) / "settings.json"
    known = {k: values.get(k, d) for k, d in SETTINGS_DEFAULTS.items()}
    atomic_write_text(path, json.dumps(known, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class Config:
    """The endpoints and app credentials in force for one run. The secret is never shown in repr."""

    api_base: str = DEFAULT_API_BASE
    auth_url: str = DEFAULT_AUTH_URL
    client_key: str = ""
    client_secret: str = field(default="", repr=False)
    data_dir: Path = field(default_factory=data_dir)
    sandbox: bool = False
    redirect_port: int = 0
    chunk_size: int = 0

    @classmethod
    def from_env(cls, settings: dict[str, Any] | None = None) -> Config:
        """Build from CLIPSHIP_* environment variables over the settings file."""
        directory = data_dir()
        values = settings if settings is not None else load_settings(directory)
        return cls(
            api_base=os.environ.get("CLIPSHIP_API_BASE", DEFAULT_API_BASE).rstrip("/"),
            auth_url=os.environ.get("CLIPSHIP_AUTH_URL", DEFAULT_AUTH_URL),
            client_key=os.environ.get("CLIPSHIP_CLIENT_KEY") or str(values.get("client_key") or ""),
            client_secret=os.environ.get("CLIPSHIP_CLIENT_SECRET", ""),
            data_dir=directory,
            redirect_port=int(values.get("redirect_port") or 0),
            chunk_size=int(values.get("chunk_size") or 0),
        )

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)
