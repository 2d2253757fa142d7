"""Clipship entry point: no arguments (or only --sandbox) start the desktop app; subcommands run the CLI."""

from __future__ import annotations

import sys

GUI_FLAGS = {"--sandbox", "--debug"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--smoke-test" in args:
        from ui.smoke import run_smoke_test

        return run_smoke_test()
    if all(a in GUI_FLAGS for a in args):
        from ui.app import run_gui

        return run_gui(sandbox="--sandbox" in args, debug="--debug" in args)
    from core.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
