"""The `post`, `status` and `history` commands: post a video, follow an earlier post, list past attempts."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from core.cli import argtypes
from core.context import AppContext
from core.errors import EXIT_FAILED, EXIT_OK, ClipshipError, InputError, PublishFailed
from core.models import PRIVACY_LEVELS, PostSettings, PublishResult, Stage
from core.progress import RateEstimator, eta_text, human_bytes

if TYPE_CHECKING:
    from core.history import Attempt

RESULT_KEYS = (
    "publish_id",
    "status",
    "fail_reason",
    "post_ids",
    "video_size",
    "chunk_size",
    "chunk_count",
    "elapsed_s",
    "post_url",
    "resumed",
)
CLI_LINK_WAIT_S = 30.0  # after PUBLISH_COMPLETE of a public post, how long `post` waits for the post's link


def register(sub: Any) -> None:
    post = sub.add_parser(
        "post",
        help="post a video to TikTok",
        description="Upload VIDEO and publish it (or send it to the TikTok inbox with --draft), then wait for TikTok "
        "to finish. Comments, duets and stitches are allowed unless a --no-* flag is given.",
    )
    post.add_argument("video", metavar="VIDEO", nargs="?", help="the video file (MP4, MOV or WebM)")
    post.add_argument(
        "--url",
        metavar="VIDEO_URL",
        help="post the video at this https URL instead (TikTok downloads it; PULL_FROM_URL)",
    )
    add_post_flags(post)
    post.add_argument("--no-wait", action="store_true", help="return once the upload is done; don't wait for TikTok")
    post.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    post.set_defaults(func=run_post)

    status = sub.add_parser("status", help="follow an earlier post to its end", description=status_help())
    status.add_argument("publish_id", metavar="PUBLISH_ID")
    status.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    status.add_argument("--account", metavar="OPEN_ID", help="the account that made the post")
    status.set_defaults(func=run_status)

    history = sub.add_parser("history", help="list past post attempts", description="List past post attempts.")
    history.add_argument("--json", action="store_true", help="print a JSON array on stdout")
    history.add_argument("--limit", type=argtypes.whole(1, 100_000), default=50, help="how many (most recent first)")
    history.set_defaults(func=run_history)


def add_post_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that say how to post (shared by `post` and `queue add`)."""
    parser.add_argument(
        "--privacy",
        metavar="LEVEL",
        type=str.upper,
        help=f"who can see it (required unless --draft): {', '.join(PRIVACY_LEVELS)}",
    )
    parser.add_argument("--title", default="", help="the caption (#hashtags and @mentions work), up to 2200 characters")
    parser.add_argument("--no-comment", action="store_true", help="turn comments off")
    parser.add_argument("--no-duet", action="store_true", help="turn duets off")
    parser.add_argument("--no-stitch", action="store_true", help="turn stitches off")
    parser.add_argument(
        "--cover-ms", type=argtypes.whole(0, 2**31 - 1), metavar="MS", help="the cover frame's time in milliseconds"
    )
    parser.add_argument("--your-brand", action="store_true", help="promotes your own business ('Promotional content')")
    parser.add_argument("--branded-content", action="store_true", help="paid partnership ('Paid partnership' label)")
    parser.add_argument("--ai-generated", action="store_true", help="label the video as AI-generated")
    parser.add_argument("--draft", action="store_true", help="send to the TikTok inbox; finish posting in the app")
    parser.add_argument("--chunk-size", type=int, metavar="BYTES", help="upload chunk size (5,242,880 to 64,000,000)")
    parser.add_argument("--force", action="store_true", help="post even if this file was already posted to the account")
    parser.add_argument("--account", metavar="OPEN_ID", help="the signed-in account to post as (default: the default)")


def status_help() -> str:
    return "Poll TikTok for PUBLISH_ID until it is published, in the inbox or failed, updating the history."


# -- output -----------------------------------------------------------------------------------------------------


