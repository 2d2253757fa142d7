"""Signed-in accounts: non-secret metadata in accounts.json (never tokens), and which one is the default."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from core.auth.tokens import split_scopes
from core.config import atomic_write_text

ACCOUNTS_FILE = "accounts.json"
SCOPE_BASIC = "user.info.basic"
SCOPE_PUBLISH = "video.publish"  # Direct Post
SCOPE_UPLOAD = "video.upload"  # upload to the creator's inbox (drafts)
REQUESTED_SCOPES: tuple[str, ...] = (SCOPE_BASIC, SCOPE_PUBLISH, SCOPE_UPLOAD)

_file_lock = threading.Lock()


@dataclass(frozen=True)
class Account:
    """One signed-in TikTok account as shown to the user. No secrets here."""

    open_id: str
    display_name: str = ""
    username: str = ""  # from creator_info (video.publish); empty without it
    avatar_url: str = ""
    scopes: tuple[str, ...] = ()
    access_expires_at: float = 0.0
    refresh_expires_at: float = 0.0
    signed_in_at: float = 0.0
    is_default: bool = field(default=False, compare=False)

    @property
    def can_direct_post(self) -> bool:
        """Direct Post needs video.publish (the user may have unticked it on TikTok's consent page)."""
        return SCOPE_PUBLISH in self.scopes

    @property
    def can_upload_draft(self) -> bool:
        """Inbox (draft) uploads need video.upload."""
        return SCOPE_UPLOAD in self.scopes

    @property
    def missing_scopes(self) -> tuple[str, ...]:
        return tuple(s for s in REQUESTED_SCOPES if s not in self.scopes)

    @property
    def label(self) -> str:
        """How to name the account to the user: display name (@username), else the open_id."""
        name = self.display_name or self.open_id
        return f"{name} (@{self.username})" if self.username else name

    def scope_warnings(self) -> list[str]:
        """Plain sentences about what the missing scopes switch off."""
        out = []
        if not self.can_direct_post:
            out.append(
                "TikTok did not grant 'video.publish': direct posting is disabled; drafts (upload to the "
                "TikTok inbox) still work if 'video.upload' was granted. Sign in again and keep it ticked "
                "to post directly."
            )
        if not self.can_upload_draft:
            out.append("TikTok did not grant 'video.upload': uploading drafts to the TikTok inbox is disabled.")
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        data.pop("is_default", None)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Account:
        return cls(
            open_id=str(data["open_id"]),
            display_name=str(data.get("display_name") or ""),
            username=str(data.get("username") or ""),
            avatar_url=str(data.get("avatar_url") or ""),
            scopes=split_scopes(data.get("scopes")),
            access_expires_at=float(data.get("access_expires_at") or 0),
            refresh_expires_at=float(data.get("refresh_expires_at") or 0),
            signed_in_at=float(data.get("signed_in_at") or 0),
        )


class AccountRegistry:
    """accounts.json in the data dir: {"default": open_id, "accounts": {open_id: {...}}}, written atomically."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / ACCOUNTS_FILE

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"default": "", "accounts": {}}
        if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
            return {"default": "", "accounts": {}}
        return data

    def _write(self, data: dict[str, Any]) -> None:
        atomic_write_text(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def accounts(self) -> list[Account]:
        """All accounts, default first, then by sign-in time."""
        data = self._read()
        default = str(data.get("default") or "")
        out = []
        for raw in data["accounts"].values():
            try:
                acc = Account.from_dict(raw)
            except (KeyError, TypeError, ValueError):
                continue
            out.append(replace(acc, is_default=acc.open_id == default))
        return sorted(out, key=lambda a: (not a.is_default, a.signed_in_at))

    def get(self, open_id: str) -> Account | None:
        return next((a for a in self.accounts() if a.open_id == open_id), None)

    def default(self) -> Account | None:
        """The default account; the only account when none is marked."""
        accounts = self.accounts()
        marked = [a for a in accounts if a.is_default]
        if marked:
            return marked[0]
        return accounts[0] if len(accounts) == 1 else None

    def upsert(self, account: Account, make_default: bool = False) -> Account:
        """Add or update an account (keeps fields the update leaves empty)."""
        with _file_lock:
            data = self._read()
            old = data["accounts"].get(account.open_id) or {}
            merged = {**old, **{k: v for k, v in account.to_dict().items() if v not in ("", 0, 0.0, [])}}
            merged["scopes"] = list(account.scopes) or old.get("scopes", [])
            data["accounts"][account.open_id] = merged
            if make_default or not data.get("default") or data["default"] not in data["accounts"]:
                data["default"] = account.open_id
            self._write(data)
        result = self.get(account.open_id)
        assert result is not None
        return result

    def update_expiry(self, open_id: str, access_expires_at: float, refresh_expires_at: float) -> None:
        with _file_lock:
            data = self._read()
            entry = data["accounts"].get(open_id)
            if entry is None:
                return
            entry["access_expires_at"] = access_expires_at
            entry["refresh_expires_at"] = refresh_expires_at
            self._write(data)

    def set_default(self, open_id: str) -> None:
        with _file_lock:
            data = self._read()
            if open_id not in data["accounts"]:
                raise KeyError(open_id)
            data["default"] = open_id
            self._write(data)

    def remove(self, open_id: str) -> None:
        with _file_lock:
            data = self._read()
            data["accounts"].pop(open_id, None)
            if data.get("default") == open_id:
                remaining = sorted(data["accounts"].values(), key=lambda a: float(a.get("signed_in_at") or 0))
                data["default"] = str(remaining[0]["open_id"]) if remaining else ""
            self._write(data)
