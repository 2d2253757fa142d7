"""The command line: argparse over the core. Never imports Qt. Each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Callable, Sequence

from core import APP_NAME, __version__
from core.context import AppContext, open_context
from core.errors import EXIT_API, EXIT_INTERRUPTED, ClipshipError
from core.textsafe import SafeStream

# Modules that add subcommands; each has register(subparsers) and sets args.func(args, ctx) -> int.
COMMAND_MODULES = (
    "core.cli.check",
    "core.cli.fix",
    "core.cli.post",
    "core.cli.photos",
    "core.cli.queue",
    "core.cli.auth",
    "core.cli.sandbox",
)

Handler = Callable[[argparse.Namespace, AppContext], int]


def command_names() -> set[str]:
    """The subcommands, as the parser knows them."""
    subparsers = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return set(subparsers[0].choices) if subparsers else set()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clipship",
        description=f"{APP_NAME}: post videos to TikTok through the official Content Posting API. "
        "With no command, the desktop app starts.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--sandbox", action="store_true", help="run against the embedded TikTok emulator (no account needed)"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command module not written yet
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code. The single error boundary of the command line."""
    if not isinstance(sys.stdout, SafeStream):  # file names, titles and server messages never reach the terminal raw
        sys.stdout = SafeStream(sys.stdout)  # type: ignore[assignment,unused-ignore]
        sys.stderr = SafeStream(sys.stderr)  # type: ignore[assignment,unused-ignore]
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    handler: Handler | None = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return 2
    ctx: AppContext | None = None
    try:
        ctx = open_context(sandbox=args.sandbox) if getattr(args, "needs_context", True) else None
        return handler(args, ctx)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ClipshipError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"Error: {exc.user_text()}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # the boundary: never a traceback unless --debug
        if args.debug:
            traceback.print_exc()
        print(f"Error: unexpected {type(exc).__name__}: {exc}\nRun again with --debug for details.", file=sys.stderr)
        return EXIT_API
    finally:
        if ctx is not None:
            ctx.close()