def result_json(result: PublishResult | None, error: ClipshipError | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {key: None for key in RESULT_KEYS}
    if result is not None:
        out.update(
            publish_id=result.publish_id,
            status=result.status,
            fail_reason=result.fail_reason,
            post_ids=list(result.post_ids),
            video_size=result.video_size,
            chunk_size=result.chunk_size,
            chunk_count=result.chunk_count,
            elapsed_s=result.elapsed_s,
            post_url=result.post_url or None,
            resumed=result.resumed,
        )
    else:
        out["post_ids"] = []
        out["resumed"] = False
    if error is not None:
        out["error"] = {
            "code": getattr(error, "code", type(error).__name__),
            "message": error.message,
            "hint": error.hint,
            "exit_code": error.exit_code,
        }
    return out


class Reporter:
    """Stage lines on stderr, and a progress bar (bytes, speed, ETA) when stderr is a terminal."""

    def __init__(self, stream: TextIO, bar: bool) -> None:
        self.stream = stream
        self.bar = bar
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.rate = RateEstimator()
        self.drawn = False
        self.last_line = ""
        self.chunk = ""

    def stage(self, stage: Stage, detail: str) -> None:
        if stage == Stage.UPLOADING and self.bar:
            self.chunk = detail
            return
        line = f"{stage.value}: {detail}" if detail else stage.value
        if line == self.last_line:
            return
        self.last_line = line
        self._clear()
        print(line, file=self.stream, flush=True)

    def progress(self, done: int, total: int) -> None:
        if not self.bar:
            return
        now = time.monotonic()
        if now - self.last_draw < 0.1 and done < total:
            return
        self.last_draw = now
        self.rate.add(done, now)
        speed = self.rate.speed()
        width = 30
        filled = int(width * done / total) if total else width
        text = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {human_bytes(done)} / {human_bytes(total)}  "
            f"{human_bytes(speed) + '/s' if speed > 0 else '--/s'}  ETA {eta_text(total - done, speed)}  {self.chunk}"
        )
        write = getattr(self.stream, "write_raw", self.stream.write)  # our own carriage return, not escaped
        write(text.ljust(100))
        self.stream.flush()
        self.drawn = True

    def _clear(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.drawn = False


STOPPING = "\nStopping... (Ctrl-C again to quit at once)"


@contextmanager
def cancel_on_signals(cancel: threading.Event, notice: str | None = STOPPING) -> Iterator[None]:
    """Ctrl-C or SIGTERM sets `cancel` (the work stops cleanly at its next check; `notice` goes to stderr on
    Ctrl-C); a second Ctrl-C interrupts at once. Used by post, post-photos, queue run and fix."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        if signum == signal.SIGINT and notice:
            print(notice, file=sys.stderr, flush=True)

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _print_result(result: PublishResult) -> None:
    if result.status == "PUBLISH_COMPLETE":
        print(f"Published. publish_id {result.publish_id}")
        if result.post_url:
            print(f"View it on TikTok: {result.post_url}")
        elif result.post_ids:
            print(f"Post id(s): {', '.join(result.post_ids)}")
        else:
            print("TikTok gives the post's link once the post is public and checked; ask again later with")
            print(f"  clipship status {result.publish_id}")
    elif result.status == "SEND_TO_USER_INBOX":
        print(f"Sent to the TikTok inbox. publish_id {result.publish_id}")
        print("Open the notification in the TikTok app to finish posting.")
    elif result.status == "FAILED":
        print(f"TikTok reported FAILED ({result.fail_reason}). publish_id {result.publish_id}")
    elif result.status == "INTERRUPTED":
        print(
            f"Upload interrupted: {human_bytes(result.acked_bytes)} of {human_bytes(result.video_size)} reached "
            f"TikTok. Nothing was posted (publish_id {result.publish_id})."
        )
        print("Post the same video again to resume the upload where it stopped.")
    elif result.status in ("ABANDONED", "CANCELLED"):
        print(f"Not posted: the upload stopped and cannot be continued. publish_id {result.publish_id}")
        print("Post the video again to start a new upload.")
    elif result.status == "UPLOADING":
        print(f"Still uploading in another Clipship process. publish_id {result.publish_id}")
    else:
        print(f"Uploaded; TikTok is processing it. publish_id {result.publish_id}")
        print(f"Follow it with: clipship status {result.publish_id}")


# -- commands ---------------------------------------------------------------------------------------------------


def settings_from_args(args: argparse.Namespace) -> PostSettings:
    return PostSettings(
        privacy_level=args.privacy or None,
        title=args.title or "",
        disable_comment=args.no_comment,
        disable_duet=args.no_duet,
        disable_stitch=args.no_stitch,
        video_cover_timestamp_ms=args.cover_ms,
        brand_organic_toggle=args.your_brand,
        brand_content_toggle=args.branded_content,
        is_aigc=args.ai_generated,
        draft=args.draft,
    )


def run_post(args: argparse.Namespace, ctx: AppContext) -> int:
    from core.pipeline import prepare, result_of
    from core.session import Callbacks, PostRequest, Session

    settings = settings_from_args(args)
    if args.url is not None or args.video is None:
        if args.video is not None or not args.url:
            raise InputError(
                "Give either a VIDEO file or --url VIDEO_URL (one of them).", "See 'clipship post --help'."
            )
        from core.cli.photos import run_post_url

        return run_post_url(args, ctx, settings)
    path = Path(args.video).expanduser()
    chunk_size = args.chunk_size if args.chunk_size is not None else (ctx.config.chunk_size or None)
    last: dict[str, Attempt] = {}
    try:
        if args.chunk_size is not None and args.chunk_size <= 0:
            raise InputError(
                f"--chunk-size {args.chunk_size} is not a chunk size.",
                "Give 5,242,880-64,000,000 bytes, or leave --chunk-size out and Clipship chooses.",
            )
        prepare(path, settings, chunk_size)  # every local check first: exit 2 before sign-in or any request
        request = PostRequest(
            path=path,
            settings=settings,
            account=args.account,
            chunk_size=chunk_size,
            wait=not args.no_wait,
            force=args.force,
            link_wait_s=0.0 if args.no_wait else CLI_LINK_WAIT_S,
        )
        reporter = Reporter(sys.stderr, bar=sys.stderr.isatty())
        cancel = threading.Event()
        callbacks = Callbacks(reporter.stage, reporter.progress, lambda a: last.__setitem__("attempt", a))
        with Session(ctx) as session, cancel_on_signals(cancel):
            try:
                result = session.publish(request, callbacks, cancel)
            except PublishFailed as exc:
                return _report_failed(exc, args.json)
    except ClipshipError as exc:
        if args.json:
            attempt = last.get("attempt")
            print(json.dumps(result_json(result_of(attempt) if attempt else None, exc)), flush=True)
        raise
    if result.resumed:
        print("Resumed the interrupted upload: only the chunks TikTok lacked were sent.", file=sys.stderr)
    if args.json:
        print(json.dumps(result_json(result)), flush=True)
    else:
        _print_result(result)
    return EXIT_OK


def _report_failed(exc: PublishFailed, as_json: bool) -> int:
    """TikTok said FAILED: the result (stdout) and why (stderr); exit 1."""
    if isinstance(exc.result, PublishResult):
        if as_json:
            print(json.dumps(result_json(exc.result)), flush=True)
        else:
            _print_result(exc.result)
    print(f"Error: {exc.user_text()}", file=sys.stderr)
    return EXIT_FAILED


def run_status(args: argparse.Namespace, ctx: AppContext) -> int:
    from core.session import Callbacks, Session

    reporter = Reporter(sys.stderr, bar=False)
    cancel = threading.Event()
    try:
        with Session(ctx) as session, cancel_on_signals(cancel):
            try:
                result = session.status(
                    args.publish_id, args.account, Callbacks(reporter.stage), cancel, link_wait_s=0.0
                )
            except PublishFailed as exc:
                return _report_failed(exc, args.json)
    except ClipshipError as exc:
        if args.json:
            print(json.dumps(result_json(None, exc)), flush=True)
        raise
    if result.status == "INTERRUPTED":
        print(
            "The upload was interrupted before its last byte: nothing was posted, and it can be resumed by "
            "posting the same video again.",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(result_json(result)), flush=True)
    else:
        _print_result(result)
    return EXIT_OK


def run_history(args: argparse.Namespace, ctx: AppContext) -> int:
    from core.session import Session

    with Session(ctx) as session:
        attempts = session.attempts(limit=max(1, args.limit))
    if args.json:
        print(json.dumps([a.to_json() for a in attempts], indent=None))
        return EXIT_OK
    if not attempts:
        print("No posts yet.")
        return EXIT_OK
    for a in attempts:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(a.created_at))
        what = "draft" if a.draft else str(a.settings.get("privacy_level") or "")
        extra = f" ({a.fail_reason})" if a.fail_reason else ""
        extra += f" {a.post_url}" if a.post_url else (f" post {', '.join(a.post_ids)}" if a.post_ids else "")
        name = Path(a.file_path).name
        if a.kind == "photos":
            name = f"{len(a.urls)} photo{'s' if len(a.urls) != 1 else ''} from {a.file_path.split('/')[2]}"
        elif a.kind != "video":
            name = a.file_path
        print(f"{when}  {a.status:<18} {what:<20} {name}  {a.publish_id or '-'}{extra}")
    return EXIT_OK
