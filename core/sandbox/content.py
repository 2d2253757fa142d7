"""The v2 API endpoints: user/info, creator_info/query, video and inbox init, status/fetch (and the avatar image)."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import struct
import time
import zlib
from typing import Any, cast
from urllib.parse import urlsplit

from core.sandbox import chunkrules, pull
from core.sandbox.config import PRIVACY_LEVELS, CreatorProfile
from core.sandbox.http import Exchange, V2Error
from core.sandbox.state import AccessRecord, Publish, digest
from core.urlcheck import under_prefix

MAX_TITLE_UTF16 = 2200
BOOL_FIELDS = (
    "disable_duet",
    "disable_stitch",
    "disable_comment",
    "brand_content_toggle",
    "brand_organic_toggle",
    "is_aigc",
)
USER_FIELDS: dict[str, str] = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic",
    "display_name": "user.info.basic",
    "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile",
    "is_verified": "user.info.profile",
    "username": "user.info.profile",
    "follower_count": "user.info.stats",
    "following_count": "user.info.stats",
    "likes_count": "user.info.stats",
    "video_count": "user.info.stats",
}


def authorize(ex: Exchange, endpoint: str, bucket: str, scopes_any: tuple[str, ...]) -> AccessRecord:
    """Bearer token check, token-expiry fault, scope check, forced 429s and the per-token rate limit."""
    world = ex.world
    header = ex.headers.get("Authorization", "")
    token = header[7:].strip() if header.startswith("Bearer ") else ""
    record = world.lookup_token(token) if token else None
    if record is None or not world.count_call():
        raise V2Error(401, "access_token_invalid")
    if not any(s in record.scopes for s in scopes_any):
        raise V2Error(401, "scope_not_authorized")
    if world.take_fault(world.config.force_429, endpoint) or not world.rate_ok(digest(token), bucket):
        raise V2Error(429, "rate_limit_exceeded")
    return record


def _json_body(ex: Exchange, required: bool) -> dict[str, Any]:
    raw = ex.read_small_body()
    if not raw.strip() and not required:
        return {}
    ctype = ex.headers.get("Content-Type", "").lower()
    if not ctype.startswith("application/json"):
        raise V2Error(400, "invalid_params", "Content-Type must be application/json.")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise V2Error(400, "invalid_params", "The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise V2Error(400, "invalid_params", "The request body must be a JSON object.")
    return body


# -- user/info and creator_info --------------------------------------------------------------------------


def user_info(ex: Exchange) -> None:
    world = ex.world
    record = authorize(ex, "user_info", "user_info", ("user.info.basic",))
    raw = ex.query.get("fields", [""])[-1]
    wanted = [f.strip() for f in raw.split(",") if f.strip()]
    if not wanted:
        raise V2Error(400, "invalid_params", "The fields parameter is required.")
    unknown = [f for f in wanted if f not in USER_FIELDS]
    if unknown:
        raise V2Error(400, "invalid_params", f"Unknown fields: {','.join(unknown)}.")
    missing = sorted({USER_FIELDS[f] for f in wanted} - set(record.scopes))
    if missing:
        raise V2Error(400, "scope_permission_missed", f"The fields requested need the scopes: {','.join(missing)}.")
    prof = world.profile(record.open_id)
    acc = world.account(record.open_id)
    avatar = avatar_url(ex, record.open_id, prof)
    values: dict[str, Any] = {
        "open_id": record.open_id,
        "union_id": acc.union_id,
        "avatar_url": avatar,
        "avatar_url_100": avatar,
        "avatar_large_url": avatar,
        "display_name": prof.nickname,
        "bio_description": prof.bio_description,
        "profile_deep_link": f"https://vm.tiktok.com/sandbox-{prof.username}/",
        "is_verified": prof.is_verified,
        "username": prof.username,
        "follower_count": prof.follower_count,
        "following_count": prof.following_count,
        "likes_count": prof.likes_count,
        "video_count": prof.video_count,
    }
    ex.send_v2(200, {"user": {f: values[f] for f in wanted}})


def creator_info(ex: Exchange) -> None:
    world = ex.world
    cfg = world.config
    record = authorize(ex, "creator_info", "creator_info", ("video.publish",))
    _json_body(ex, required=False)
    forced = cfg.creator_info_error
    if forced:
        ex.send_v2(200, {}, forced)
        return
    if world.recent_posts(record.open_id, "direct") >= cfg.daily_post_cap:
        ex.send_v2(200, {}, "spam_risk_too_many_posts")
        return
    if not cfg.audited and world.active_users(record.open_id) >= cfg.active_user_cap:
        ex.send_v2(200, {}, "reached_active_user_cap")
        return
    prof = world.profile(record.open_id)
    ex.send_v2(
        200,
        {
            "creator_avatar_url": avatar_url(ex, record.open_id, prof),
            "creator_username": prof.username,
            "creator_nickname": prof.nickname,
            "privacy_level_options": prof.options(),
            "comment_disabled": prof.comment_disabled,
            "duet_disabled": prof.duet_disabled or prof.account_private,
            "stitch_disabled": prof.stitch_disabled or prof.account_private,
            "max_video_post_duration_sec": prof.max_video_post_duration_sec,
        },
    )


def avatar_url(ex: Exchange, open_id: str, prof: CreatorProfile) -> str:
    if prof.avatar_url is not None:
        return prof.avatar_url
    expires = int(time.time() + 7200)
    return f"{ex.sandbox.base_url}/avatar/?open_id={open_id}&x-expires={expires}"


def avatar(ex: Exchange) -> None:
    """A 100x100 PNG in a colour derived from the account, standing in for TikTok's CDN avatar."""
    seed = digest(ex.query_one("open_id") or "")
    r, g, b = (int(seed[i : i + 2], 16) // 2 + 64 for i in (0, 2, 4))
    ex.send_bytes(200, _png(100, 100, (r, g, b)), "image/png", {"Cache-Control": "max-age=7200"})


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


# -- init -------------------------------------------------------------------------------------------------


def video_init(ex: Exchange) -> None:
    _init(ex, "direct")


def inbox_init(ex: Exchange) -> None:
    _init(ex, "inbox")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_post_info(post_info: Any, options: list[str]) -> str:
    """Validate post_info of a direct post; returns the requested privacy level."""
    if not isinstance(post_info, dict):
        raise V2Error(400, "invalid_param", "post_info is required and must be an object.")
    title = post_info.get("title")
    if title is not None:
        if not isinstance(title, str):
            raise V2Error(400, "invalid_param", "title must be a string.")
        if len(title.encode("utf-16-le")) // 2 > MAX_TITLE_UTF16:
            raise V2Error(400, "invalid_param", "title is longer than 2200 UTF-16 code units.")
    for name in BOOL_FIELDS:
        if name in post_info and not isinstance(post_info[name], bool):
            raise V2Error(400, "invalid_param", f"{name} must be a boolean.")
    cover = post_info.get("video_cover_timestamp_ms")
    if cover is not None and (not _is_int(cover) or not -(2**31) <= cover < 2**31):
        raise V2Error(400, "invalid_param", "video_cover_timestamp_ms must be an int32.")
    privacy = post_info.get("privacy_level")
    if privacy is not None and not isinstance(privacy, str):
        raise V2Error(400, "invalid_param", "privacy_level must be a string.")
    if privacy is None or privacy not in PRIVACY_LEVELS or privacy not in options:
        raise V2Error(403, "privacy_level_option_mismatch")
    if post_info.get("brand_content_toggle") is True and privacy == "SELF_ONLY":
        raise V2Error(400, "invalid_param", "Branded content cannot be posted with privacy_level SELF_ONLY.")
    return privacy


def _check_source(source_info: Any) -> tuple[int, int, int]:
    if not isinstance(source_info, dict):
        raise V2Error(400, "invalid_params", "source_info is required and must be an object.")
    source = source_info.get("source")
    if source != "FILE_UPLOAD":
        raise V2Error(400, "invalid_params", "source must be FILE_UPLOAD or PULL_FROM_URL.")
    values = [source_info.get(k) for k in ("video_size", "chunk_size", "total_chunk_count")]
    if not all(_is_int(v) for v in values):
        raise V2Error(400, "invalid_params", "video_size, chunk_size and total_chunk_count must be integers.")
    video_size, chunk_size, count = (cast(int, v) for v in values)
    problem = chunkrules.plan_problem(video_size, chunk_size, count)
    if problem:
        raise V2Error(400, "invalid_params", problem)
    return video_size, chunk_size, count


def _init(ex: Exchange, kind: str) -> None:
    world = ex.world
    scope = "video.publish" if kind == "direct" else "video.upload"
    record = authorize(ex, "video_init" if kind == "direct" else "inbox_init", "init", (scope,))
    body = _json_body(ex, required=True)
    if world.take_counter("init_5xx"):
        raise V2Error(500, "internal_error")
    prof = world.profile(record.open_id)
    privacy = _check_post_info(body.get("post_info"), prof.options()) if kind == "direct" else None
    source_info = body.get("source_info")
    if isinstance(source_info, dict) and source_info.get("source") == "PULL_FROM_URL":
        video_url = source_info.get("video_url")
        if not isinstance(video_url, str) or not video_url:
            raise V2Error(400, "invalid_params", "video_url is required for PULL_FROM_URL.")
        _check_urls(ex, [video_url])
        privacy = _check_caps(ex, record.open_id, kind, privacy)
        _start_pull(ex, record.open_id, kind, "VIDEO", [video_url], privacy, body)
        return
    video_size, chunk_size, count = _check_source(source_info)
    privacy = _check_caps(ex, record.open_id, kind, privacy)
    digits = str(secrets.randbelow(9 * 10**17) + 10**17)
    publish_id = f"v_pub_file~v2-1.{digits}" if kind == "direct" else f"v_inbox_file~v2.{digits}"
    upload_id = str(secrets.randbelow(9 * 10**18) + 10**18)
    upload_token = secrets.token_hex(24)
    pub = Publish(
        publish_id=publish_id,
        open_id=record.open_id,
        kind=kind,
        video_size=video_size,
        chunk_size=chunk_size,
        total_chunk_count=count,
        upload_id=upload_id,
        upload_token_hash=digest(upload_token),
        upload_created_at=time.time(),
        file_name=f"{upload_id}.bin",
        privacy_level=privacy,
        post_info=dict(body.get("post_info") or {}) if kind == "direct" else {},
    )
    world.add_publish(pub)
    upload_url = f"{ex.sandbox.upload_base_url}/upload/?upload_id={upload_id}&upload_token={upload_token}"
    assert len(upload_url) <= 256 and len(publish_id) <= 64
    if world.take_counter("drop_init_response"):
        ex.drop_connection()
    ex.send_v2(200, {"publish_id": publish_id, "upload_url": upload_url})


def _check_caps(ex: Exchange, open_id: str, kind: str, privacy: str | None) -> str | None:
    """Bans, daily caps and the unaudited rules, for any init; the effective privacy of a direct post."""
    world = ex.world
    cfg = world.config
    prof = world.profile(open_id)
    forced = cfg.creator_info_error  # what creator_info says about posting now holds for init too
    if forced == "spam_risk_user_banned_from_posting" or (forced and kind == "direct"):
        raise V2Error(403, forced)
    if kind == "direct":
        if not cfg.audited and not prof.account_private:
            raise V2Error(403, "unaudited_client_can_only_post_to_private_accounts")
        if world.recent_posts(open_id, "direct") >= cfg.daily_post_cap:
            raise V2Error(403, "spam_risk_too_many_posts")
        if not cfg.audited and world.active_users(open_id) >= cfg.active_user_cap:
            raise V2Error(403, "reached_active_user_cap")
        if not cfg.audited:
            privacy = "SELF_ONLY"  # unaudited clients' posts are private whatever was asked
    elif world.recent_posts(open_id, "inbox") >= cfg.pending_share_cap:
        raise V2Error(403, "spam_risk_too_many_pending_share")
    return privacy


def verified_prefixes(ex: Exchange) -> tuple[str, ...]:
    """The URL prefixes the demo app verified (by default the sandbox's own media host)."""
    configured = ex.world.config.verified_url_prefixes
    if configured is not None:
        return tuple(configured)
    base = ex.sandbox.media_base_url
    return (base + "/",) if base else ()


def _check_urls(ex: Exchange, urls: list[str]) -> None:
    """https, a host name (not an IP), then a verified prefix (403 url_ownership_unverified)."""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise V2Error(400, "invalid_params", "Media URLs must be https URLs.")
        try:
            ipaddress.ip_address(parts.hostname)
        except ValueError:
            pass
        else:
            raise V2Error(400, "invalid_params", "Media URLs must name a host, not an IP address.")
    prefixes = verified_prefixes(ex)
    if not all(under_prefix(url, prefixes) for url in urls):
        raise V2Error(403, "url_ownership_unverified")


def _start_pull(
    ex: Exchange,
    open_id: str,
    kind: str,
    media_type: str,
    urls: list[str],
    privacy: str | None,
    body: dict[str, Any],
) -> None:
    """Create a PULL_FROM_URL publish, answer its publish_id, and download the URLs as TikTok would."""
    world = ex.world
    digits = str(secrets.randbelow(9 * 10**17) + 10**17)
    prefix = "p" if media_type == "PHOTO" else "v"
    publish_id = f"{prefix}_pub_url~v2.{digits}" if kind == "direct" else f"{prefix}_inbox_url~v2.{digits}"
    upload_id = "url-" + secrets.token_hex(12)
    pub = Publish(
        publish_id=publish_id,
        open_id=open_id,
        kind=kind,
        video_size=0,
        chunk_size=0,
        total_chunk_count=0,
        upload_id=upload_id,
        upload_token_hash="",
        upload_created_at=time.time(),
        file_name=f"{upload_id}.bin",
        privacy_level=privacy,
        post_info=dict(body.get("post_info") or {}) if kind == "direct" else {},
        source="PULL_FROM_URL",
        media_type=media_type,
        urls=list(urls),
        puller_pid=os.getpid(),
    )
    world.add_publish(pub)
    if world.take_counter("drop_init_response"):
        pull.start(world, pub, ex.sandbox.media_base_url, ex.sandbox.media_ca)
        ex.drop_connection()
    ex.send_v2(200, {"publish_id": publish_id})
    pull.start(world, pub, ex.sandbox.media_base_url, ex.sandbox.media_ca)


# -- photos (content/init) ----------------------------------------------------------------------------------

PHOTO_BOOLS = ("disable_comment", "auto_add_music", "brand_content_toggle", "brand_organic_toggle")
DIRECT_ONLY = ("privacy_level", *PHOTO_BOOLS)


def content_init(ex: Exchange) -> None:
    """POST /v2/post/publish/content/init/: photo posts, PULL_FROM_URL only (tiktok-api.md 3.3)."""
    world = ex.world
    record = authorize(ex, "content_init", "init", ("video.publish", "video.upload"))
    body = _json_body(ex, required=True)
    mode = body.get("post_mode")
    if body.get("media_type") != "PHOTO":
        raise V2Error(400, "invalid_param", "media_type must be PHOTO.")
    if mode not in ("DIRECT_POST", "MEDIA_UPLOAD"):
        raise V2Error(400, "invalid_param", "post_mode must be DIRECT_POST or MEDIA_UPLOAD.")
    kind = "direct" if mode == "DIRECT_POST" else "inbox"
    if ("video.publish" if kind == "direct" else "video.upload") not in record.scopes:
        raise V2Error(401, "scope_not_authorized")
    if world.take_counter("init_5xx"):
        raise V2Error(500, "internal_error")
    info = body.get("post_info")
    if not isinstance(info, dict):
        raise V2Error(400, "invalid_param", "post_info is required and must be an object.")
    for name, limit in (("title", 90), ("description", 4000)):
        value = info.get(name)
        if value is not None and (not isinstance(value, str) or len(value.encode("utf-16-le")) // 2 > limit):
            raise V2Error(400, "invalid_param", f"{name} must be a string of at most {limit} UTF-16 code units.")
    for name in PHOTO_BOOLS:
        if name in info and not isinstance(info[name], bool):
            raise V2Error(400, "invalid_param", f"{name} must be a boolean.")
    privacy: str | None = None
    if kind == "direct":
        privacy = _check_post_info(
            {k: v for k, v in info.items() if k not in ("description", "auto_add_music")},
            world.profile(record.open_id).options(),
        )
    else:
        extra = [name for name in DIRECT_ONLY if name in info]
        if extra:
            raise V2Error(400, "invalid_param", f"{', '.join(extra)}: DIRECT_POST only.")
    source = body.get("source_info")
    if not isinstance(source, dict) or source.get("source") != "PULL_FROM_URL":
        raise V2Error(400, "invalid_params", "Photos take source_info with source PULL_FROM_URL.")
    images = source.get("photo_images")
    if not isinstance(images, list) or not 1 <= len(images) <= 35:
        raise V2Error(400, "invalid_params", "photo_images must list 1 to 35 URLs.")
    if not all(isinstance(u, str) and u for u in images):
        raise V2Error(400, "invalid_params", "photo_images must hold URL strings.")
    cover = source.get("photo_cover_index")
    if not isinstance(cover, int) or isinstance(cover, bool) or not 0 <= cover < len(images):
        raise V2Error(400, "invalid_params", "photo_cover_index must be the index of one of photo_images.")
    _check_urls(ex, images)
    privacy = _check_caps(ex, record.open_id, kind, privacy)
    _start_pull(ex, record.open_id, kind, "PHOTO", images, privacy, body)


# -- status -----------------------------------------------------------------------------------------------


def _own_publish(ex: Exchange, record: AccessRecord) -> Publish:
    """The publish named by the JSON body's publish_id, if it belongs to the token's account."""
    publish_id = _json_body(ex, required=True).get("publish_id")
    if not isinstance(publish_id, str) or not publish_id:
        raise V2Error(400, "invalid_params", "publish_id is required.")
    pub = ex.world.publish(publish_id)
    if pub is None:
        raise V2Error(400, "invalid_publish_id")
    if pub.open_id != record.open_id:
        raise V2Error(400, "token_not_authorized_for_specified_publish_id")
    return pub


def cancel(ex: Exchange) -> None:
    """POST /v2/post/publish/cancel/: a PULL_FROM_URL publish still downloading ends FAILED publish_cancelled."""
    record = authorize(ex, "cancel", "cancel", ("video.publish", "video.upload"))
    pub = _own_publish(ex, record)
    if not ex.world.cancel_download(pub):
        raise V2Error(
            400, "publish_not_cancellable", "Only PULL_FROM_URL publishes still downloading can be cancelled."
        )
    ex.send_v2(200, {})


def status_fetch(ex: Exchange) -> None:
    record = authorize(ex, "status", "status", ("video.publish", "video.upload"))
    now = time.time()
    pub = _own_publish(ex, record)
    ex.send_v2(200, ex.world.status_report(pub, now))
