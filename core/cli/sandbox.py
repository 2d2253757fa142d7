"""`sandbox`: run the TikTok emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import shutil
import signal
import threading
from pathlib import Path
from typing import Any

from core.cli import argtypes
from core.config import data_dir
from core.context import AppContext
from core.errors import InputError

SANDBOX_STATE_NAMES = {"state.json", "uploads", "sink.bin", "state.lock", "tls"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sandbox", help="run the local TikTok emulator in the foreground (Ctrl-C stops it)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    p.add_argument("--state-dir", type=Path, default=None, help="where accounts, tokens and uploads are kept")
    p.add_argument("--auto-approve", action="store_true", help="skip the consent page (approve every request)")
    p.add_argument(
        "--processing-delay", type=argtypes.seconds(0, 3600), default=None, metavar="S", help="seconds of 'processing'"
    )
    p.add_argument("--check-media", action="store_true", help="fail posts TikTok would fail (format, fps, size)")
    p.add_argument("--reset", action="store_true", help="forget every account, token and upload first")
    p.set_defaults(func=run, needs_context=False)


def _on_signals(waiter: threading.Event) -> dict[int, Any]:
    """Ctrl-C and SIGTERM set `waiter` (even where SIGINT was inherited as ignored, e.g. a background job)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda *_: waiter.set())
    return previous


def run(args: argparse.Namespace, ctx: AppContext | None = None, stop: threading.Event | None = None) -> int:
    from core.sandbox import SANDBOX_CLIENT_KEY, Sandbox, SandboxConfig

    if not 0 <= args.port < 65536:
        raise InputError(f"--port {args.port} is not a port number.", "Use 0 (any free port) or 1-65535.")
    state_dir: Path = args.state_dir or data_dir() / "sandbox" / "server"
    if args.reset and state_dir.exists():
        strangers = sorted(p.name for p in state_dir.iterdir() if p.name not in SANDBOX_STATE_NAMES)
        if strangers:
            raise InputError(
                f"--reset refused: {state_dir} is not a sandbox state dir (it holds {', '.join(strangers[:3])}).",
                "Give --state-dir a folder the sandbox made, or leave --state-dir out.",
            )
        shutil.rmtree(state_dir)
    config = SandboxConfig(auto_approve=args.auto_approve, inspect_media=args.check_media)
    if args.processing_delay is not None:
        config.processing_delay_s = max(0.0, args.processing_delay)
    try:
        sb = Sandbox(state_dir, config, port=args.port)
        sb.start()
    except OSError as exc:
        raise InputError(f"Cannot listen on 127.0.0.1:{args.port} ({exc.strerror}).", "Pick another --port.") from exc
    waiter = stop or threading.Event()
    previous = _on_signals(waiter)
    try:
        print(f"Clipship sandbox running at {sb.base_url}", flush=True)
        print(f"  CLIPSHIP_API_BASE={sb.base_url}")
        print(f"  CLIPSHIP_AUTH_URL={sb.auth_url}")
        print(f"  CLIPSHIP_CLIENT_KEY={SANDBOX_CLIENT_KEY}")
        print("  (the demo app's secret is core.sandbox.SANDBOX_CLIENT_SECRET)")
        print(f"  state: {state_dir}")
        print(f"  accounts and posts in a browser: {sb.pages_url}")
        if sb.media_base_url:
            print(
                f"  demo media host (the verified URL prefix): {sb.media_base_url}/"
                f"  (e.g. {sb.media_base_url}/media/photo_720x720.jpg)"
            )
            print(f"  CLIPSHIP_MEDIA_CA={sb.media_ca}")
        print("Press Ctrl-C to stop.", flush=True)
        while not waiter.wait(0.5):
            pass
        print("\nSandbox stopped.", flush=True)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sb.stop()
    return 0
