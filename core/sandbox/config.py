"""Settings of the sandbox emulator: the demo app's credentials, creator profiles, limits, delays and faults."""

from __future__ import annotations

from dataclasses import dataclass, field

# The demo app registered with the sandbox. TikTok sandbox client keys start with "sbaw". These are not
# secrets of any real app: the sandbox ships in the installer and accepts only them.
SANDBOX_CLIENT_KEY = "sbawclipshipdemo0001"
SANDBOX_CLIENT_SECRET = "ClipshipSandboxDemoSecret0000001"

KNOWN_SCOPES: tuple[str, ...] = (
    "user.info.basic",
    "user.info.profile",
    "user.info.stats",
    "video.list",
    "video.publish",
    "video.upload",
)
DEFAULT_SCOPES: tuple[str, ...] = ("user.info.basic", "video.publish", "video.upload")

PRIVACY_LEVELS: tuple[str, ...] = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
PUBLIC_OPTIONS: tuple[str, ...] = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY")
PRIVATE_OPTIONS: tuple[str, ...] = ("FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY")

# Names used by SandboxConfig.force_429 (and in the rate-limit table).
ENDPOINT_NAMES: tuple[str, ...] = (
    "creator_info",
    "video_init",
    "inbox_init",
    "content_init",
    "status",
    "user_info",
    "cancel",
)

# Per access token, per sliding 60 s window (tiktok-api.md section 6). Both init endpoints share "init".
DEFAULT_RATE_LIMITS: dict[str, int] = {"init": 6, "creator_info": 20, "status": 30, "user_info": 600}


@dataclass
class CreatorProfile:
    """What creator_info/query and user/info say about an account. privacy options follow account_private."""

    nickname: str = "Sandbox Creator"
    username: str = "sandbox.creator"
    avatar_url: str | None = None  # None: an image served by the sandbox itself
    account_private: bool = False
    privacy_level_options: tuple[str, ...] | None = None  # None: derived from account_private
    comment_disabled: bool = False
    duet_disabled: bool = False
    stitch_disabled: bool = False
    max_video_post_duration_sec: int = 600
    bio_description: str = "A pretend TikTok account that lives in the Clipship sandbox."
    is_verified: bool = False
    follower_count: int = 1234
    following_count: int = 56
    likes_count: int = 7890
    video_count: int = 12

    def options(self) -> list[str]:
        """The privacy levels this creator may choose from, in TikTok's order."""
        if self.privacy_level_options is not None:
            return list(self.privacy_level_options)
        return list(PRIVATE_OPTIONS if self.account_private else PUBLIC_OPTIONS)


@dataclass
class SandboxConfig:
    """Behaviour of one sandbox. Mutable at runtime: tests flip faults and limits while the server runs.

    Faults are counters that the server decrements as it applies them:
    - chunk_5xx {chunk index: n}: answer `chunk_5xx_status` n times for that chunk (body read first),
      then accept it.
    - chunk_reset {chunk index: n}: n times, read part of that chunk's body, then reset the connection.
    - chunk_drop_response {chunk index: n}: n times, accept the whole chunk, then reset the connection
      without answering (a lost 206/201: re-sending that chunk gets the same answer again).
    - force_429 {endpoint name: n}: answer 429 rate_limit_exceeded n times (names in ENDPOINT_NAMES).
    - token_expire_after_calls: after this many more authorized v2 calls, every access token that exists
      then stops working (401 access_token_invalid); refresh tokens keep working. Resets itself to None.
    - init_5xx: the next n init calls (either endpoint) answer 500 internal_error and create nothing.
    - drop_init_response: the next n init calls create the publish, then reset the connection unanswered.
    - slow_chunk_delay_s: extra seconds spent receiving each chunk (spread over its 1 MiB pieces).
    - chunk_hang {chunk index: seconds}: once, accept the whole chunk, then wait this long before answering (a
      server that has every byte but stops answering).
    """

    app_name: str = "Clipship Sandbox"
    # The demo app's registered redirect URIs ("*" = any port, as TikTok allows for desktop); None: any
    # URI that passes the desktop rules (tiktok-api.md 8.1).
    redirect_uris: tuple[str, ...] | None = (
        "http://127.0.0.1:*/callback/",
        "http://localhost:*/callback/",
        "https://127.0.0.1:*/callback/",
        "https://localhost:*/callback/",
    )
    auto_approve: bool = False  # GET /v2/auth/authorize/ redirects at once with every requested scope
    login_open_id: str | None = None  # which account the consent page signs in (None: the demo account)
    creator: CreatorProfile = field(default_factory=CreatorProfile)
    profiles: dict[str, CreatorProfile] = field(default_factory=dict)  # per open_id, over `creator`
    audited: bool = True  # False: direct posts to a public account fail, posts become SELF_ONLY
    # Lifetimes in seconds (tiktok-api.md 8.5: older doc 86400/31536000, newer 7200/15552000).
    access_ttl: int = 86400
    refresh_ttl: int = 31536000
    code_ttl: int = 600
    oauth_errors_http_status: int = 200  # developers report OAuth errors arriving with HTTP 200
    upload_url_ttl: float = 3600.0
    keep_finished_uploads: int = 5  # at start, the bytes of older finished uploads are deleted
    processing_delay_s: float = 1.0  # after the last chunk, before the terminal status
    moderation_delay_s: float = 2.0  # after processing, before a public post gets its post id
    final_fail_reason: str | None = None  # e.g. "frame_rate_check_failed", "internal"
    inspect_media: bool = False  # check the received file (format, duration, fps, size) as TikTok does
    # Benchmarks only: check every chunk as usual but drop its bytes (nothing to hash, play or inspect afterwards),
    # so that what is measured is the client, not this machine's disk or memory.
    discard_uploads: bool = False
    enable_sink: bool = False  # benchmarks only: PUT /sink/ takes any bytes (never on in the shipped sandbox)
    # e.g. "spam_risk_too_many_posts": creator_info answers it with HTTP 200, and direct-post init (and for
    # "spam_risk_user_banned_from_posting" also inbox init) refuses with 403 and the same code.
    creator_info_error: str | None = None
    daily_post_cap: int = 15  # direct posts per creator per 24 h
    pending_share_cap: int = 5  # inbox shares per creator per 24 h
    active_user_cap: int = 5  # distinct posting creators per 24 h for an unaudited client
    rate_limits_enabled: bool = True
    rate_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    socket_timeout_s: float = 30.0  # a client silent this long mid-request is cut off
    # Faults.
    chunk_5xx: dict[int, int] = field(default_factory=dict)
    chunk_5xx_status: int = 503
    chunk_reset: dict[int, int] = field(default_factory=dict)
    chunk_drop_response: dict[int, int] = field(default_factory=dict)
    force_429: dict[str, int] = field(default_factory=dict)
    token_expire_after_calls: int | None = None
    init_5xx: int = 0
    drop_init_response: int = 0
    slow_chunk_delay_s: float = 0.0
    chunk_hang: dict[int, float] = field(default_factory=dict)
    # PULL_FROM_URL: the URL prefixes the demo app verified (None: the sandbox's own media host,
    # https://localhost:PORT/), and whether that https media host runs at all.
    verified_url_prefixes: tuple[str, ...] | None = None
    media_host: bool = True
