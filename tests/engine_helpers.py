"""Helpers for the engine tests and the benchmark: big valid videos, clients wired to a sandbox, a refreshing token."""

from __future__ import annotations

import hashlib
import shutil
import struct
from pathlib import Path
from typing import Any

import requests

from core.api import TikTokClient
from core.config import Config
from core.errors import AuthError

MEDIA = Path(__file__).parent / "media"
SMALL_MP4 = MEDIA / "h264_720x1280_30fps.mp4"


def make_video(path: Path, size: int, base: Path = SMALL_MP4) -> Path:
    """A valid MP4 of exactly `size` bytes: a tiny real video, then an ISO-BMFF `free` box (sparse zeros)
    whose last 16 bytes are a marker, so a misplaced chunk would change the hash."""
    shutil.copyfile(base, path)
    head = base.stat().st_size
    box = size - head
    assert box >= 32, "size too small for a padded video"
    with open(path, "r+b") as fh:
        fh.seek(head)
        if box < 2**32:
            fh.write(struct.pack(">I4s", box, b"free"))
        else:
            fh.write(struct.pack(">I4sQ", 1, b"free", box))
        fh.truncate(size)
        fh.seek(size - 16)
        fh.write(b"clipship-the-end")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(4 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def fast_client(sb: Any, tokens: Any, data_dir: Path) -> TikTokClient:
    """A client for the sandbox whose retry waits are short, so fault tests stay fast."""
    cfg = Config(api_base=sb.base_url, data_dir=data_dir)
    return TikTokClient(cfg, tokens, rate_limit_waits=(0.05, 0.05, 0.05), server_error_waits=(0.02, 0.02, 0.02))


class SandboxRefreshTokens:
    """A TokenSource over the sandbox's real /v2/oauth/token/ refresh grant (rotating refresh tokens)."""

    def __init__(self, sb: Any, grant: dict[str, Any]) -> None:
        from core.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

        self._url = sb.base_url + "/v2/oauth/token/"
        self._form = {"client_key": SANDBOX_CLIENT_KEY, "client_secret": SANDBOX_CLIENT_SECRET}
        self._access = str(grant["access_token"])
        self._refresh = str(grant["refresh_token"])
        self.refreshes = 0
        self.ensured: list[float] = []

    def __repr__(self) -> str:
        return f"SandboxRefreshTokens(refreshes={self.refreshes})"

    def access_token(self) -> str:
        return self._access

    def refresh(self, rejected: str) -> str:
        form = dict(self._form, grant_type="refresh_token", refresh_token=self._refresh)
        with requests.post(self._url, data=form, timeout=10) as resp:
            body = resp.json()
        if "access_token" not in body:
            raise AuthError("refresh failed", str(body.get("error")))
        self._access, self._refresh = str(body["access_token"]), str(body["refresh_token"])
        self.refreshes += 1
        return self._access

    def ensure_fresh(self, min_valid_s: float) -> None:
        self.ensured.append(min_valid_s)


def settled_log(sb: Any, count: int, path_part: str = "", timeout: float = 5.0) -> list[Any]:
    """The sandbox's request log once it holds `count` entries matching `path_part` (entries are appended just
    after each response is sent, so a client can see its answer a moment before the log does)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        entries = [r for r in sb.request_log if path_part in r.path]
        if len(entries) >= count or time.monotonic() > deadline:
            return entries
        time.sleep(0.01)


def cli_env(sb: Any, data_dir: Path) -> dict[str, str]:
    """The environment of a `python main.py ...` subprocess talking to the sandbox `sb` with a token of its own."""
    import os

    root = Path(__file__).resolve().parents[1]
    out = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_")}
    out.update(
        CLIPSHIP_API_BASE=sb.base_url,
        CLIPSHIP_ACCESS_TOKEN=sb.issue_token()["access_token"],
        CLIPSHIP_DATA_DIR=str(data_dir),
        PYTHONPATH=str(root),
    )
    return out
