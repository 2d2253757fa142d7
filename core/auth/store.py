"""Secrets (token blobs, the client secret) in the OS keyring; memory-only or opted-in plain text without one."""

from __future__ import annotations

import json
import logging
import os
import threading
from enum import StrEnum
from pathlib import Path

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from core.auth.tokens import TokenSet
from core.config import atomic_write_text

log = logging.getLogger(__name__)

SERVICE = "clipship"
SANDBOX_SERVICE = "clipship-sandbox"
CLIENT_SECRET_ENTRY = "app:client_secret"
PLAINTEXT_FILE = "tokens-plaintext.json"

# Secrets kept for this process only, when no keyring backend exists: {(service, entry): value}.
_memory: dict[tuple[str, str], str] = {}
_memory_lock = threading.Lock()
_warned: set[str] = set()


class Storage(StrEnum):
    """Where secrets of a store end up."""

    KEYRING = "keyring"
    MEMORY = "memory"  # no keyring backend: lost when the process ends
    PLAINTEXT = "plaintext"  # explicit opt-in: a 0600 JSON file in the data dir


NO_KEYRING_NOTICE = (
    "No OS keyring is available (on Linux: a Secret Service such as gnome-keyring or KWallet). "
    "Your TikTok sign-in is kept in memory for this run only."
)
PLAINTEXT_NOTICE = (
    "No OS keyring is available; as allowed by the setting allow_plaintext_tokens, tokens are stored "
    "in PLAIN TEXT in {path} (permissions 0600). Anyone who can read that file can post as you."
)


def forget_memory() -> None:
    """Drop every secret held in memory (tests; a fresh process starts empty anyway)."""
    with _memory_lock:
        _memory.clear()
    _warned.clear()


def keyring_available() -> bool:
    """True when keyring has a usable backend (not the 'fail' placeholder)."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # broken backend configuration
        return False
    return bool(getattr(backend, "priority", 0) > 0) and type(backend).__module__ != "keyring.backends.fail"


class SecretStore:
    """One keyring service: token blobs keyed by open_id, plus the app's client secret.

    Falls back to process memory when there is no keyring backend, or to a 0600 plain-text file in
    `data_dir` when `allow_plaintext` is set. `notice` tells the user which fallback is in force.
    """

    def __init__(self, service: str, data_dir: Path | None = None, allow_plaintext: bool = False) -> None:
        self.service = service
        self.data_dir = data_dir
        self.allow_plaintext = allow_plaintext and data_dir is not None

    def __repr__(self) -> str:
        return f"SecretStore(service={self.service!r}, storage={self.storage.value})"

    @property
    def storage(self) -> Storage:
        if keyring_available():
            return Storage.KEYRING
        return Storage.PLAINTEXT if self.allow_plaintext else Storage.MEMORY

    @property
    def notice(self) -> str:
        """What the user should be told about where secrets go ('' when in the OS keyring)."""
        storage = self.storage
        if storage is Storage.MEMORY:
            return NO_KEYRING_NOTICE
        if storage is Storage.PLAINTEXT:
            return PLAINTEXT_NOTICE.format(path=self._plaintext_path())
        return ""

    def warn_once(self) -> None:
        """Log the storage notice once per process (the engine's and the window's logs show it)."""
        text = self.notice
        if text and text not in _warned:
            _warned.add(text)
            log.warning("%s", text)

    # --- raw entries -------------------------------------------------------------------------------
    def get(self, entry: str) -> str | None:
        with _memory_lock:  # memory holds the newest value when the keyring refused a write this run
            value = _memory.get((self.service, entry))
        if value is not None:
            return value
        storage = self.storage
        if storage is Storage.KEYRING:
            try:
                return keyring.get_password(self.service, entry)
            except KeyringError as exc:
                log.warning("Could not read from the OS keyring (%s).", type(exc).__name__)
                return None
        if storage is Storage.PLAINTEXT:
            return self._read_plaintext().get(entry)
        return None

    def set(self, entry: str, value: str) -> Storage:
        """Store a secret; returns where it went."""
        if self.storage is Storage.KEYRING:
            try:
                keyring.set_password(self.service, entry, value)
                with _memory_lock:
                    _memory.pop((self.service, entry), None)
                return Storage.KEYRING
            except KeyringError as exc:  # locked or broken keyring: keep it for this run, say so
                log.warning("Could not save to the OS keyring (%s); keeping it in memory.", type(exc).__name__)
                with _memory_lock:
                    _memory[(self.service, entry)] = value
                return Storage.MEMORY
        with _memory_lock:
            _memory[(self.service, entry)] = value
        if self.storage is Storage.PLAINTEXT:
            data = self._read_plaintext()
            data[entry] = value
            self._write_plaintext(data)
            return Storage.PLAINTEXT
        return Storage.MEMORY

    def delete(self, entry: str) -> None:
        with _memory_lock:
            _memory.pop((self.service, entry), None)
        if self.storage is Storage.KEYRING:
            try:
                keyring.delete_password(self.service, entry)
            except PasswordDeleteError:
                pass
            except KeyringError as exc:
                log.warning("Could not delete from the OS keyring (%s).", type(exc).__name__)
        if self.allow_plaintext:
            data = self._read_plaintext()
            if data.pop(entry, None) is not None:
                self._write_plaintext(data)

    # --- typed helpers -----------------------------------------------------------------------------
    def load_tokens(self, open_id: str) -> TokenSet | None:
        blob = self.get(open_id)
        return TokenSet.from_json(blob) if blob else None

    def save_tokens(self, tokens: TokenSet) -> Storage:
        return self.set(tokens.open_id, tokens.to_json())

    def delete_tokens(self, open_id: str) -> None:
        self.delete(open_id)

    def client_secret(self) -> str:
        return self.get(CLIENT_SECRET_ENTRY) or ""

    def set_client_secret(self, secret: str) -> Storage:
        return self.set(CLIENT_SECRET_ENTRY, secret)

    def delete_client_secret(self) -> None:
        self.delete(CLIENT_SECRET_ENTRY)

    # --- the opt-in plain-text file ----------------------------------------------------------------
    def _plaintext_path(self) -> Path:
        assert self.data_dir is not None
        return self.data_dir / PLAINTEXT_FILE

    def _read_plaintext(self) -> dict[str, str]:
        if not self.allow_plaintext:
            return {}
        try:
            data = json.loads(self._plaintext_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        section = data.get(self.service) if isinstance(data, dict) else None
        return {str(k): str(v) for k, v in section.items()} if isinstance(section, dict) else {}

    def _write_plaintext(self, entries: dict[str, str]) -> None:
        path = self._plaintext_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                data = {}
        except (OSError, ValueError):
            data = {}
        data[self.service] = entries
        atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode=0o600)
        if os.name == "posix":
            os.chmod(path, 0o600)
