"""Browser pages for demos: the sandbox's front page, a creator's "TikTok profile" with their posts, video playback.

Not part of TikTok's API. They let a user of --sandbox (or a developer recording the review demo) see the
post "on TikTok" at the end of the flow. They show no tokens; they only read the sandbox's records.
"""

from __future__ import annotations

import re
import secrets
import time
from html import escape
from urllib.parse import quote

from core.sandbox.config import SANDBOX_CLIENT_KEY
from core.sandbox.http import Exchange, V2Error

PRIVACY_TEXT = {
    "PUBLIC_TO_EVERYONE": "Everyone",
    "MUTUAL_FOLLOW_FRIENDS": "Friends",
    "FOLLOWER_OF_CREATOR": "Followers",
    "SELF_ONLY": "Only me",
}
RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")
STYLE = (
    "body{font-family:sans-serif;max-width:52em;margin:2em auto;padding:0 1em} td,th{padding:.3em .6em;"
    "text-align:left;border-bottom:1px solid #ddd} video{max-width:16em;max-height:24em;background:#000}"
    ".post{display:inline-block;vertical-align:top;margin:0 1em 1em 0;width:16em} small{color:#666}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def _allowed(ex: Exchange) -> bool:
    """The pages show a user's uploads: only to whoever has the link the sandbox printed (its view key)."""
    if secrets.compare_digest((ex.query_one("key") or "").encode(), ex.sandbox.view_key.encode()):
        return True
    ex.send_html(403, _page("Forbidden", "<h1>Open the link the Clipship sandbox printed</h1>"))
    return False


def front(ex: Exchange) -> None:
    sb, world = ex.sandbox, ex.world
    if not _allowed(ex):
        return
    key = quote(sb.view_key)
    rows = "".join(
        f'<li><a href="/profile/?open_id={quote(a.open_id)}&key={key}">'
        f"{escape(world.profile(a.open_id).nickname)}</a> "
        f"<small>@{escape(world.profile(a.open_id).username)}</small></li>"
        for a in world.accounts()
    )
    body = (
        "<h1>Clipship sandbox</h1><p>A local stand-in for TikTok's API. Nothing here reaches TikTok.</p>"
        f"<p>API base <code>{escape(sb.base_url)}</code><br>Authorize URL <code>{escape(sb.auth_url)}</code><br>"
        f"Client key <code>{SANDBOX_CLIENT_KEY}</code></p><h2>Accounts</h2><ul>{rows}</ul>"
    )
    ex.send_html(200, _page("Clipship sandbox", body))


def profile(ex: Exchange) -> None:
    from core.sandbox.content import avatar_url

    world = ex.world
    if not _allowed(ex):
        return
    key = quote(ex.sandbox.view_key)
    open_id = ex.query_one("open_id") or ""
    if not world.has_account(open_id):
        ex.send_html(404, _page("Not found", "<h1>No such sandbox account</h1>"))
        return
    prof = world.profile(open_id)
    now = time.time()
    cards = []
    for p in world.publishes_of(open_id):
        status = p.status(now)
        where = "Inbox draft" if p.kind == "inbox" else PRIVACY_TEXT.get(p.privacy_level or "", "")
        title = escape(str(p.post_info.get("title") or "(no caption)")) if p.kind == "direct" else "(draft)"
        video = ""
        if p.completed_at is not None and world.upload_path(p).is_file():
            src = f"/video/?publish_id={quote(p.publish_id)}&key={key}"
            video = f'<video controls preload="metadata" src="{src}"></video><br>'
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(p.created_at))
        reason = f" ({escape(p.fail_reason)})" if status == "FAILED" and p.fail_reason else ""
        cards.append(
            f'<div class="post">{video}<b>{title}</b><br><small>{escape(where)} · {when}<br>'
            f"{escape(status)}{reason}</small></div>"
        )
    avatar = escape(avatar_url(ex, open_id, prof))
    body = (
        f'<p><a href="/?key={key}">Sandbox</a></p><h1><img src="{avatar}" width="48" height="48" alt=""> '
        f"{escape(prof.nickname)} <small>@{escape(prof.username)}</small></h1>"
        f"<p>{escape(prof.bio_description)}</p><h2>Posts</h2>{''.join(cards) or '<p>No posts yet.</p>'}"
    )
    ex.send_html(200, _page(f"{prof.nickname} (@{prof.username})", body))


def video(ex: Exchange) -> None:
    """The received bytes of a finished upload, with single-range support so players can seek."""
    if not _allowed(ex):
        return
    publish_id = ex.query_one("publish_id") or ""
    pub = ex.world.publish(publish_id)
    path = ex.world.upload_path(pub) if pub is not None else None
    if pub is None or path is None or pub.completed_at is None or not path.is_file():
        raise V2Error(404, "invalid_publish_id")
    size = pub.video_size
    first, last, status = 0, size - 1, 200
    match = RANGE_RE.fullmatch(ex.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            first = int(match.group(1))
            last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:
            first = max(0, size - int(match.group(2)))
        if first > last or first >= size:
            ex.send_bytes(416, b"", None, {"Content-Range": f"bytes */{size}"})
            return
        status = 206
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(last - first + 1)}
    if status == 206:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    ex.send_stream(status, pub.content_type, headers, path, first, last - first + 1)
