"""Where Clipship talks to and keeps its files: environment, the settings file and the data dir."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from core import APP_NAME
from core.errors import storage_error

DEFAULT_API_BASE = "https://open.tiktokapis.com"
DEFAULT_AUTH_URL = "https://www.tiktok.com/v2/auth/authorize/"

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
CHUNK_MIN = 5 * 1024 * 1024  # core.chunks.MIN_CHUNK (not imported: core.chunks imports nothing of ours but errors)
CHUNK_MAX = 64_000_000


@dataclass(frozen=True)
class Setting:
    """One non-secret setting, declared once: what every reader, `config set/unset/show` and the Settings dialog
    use. Secrets are not settings (they live in the keyring), so none can be declared here."""

    name: str
    kind: type
    default: Any
    label: str
    help: str
    minimum: int | None = None  # for int settings; 0 stays allowed when `zero` says what it means
    maximum: int | None = None
    zero: str = ""  # what 0 means ("any free port"), when 0 is allowed beside the range

    def check(self, value: Any) -> Any:
        """`value` when it is valid for this setting; ValueError saying why not."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{self.name} must be true or false, not {json.dumps(value)}")
            return value
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{self.name} must be a whole number, not {json.dumps(value)}")
            if value == 0 and self.zero:
                return value
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                zero = f" (or 0: {self.zero})" if self.zero else ""
                raise ValueError(f"{self.name} must be {self.minimum:,}-{self.maximum:,}{zero}, not {value:,}")
            return value
        if not isinstance(value, str):
            raise ValueError(f"{self.name} must be text, not {json.dumps(value)}")
        return value.strip()

    def parse(self, raw: str) -> Any:
        """A value typed on the command line (`config set NAME VALUE`); ValueError saying why it is wrong."""
        if self.kind is bool:
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"{self.name} takes true or false, not {raw!r}")
        if self.kind is int:
            try:
                value = int(raw.strip().replace("_", "").replace(",", ""))
            except ValueError:
                raise ValueError(f"{self.name} takes a whole number, not {raw!r}") from None
            return self.check(value)
        return self.check(raw)


SETTINGS: tuple[Setting, ...] = (
    Setting("client_key", str, "", "Client key", "Your TikTok app's client key (developer portal)."),
    Setting(
        "redirect_port",
        int,
        0,
        "Redirect port",
        "Only if your TikTok app registered a fixed http://127.0.0.1:PORT/callback/.",
        1,
        65535,
        "any free port",
    ),
    Setting(
        "chunk_size",
        int,
        0,
        "Upload chunk size",
        "Bytes per upload request (TikTok allows 5,242,880-64,000,000).",
        CHUNK_MIN,
        CHUNK_MAX,
        "Clipship chooses",
    ),
    Setting("default_account", str, "", "Default account", "The open_id posts go to unless another is named."),
    Setting(
        "verified_url_prefixes",
        str,
        "",
        "Verified URL prefixes",
        "For photo posts and videos from URLs: the URL prefixes or domains your TikTok app verified in the developer "
        "portal (URL properties), separated by spaces, e.g. https://media.example.com/clips/.",
    ),
    Setting(
        "allow_plaintext_tokens",
        bool,
        False,
        "Keep tokens in a file",
        "Without an OS keyring, keep sign-in tokens in a private (0600) file in the data dir.",
    ),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
SETTINGS_DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}
_warned: set[tuple[str, str]] = set()


def data_dir() -> Path:
    """The user data dir: $CLIPSHIP_DATA_DIR, else the platform's (created on first use, private to the user)."""
    env = os.environ.get("CLIPSHIP_DATA_DIR")
    path = Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if not path.is_dir():
        try:
            path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(path, exc) from None
    if os.name == "posix":
        try:
            if path.stat().st_mode & 0o077:
                os.chmod(path, PRIVATE_DIR)  # a data dir from an older Clipship
        except OSError:
            pass
    return path


def atomic_write_text(path: Path, text: str, mode: int = PRIVATE_FILE) -> None:
    """Write a file so that readers see the old or the new content, never half of it. StorageError when the
    folder is read-only, not ours or full."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise storage_error(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise storage_error(path, exc) from None
        raise


def load_settings(directory: Path | None = None) -> dict[str, Any]:
    """The settings file merged over the defaults. A missing or broken file gives the defaults; a value of the
    wrong type or out of range is ignored with one warning naming it (`config unset NAME` removes it)."""
    path = (directory or data_dir()) / "settings.json"
    values = dict(SETTINGS_DEFAULTS)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return values
    if not isinstance(stored, dict):
        return values
    for name, setting in SETTINGS_BY_NAME.items():
        if name not in stored:
            continue
        try:
            values[name] = setting.check(stored[name])
        except ValueError as exc:
            key = (str(path), name)
            if key not in _warned:
                _warned.add(key)
                log.warning("%s in %s is ignored: %s. Fix it with 'clipship config unset %s'.", name, path, exc, name)
    return values


def save_settings(values: dict[str, Any], directory: Path | None = None) -> None:
    """Persist the known, non-secret settings atomically (each one checked)."""
    path = (directory or data_dir()) / "settings.json"
    known = {}
    for name, setting in SETTINGS_BY_NAME.items():
        try:
            known[name] = setting.check(values.get(name, setting.default))
        except ValueError:
            known[name] = setting.default
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
    # --sandbox only: the embedded emulator moves port every run, so an upload URL recorded by an earlier run is
    # sent to this run's upload server (same path and token) when the upload is resumed.
    upload_rebase: str = ""
    # PULL_FROM_URL posts: the verified prefixes (empty: not checked here, TikTok answers url_ownership_unverified)
    # and, in sandbox mode, the sandbox media host's certificate, which the URL checks trust.
    verified_url_prefixes: tuple[str, ...] = ()
    media_ca: str = ""

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
            media_ca=os.environ.get("CLIPSHIP_MEDIA_CA", ""),
            verified_url_prefixes=tuple(
                p for p in re.split(r"[\s,]+", str(values.get("verified_url_prefixes") or "")) if p
            ),
        )

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)
