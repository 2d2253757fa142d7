"""Command check: will TikTok accept this video? Prints the facts and every problem; exit 0 yes, 2 no."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from core.context import AppContext, open_context
from core.errors import EXIT_INPUT, EXIT_OK, ClipshipError
from core.media import Limits, Problem, Report, fmt, preflight


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("the limit must be a positive number of seconds")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="check a video against TikTok's limits (nothing is uploaded)",
        description="Inspect VIDEO and list everything TikTok would refuse, with how to fix it. "
        "Exit status 0: TikTok would accept it (notes allowed); 2: it would not.",
    )
    p.add_argument("video", metavar="VIDEO", help="the video file")
    p.add_argument("--json", action="store_true", help="print one JSON object {path, accepted, facts, problems}")
    p.add_argument(
        "--max-duration",
        type=_seconds,
        metavar="S",
        help=f"longest allowed video in seconds (default {fmt.number(Limits().max_duration_s)}, "
        "the API's limit; the signed-in creator's own limit may be shorter)",
    )
    p.set_defaults(func=run, needs_context=False)  # works without a usable data dir: the limits are a bonus


def creator_limits(ctx: AppContext | None) -> tuple[Limits, str]:
    """The signed-in creator's limits (a fresh creator_info), else TikTok's general ones; and a line saying which."""
    if ctx is None:
        return Limits(), "Checked against TikTok's general limits."
    from core.api import TikTokClient
    from core.auth import AccountRegistry, token_source_for

    if ctx.env_token() is None and AccountRegistry(ctx.config.data_dir).default() is None:
        return Limits(), "Not signed in: checked against TikTok's general limits (an account's own may be shorter)."
    try:
        tokens = token_source_for(ctx)
        with TikTokClient(ctx.config, tokens, timeout=(5.0, 10.0), rate_limit_waits=(), server_error_waits=()) as c:
            creator = c.creator_info()
    except ClipshipError as exc:
        return Limits(), f"Could not ask TikTok for the account's limits ({exc.message}); checked its general limits."
    name = f"@{creator.username}" if creator.username else "the signed-in account"
    return Limits.from_creator(creator), f"Checked against {name}'s limits (creator_info)."


def run(args: argparse.Namespace, ctx: AppContext | None = None) -> int:
    own: AppContext | None = None
    if args.max_duration is not None:
        limits, source = Limits(max_duration_s=args.max_duration, max_duration_source="user"), "--max-duration"
    else:
        if ctx is None:
            try:
                ctx = own = open_context(sandbox=bool(getattr(args, "sandbox", False)))
            except (OSError, ClipshipError):
                ctx = None  # no usable data dir: TikTok's general limits
        try:
            limits, source = creator_limits(ctx)
        finally:
            if own is not None:
                own.close()
    report = preflight(args.video, limits)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))  # the limit in force is in each duration problem's text
    else:
        print_report(report, sys.stdout)
        if source != "--max-duration":
            print(source, file=sys.stderr)
        if report.blocking and report.facts is not None and report.facts.has_video:
            from core.media.convert import FIXABLE

            if all(p.code in FIXABLE for p in report.blocking):
                print("Clipship can write a TikTok-ready copy: clipship fix VIDEO (see --help).", file=sys.stderr)
    return EXIT_OK if report.accepted else EXIT_INPUT


def print_report(report: Report, out: TextIO) -> None:
    """The human report: the facts, blocking problems, notes, then a one-line verdict."""
    lines = [report.path]
    facts = report.facts
    if facts is not None and facts.unreadable is None:
        lines += ["  " + line for line in facts.summary_lines()]
    blocking, notes = report.blocking, report.advisories
    if blocking:
        lines += ["", "TikTok would refuse this video:"] + _items(blocking, "x", "Fix")
    if notes:
        lines += ["", "Notes (TikTok accepts these):"] + _items(notes, "-", "Tip")
    lines.append("")
    if blocking:
        count = f"{len(blocking)} problem" + ("s" if len(blocking) > 1 else "")
        lines.append(f"NOT ACCEPTED: {count} to fix before posting.")
    else:
        lines.append("OK: TikTok should accept this video.")
    _write(out, "\n".join(lines) + "\n")


def _items(problems: tuple[Problem, ...], bullet: str, fix_label: str) -> list[str]:
    lines = []
    for problem in problems:
        lines.append(f"  {bullet} {problem.message}")
        lines.append(f"    {fix_label}: {problem.fix}")
    return lines


def _write(out: TextIO, text: str) -> None:
    """Write, replacing characters the terminal's encoding cannot show (a non-ASCII path on a legacy console)."""
    try:
        out.write(text)
    except UnicodeEncodeError:
        encoding = getattr(out, "encoding", None) or "ascii"
        out.write(text.encode(encoding, "replace").decode(encoding))
    out.flush()
