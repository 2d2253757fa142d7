"""Command fix: write a TikTok-ready copy (H.264 High + AAC in MP4, within the limits) next to the video."""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
from typing import Any

from core.cli.post import cancel_on_signals
from core.context import AppContext, open_context
from core.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, Cancelled, ClipshipError, InputError
from core.media import Limits, fmt, preflight

RANGE_HELP = "seconds (5-65, 2.5-30.5) or [h:]mm:ss (0:05-1:05); 'START-' runs to the end"


def _range(text: str) -> tuple[float, float]:
    from core.media.convert import parse_range

    try:
        return parse_range(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range: use START-END, {RANGE_HELP}") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError("the limit must be a positive number of seconds")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "fix",
        help="make a TikTok-ready copy of a video (the original is never changed)",
        description="Write a copy of VIDEO that TikTok accepts: H.264 High + AAC in MP4, 23-60 fps, each side "
        "360-4096 px, 8-bit SDR, rotation baked in, within the account's longest duration and under 4 GB. "
        "The copy goes next to VIDEO as NAME.tiktok.mp4 (never over an existing file). Exit 0 with the new path "
        "(or, when nothing needs fixing, a note and no file); 2 when VIDEO is not a video or can't be fixed; "
        "130 when interrupted (no partial file is left).",
    )
    p.add_argument("video", metavar="VIDEO", help="the video file")
    p.add_argument("-o", "--output", metavar="OUT", help="where to write the copy (must not exist)")
    p.add_argument("--trim", type=_range, metavar="START-END", help=f"keep only this part: {RANGE_HELP}")
    p.add_argument(
        "--pad",
        choices=("none", "black", "blur"),
        default="none",
        help="put a landscape video in a 9:16 frame with black or blurred bars (default: keep its shape)",
    )
    p.add_argument("--max-duration", type=_seconds, metavar="S", help="longest allowed video in seconds")
    p.add_argument("--json", action="store_true", help="print one JSON object {path, facts, fixed, changes, ...}")
    p.set_defaults(func=run, needs_context=False)


def _limits(args: argparse.Namespace, ctx: AppContext | None) -> tuple[Limits, str]:
    from core.cli.check import creator_limits

    if args.max_duration is not None:
        return Limits(max_duration_s=args.max_duration, max_duration_source="user"), "--max-duration"
    own: AppContext | None = None
    if ctx is None:
        try:
            ctx = own = open_context(sandbox=bool(getattr(args, "sandbox", False)))
        except (OSError, ClipshipError):
            ctx = None
    try:
        return creator_limits(ctx)
    finally:
        if own is not None:
            own.close()


class _Bar:
    """A one-line progress bar with the speed (x real time) and ETA on stderr."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, done: float, total: float) -> None:
        if not self.enabled or total <= 0:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        speed = done / elapsed
        left = (total - done) / speed if speed > 0 else 0.0
        share = min(1.0, done / total)
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\r[{bar:<30}] {share * 100:5.1f}%  {fmt.duration(done)} of {fmt.duration(total)}  "
            f"{speed:4.1f}x  ETA {fmt.duration(left)} "
        )
        sys.stderr.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def run(args: argparse.Namespace, ctx: AppContext | None = None) -> int:
    from core.media.convert import NothingToFix, convert, output_path, plan_fix

    limits, source = _limits(args, ctx)
    report = preflight(args.video, limits)
    try:
        plan = plan_fix(report, limits, args.trim, args.pad)
    except NothingToFix as exc:
        if args.json:
            data = {"path": None, "source": report.path, "facts": _facts(report), "fixed": [], "problems_fixed": []}
            data["changes"] = []
            print(json.dumps({**data, "message": exc.message}, indent=2))
        else:
            print(f"{exc.message} {exc.hint}")
        return EXIT_OK
    except InputError as exc:
        return _fail(args, report.path, exc)
    try:
        out = output_path(report.path, args.output)
    except InputError as exc:
        return _fail(args, report.path, exc)
    cancel = threading.Event()
    bar = _Bar(not args.json and sys.stderr.isatty())
    started = time.monotonic()
    try:
        with cancel_on_signals(cancel, notice=None):  # stops at the next packet; its partial file is removed
            written = convert(plan, out, on_progress=bar, cancel=cancel)
    except (Cancelled, KeyboardInterrupt):
        bar.finish()
        print("Interrupted: no file was written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except InputError as exc:
        bar.finish()
        return _fail(args, report.path, exc)
    bar.finish()
    elapsed = time.monotonic() - started
    result = preflight(written, limits)
    if args.json:
        data = {
            "path": str(written),
            "source": report.path,
            "accepted": result.accepted,
            "facts": None if result.facts is None else result.facts.to_dict(),
            "fixed": [p.to_dict() for p in plan.fixes],
            "problems_fixed": [p.to_dict() for p in plan.fixes],  # the same list, by its long name
            "changes": list(plan.changes),
            "elapsed_s": round(elapsed, 3),
            "speed_x_realtime": round(plan.duration_s / elapsed, 2) if elapsed > 0 else None,
        }
        print(json.dumps(data, indent=2))
    else:
        print(str(written))
        for change in plan.changes:
            print(f"  - {change}", file=sys.stderr)
        rate = f", {plan.duration_s / elapsed:.1f}x real time" if elapsed > 0 else ""
        print(f"Wrote a TikTok-ready copy in {fmt.duration(elapsed)}{rate}.", file=sys.stderr)
        if source != "--max-duration":
            print(source.replace("Checked against", "Made for"), file=sys.stderr)
    if not result.accepted:  # should not happen: say so rather than pretend
        print(f"Warning: the copy still has a problem: {result.blocking[0].message}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


def _facts(report: Any) -> Any:
    return None if report.facts is None else report.facts.to_dict()


def _fail(args: argparse.Namespace, path: str, exc: ClipshipError) -> int:
    if args.json:
        print(json.dumps({"path": None, "source": path, "error": exc.message, "hint": exc.hint}, indent=2))
    else:
        print(f"Error: {exc.user_text()}", file=sys.stderr)
    return exc.exit_code if exc.exit_code != EXIT_INTERRUPTED else EXIT_INPUT
