"""The sandbox downloads PULL_FROM_URL media itself, as TikTok does: no redirects, bounded sizes, formats checked
by content, and the documented fail_reasons (photo_pull_failed / video_pull_failed, file_format_check_failed,
picture_size_check_failed). A cancel (publish/cancel/) stops the download between pieces."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator

import requests

from core.imagefmt import PHOTO_MAX_BYTES, VIDEO_FORMATS, photo_fail_reason, sniff
from core.sandbox import mediacheck
from core.sandbox.state import Publish
from core.sandbox.world import World

log = logging.getLogger(__name__)

HEAD_BYTES = 1024 * 1024
VIDEO_MAX_BYTES = 4_000_000_000
TIMEOUT = (5.0, 30.0)


def start(world: World, pub: Publish, own_base: str, own_ca: str | None) -> threading.Thread:
    """Download the publish's URLs on a daemon thread; the outcome goes to world.finish_download."""
    pub.puller_pid = os.getpid()
    thread = threading.Thread(target=_run, args=(world, pub, own_base, own_ca), name="sandbox-pull", daemon=True)
    thread.start()
    world.add_pull(thread)  # Sandbox.stop() joins them
    return thread


def _run(world: World, pub: Publish, own_base: str, own_ca: str | None) -> None:
    reason: str | None = None
    done = 0
    try:
        with requests.Session() as session:
            session.trust_env = False
            for url in pub.urls:
                verify: bool | str = own_ca if own_ca and own_base and url.startswith(own_base) else True
                got, reason = _download(world, pub, session, url, done, verify)
                done += got
                if reason or pub.completed_at is not None or world.stopping.is_set():
                    break
    except Exception:  # the sandbox keeps running whatever happens here
        log.warning("sandbox: download of %s failed", pub.publish_id, exc_info=log.isEnabledFor(10))
        reason = "photo_pull_failed" if pub.media_type == "PHOTO" else "video_pull_failed"
    if not world.stopping.is_set():  # a sandbox that stops leaves the download to fail_orphaned_downloads
        world.finish_download(pub, reason)


def _pieces(resp: requests.Response) -> Iterator[bytes]:
    """The body as it arrives (read1: whatever is there, up to 64 KiB), so progress and cancel are prompt."""
    read1 = getattr(resp.raw, "read1", None)
    if read1 is None:  # urllib3 < 2
        yield from resp.iter_content(64 * 1024)
        return
    while True:
        data = read1(64 * 1024)
        if not data:
            return
        yield bytes(data)


def _download(
    world: World, pub: Publish, session: requests.Session, url: str, before: int, verify: bool | str
) -> tuple[int, str | None]:
    """(bytes read, fail_reason or None) for one URL."""
    photo = pub.media_type == "PHOTO"
    pull_failed = "photo_pull_failed" if photo else "video_pull_failed"
    limit = PHOTO_MAX_BYTES if photo else VIDEO_MAX_BYTES
    try:
        resp = session.get(
            url,
            stream=True,
            allow_redirects=False,
            timeout=TIMEOUT,
            verify=verify,
            headers={"Accept-Encoding": "identity"},
        )
    except requests.RequestException:
        return 0, pull_failed
    head = bytearray()
    count = 0
    with resp:
        if resp.status_code != 200:  # a redirect is a failed pull too (tiktok-api.md 1.5)
            return 0, pull_failed
        out = world.upload_path(pub).open("wb") if not photo else None
        try:
            for piece in _pieces(resp):
                if pub.completed_at is not None or world.stopping.is_set():  # cancelled, or the sandbox stops
                    return count, None
                count += len(piece)
                if len(head) < HEAD_BYTES:
                    head += piece[: HEAD_BYTES - len(head)]
                if out is not None:
                    out.write(piece)
                world.download_progress(pub, before + count)
                if count > limit:
                    break
        except Exception:  # requests' or urllib3's own errors: a broken download
            return count, pull_failed
        finally:
            if out is not None:
                out.close()
    found = sniff(bytes(head))
    if photo:
        return count, photo_fail_reason(found, count)
    if found.format not in VIDEO_FORMATS:
        return count, "file_format_check_failed"
    if count > limit:
        return count, "file_format_check_failed"
    if world.config.inspect_media:
        return count, mediacheck.fail_reason(world.upload_path(pub), None)
    return count, None
