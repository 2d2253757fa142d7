"""The `post-photos` command, and `post --url`: posts TikTok downloads from URLs (source PULL_FROM_URL)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import TYPE_CHECKING, Any

from core.cli import argtypes
from core.context import AppContext
from core.errors import EXIT_FAILED, EXIT_OK, ClipshipError, InputError, PublishFailed
from core.models import PRIVACY_LEVELS, PhotoSettings, PostSettings, PublishResult

if TYPE_CHECKING:
    from core.history import Attempt
    from core.urlpost import UrlPostRequest

PHOTO_KEYS = ("publish_id", "status", "fail_reason", "post_ids", "post_url", "elapsed_s", "image_count")


def register(sub: Any) -> None:
    photos = sub.add_parser(
        "post-photos",
        help="post 1-35 photos from https URLs (TikTok downloads them)",
        description="Post a photo carousel: TikTok downloads each image from its URL (JPEG or WebP, at most 1080p and "
        "20 MB, under a URL prefix verified in TikTok's developer portal). Clipship checks the URLs first.",
    )
    photos.add_argument("urls", nargs="+", metavar="URL", help="https URL of an image (1 to 35, in order)")
    mode = photos.add_mutually_exclusive_group(required=True)
    mode.add_argument("--privacy", metavar="LEVEL", type=str.upper, help=f"who can see it: {', '.join(PRIVACY_LEVELS)}")
    mode.add_argument("--draft", action="store_true", help="send to the TikTok inbox; finish posting in the app")
    photos.add_argument("--title", default="", help="the title, up to 90 characters")
    photos.add_argument("--description", default="", help="the description (#hashtags work), up to 4000 characters")
    photos.add_argument(
        "--cover-index", type=argtypes.whole(0, 34), default=0, metavar="N", help="the cover image, 0 = the first"
    )
    photos.add_argument("--auto-music", action="store_true", help="let TikTok add recommended music")
    photos.add_argument("--no-comment", action="store_true", help="turn comments off")
    photos.add_argument("--your-brand", action="store_true", help="promotes your own business ('Promotional content')")
    photos.add_argument("--branded-content", action="store_true", help="paid partnership ('Paid partnership' label)")
    photos.add_argument("--account", metavar="OPEN_ID", help="the signed-in account to post as (default: the default)")
    photos.add_argument("--no-wait", action="store_true", help="return once TikTok took the post; don't wait")
    photos.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    photos.set_defaults(func=run_photos)


def photo_json(result: PublishResult | None, count: int, error: ClipshipError | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {key: None for key in PHOTO_KEYS}
    out["post_ids"] = []
    out["image_count"] = count
    if result is not None:
        out.update(
            publish_id=result.publish_id or None,
            status=result.status,
            fail_reason=result.fail_reason,
            post_ids=list(result.post_ids),
            post_url=result.post_url or None,
            elapsed_s=result.elapsed_s,
        )
    if error is not None:
        out["error"] = {
            "code": getattr(error, "code", type(error).__name__),
            "message": error.message,
            "hint": error.hint,
            "exit_code": error.exit_code,
        }
    return out


def run_photos(args: argparse.Namespace, ctx: AppContext) -> int:
    from core.urlpost import KIND_PHOTOS, UrlPostRequest

    settings = PhotoSettings(
        privacy_level=args.privacy or None,
        title=args.title or "",
        description=args.description or "",
        disable_comment=args.no_comment,
        auto_add_music=args.auto_music,
        brand_organic_toggle=args.your_brand,
        brand_content_toggle=args.branded_content,
        draft=args.draft,
        cover_index=args.cover_index,
    )
    request = UrlPostRequest(KIND_PHOTOS, tuple(args.urls), settings, args.account, wait=not args.no_wait)
    return _run(args, ctx, request, "photo", lambda r, e: photo_json(r, len(args.urls), e))


def run_post_url(args: argparse.Namespace, ctx: AppContext, settings: PostSettings) -> int:
    """`post --url VIDEO_URL`: video init with source PULL_FROM_URL (direct, or inbox with --draft)."""
    from core.cli.post import CLI_LINK_WAIT_S, result_json
    from core.urlpost import KIND_VIDEO_URL, UrlPostRequest

    request = UrlPostRequest(
        KIND_VIDEO_URL,
        (args.url,),
        settings,
        args.account,
        wait=not args.no_wait,
        link_wait_s=0.0 if args.no_wait else CLI_LINK_WAIT_S,
    )

    def as_json(result: PublishResult | None, error: ClipshipError | None) -> dict[str, Any]:
        out = result_json(result, error)
        out.update(video_size=None, chunk_size=None, chunk_count=None, video_url=args.url)
        return out

    if args.chunk_size is not None:
        error = InputError(
            "--chunk-size has no meaning with --url: TikTok downloads the video itself.", "Leave it out."
        )
        if args.json:
            print(json.dumps(as_json(None, error)), flush=True)
        raise error
    return _run(args, ctx, request, "video", as_json)


def _run(args: argparse.Namespace, ctx: AppContext, request: UrlPostRequest, kind: str, to_json: Any) -> int:
    from core.cli.post import Reporter, _print_result, cancel_on_signals
    from core.pipeline import result_of
    from core.session import Callbacks, Session

    last: dict[str, Attempt] = {}
    try:
        with Session(ctx) as session:
            session.check_url_post(request)  # settings, https, host names, prefixes: exit 2 before any request
            report = session.check_urls(kind, request.urls)
            if report.problems:
                raise InputError(
                    "TikTok would refuse this post: " + " ".join(p.text() for p in report.problems),
                    "Nothing was sent to TikTok.",
                )
            for warning in report.warnings:
                print(f"Warning: {warning}", file=sys.stderr)
            reporter = Reporter(sys.stderr, bar=False)
            cancel = threading.Event()
            callbacks = Callbacks(reporter.stage, None, lambda a: last.__setitem__("attempt", a))
            with cancel_on_signals(cancel):
                try:
                    result = session.publish_urls(request, callbacks, cancel)
                except PublishFailed as exc:
                    if isinstance(exc.result, PublishResult):
                        if args.json:
                            print(json.dumps(to_json(exc.result, None)), flush=True)
                        else:
                            _print_result(exc.result)
                    print(f"Error: {exc.user_text()}", file=sys.stderr)
                    return EXIT_FAILED
    except ClipshipError as exc:
        if args.json:
            attempt = last.get("attempt")
            print(json.dumps(to_json(result_of(attempt) if attempt else None, exc)), flush=True)
        raise
    if args.json:
        print(json.dumps(to_json(result, None)), flush=True)
    elif result.status == "PROCESSING_DOWNLOAD":
        print(f"TikTok is downloading the {'photos' if kind == 'photo' else 'video'}. publish_id {result.publish_id}")
        print(f"Follow it with: clipship status {result.publish_id}")
    else:
        _print_result(result)
    return EXIT_OK
