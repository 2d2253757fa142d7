"""Clipship entry point: no arguments (or only --sandbox) start the desktop app; subcommands run the CLI.

`clipship VIDEO` (what a file manager runs for "Open with Clipship") opens the window with that video.
`clipship-cli` with no arguments prints the command-line help instead of opening the window.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

GUI_FLAGS = {"--sandbox", "--debug"}


def route(args: list[str], program: str) -> tuple[str, Path | None]:
    """("gui", video or None) or ("cli", None) for these arguments of the program named `program`."""
    rest = [a for a in args if a not in GUI_FLAGS]
    if not rest:
        return ("cli", None) if Path(program).stem.lower().endswith("-cli") else ("gui", None)
    if len(rest) == 1 and not rest[0].startswith("-") and os.path.isfile(rest[0]):
        from core.cli import command_names

        if rest[0] not in command_names():  # `clipship post` is the command even beside a file named "post"
            return "gui", Path(rest[0]).resolve()
    return "cli", None


def main(argv: list[str] | None = None) -> int:
    if os.name == "posix":
        os.umask(0o077)  # every file Clipship writes (settings, history, tokens, the sandbox's) is the user's alone
    args = list(sys.argv[1:] if argv is None else argv)
    if "--smoke-test" in args:
        from ui.smoke import run_smoke_test

        return run_smoke_test()
    where, video = route(args, sys.executable if getattr(sys, "frozen", False) else sys.argv[0])
    if where == "gui":
        from ui.app import run_gui

        return run_gui(sandbox="--sandbox" in args, debug="--debug" in args, video=video)
    from core.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
