"""Helpers shared by the sandbox tests (this module holds no tests): a started sandbox, API calls, test files."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from core.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, Sandbox, SandboxConfig

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
REDIRECT = "http://127.0.0.1:4567/callback/"
MIB = 1024 * 1024


def quiet_config(**changes: Any) -> SandboxConfig:
    """A config with no processing/moderation delay (tests never wait on a clock)."""
    cfg = SandboxConfig(processing_delay_s=0.0, moderation_delay_s=0.0)
    for key, value in changes.items():
        setattr(cfg, key, value)
    return cfg


@contextmanager
def running(state_dir: Path, **changes: Any) -> Iterator[Sandbox]:
    with Sandbox(state_dir, quiet_config(**changes)) as sb:
        yield sb


class Api:
    """Plain HTTP calls to a sandbox with one session and (optionally) a bearer token."""

    def __init__(self, sb: Sandbox, token: str | None = None) -> None:
        self.sb = sb
        self.token = token
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.session.post(self.sb.base_url + path, json=body, headers=self.headers(), timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.sb.base_url + path, headers=self.headers(), timeout=10, **kwargs)

    def form(self, path: str, data: dict[str, str]) -> requests.Response:
        return self.session.post(self.sb.base_url + path, data=data, timeout=10)

    def init(
        self,
        video_size: int,
        chunk_size: int | None = None,
        count: int = 1,
        privacy: str = "SELF_ONLY",
        inbox: bool = False,
        **post_info: Any,
    ) -> requests.Response:
        source = {
            "source": "FILE_UPLOAD",
            "video_size": video_size,
            "chunk_size": video_size if chunk_size is None else chunk_size,
            "total_chunk_count": count,
        }
        if inbox:
            return self.post("/v2/post/publish/inbox/video/init/", {"source_info": source})
        info = {"privacy_level": privacy, **post_info}
        return self.post("/v2/post/publish/video/init/", {"post_info": info, "source_info": source})

    def status(self, publish_id: str) -> requests.Response:
        return self.post("/v2/post/publish/status/fetch/", {"publish_id": publish_id})

    def put(self, url: str, data: bytes, first: int, total: int, ctype: str = "video/mp4") -> requests.Response:
        headers = {"Content-Type": ctype, "Content-Range": f"bytes {first}-{first + len(data) - 1}/{total}"}
        return self.session.put(url, data=data, headers=headers, timeout=10)


@contextmanager
def api(
    sb: Sandbox,
    scopes: tuple[str, ...] = ("user.info.basic", "video.publish", "video.upload"),
    open_id: str | None = None,
) -> Iterator[Api]:
    client = Api(sb, sb.issue_token(scopes, open_id)["access_token"])
    try:
        yield client
    finally:
        client.close()


def pattern(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes where every MiB differs (so misplaced chunks change the hash); fast for big sizes."""
    block = hashlib.sha256(str(seed).encode()).digest() * (MIB // 32)
    out = bytearray()
    i = 0
    while len(out) < size:
        out += i.to_bytes(8, "big") + block[8:]
        i += 1
    return bytes(out[:size])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def authorize_url(sb: Sandbox, **changes: str) -> str:
    params = {
        "client_key": SANDBOX_CLIENT_KEY,
        "scope": "user.info.basic,video.publish,video.upload",
        "redirect_uri": REDIRECT,
        "state": "state-123",
        "response_type": "code",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    params.update(changes)
    return sb.auth_url + "?" + urlencode({k: v for k, v in params.items() if v is not None})


def callback_params(location: str) -> dict[str, str]:
    assert location.startswith(REDIRECT.split("?")[0]) or "://" in location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(sb: Sandbox, code: str, **changes: str) -> requests.Response:
    data = {
        "client_key": SANDBOX_CLIENT_KEY,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    data.update(changes)
    return requests.post(
        sb.base_url + "/v2/oauth/token/", data={k: v for k, v in data.items() if v is not None}, timeout=10
    )


def refresh(sb: Sandbox, refresh_token: str) -> requests.Response:
    data = {
        "client_key": SANDBOX_CLIENT_KEY,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    return requests.post(sb.base_url + "/v2/oauth/token/", data=data, timeout=10)
