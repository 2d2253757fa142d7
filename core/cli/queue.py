"""`queue add | list | remove | run`: post videos later, in order, each exactly once, within TikTok's limits."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from core.cli.post import add_post_flags, cancel_on_signals, settings_from_args
from core.context import AppContext
from core.errors import EXIT_OK, InputError


def register(sub: Any) -> None:
    queue = sub.add_parser(
        "queue",
        help="post videos later: add, list, remove, run",
        description="A queue of videos to post, now or at a set time. 'queue run' posts what is due.",
    )
    qsub = queue.add_subparsers(dest="queue_command", metavar="ACTION")
    queue.set_defaults(func=run_list, json=False)

    add = qsub.add_parser("add", help="queue a video (checked now, posted by 'queue run')")
    add.add_argument("video", metavar="VIDEO", help="the video file (MP4, MOV or WebM)")
    add_post_flags(add)
    add.add_argument(
        "--at",
        metavar="WHEN",
        help='when to post: "2026-12-24T18:00:00+01:00", a local "2026-12-24 18:00", or "+90s", "+15m", "+2h" '
        "(default: as soon as 'queue run' runs)",
    )
    add.add_argument("--json", action="store_true", help='print {"id", "state", "at"}')
    add.set_defaults(func=run_add)

    lst = qsub.add_parser("list", help="the queue, in posting order")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    lst.set_defaults(func=run_list)

    rm = qsub.add_parser("remove", help="take an item out before it is posted")
    rm.add_argument("id", metavar="ID")
    rm.set_defaults(func=run_remove)

    run = qsub.add_parser("run", help="post due items; keep running and post each at its time")
    run.add_argument("--once", action="store_true", help="post what is due now, then exit")
    run.add_argument("--json", action="store_true", help="print a JSON array of the items handled")
    run.set_defaults(func=run_run)


def _local(ts: float | None) -> str:
    if ts is None:
        return "now"
    return time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(ts))


def run_add(args: argparse.Namespace, ctx: AppContext) -> int:
    from core.auth import AccountRegistry
    from core.pipeline import prepare
    from core.queue import Queue, iso_utc, parse_when
    from core.session import Session

    settings = settings_from_args(args)
    path = Path(args.video).expanduser()
    if args.chunk_size is not None and args.chunk_size <= 0:
        raise InputError(f"--chunk-size {args.chunk_size} is not a chunk size.", "Give 5,242,880-64,000,000 bytes.")
    chunk_size = args.chunk_size if args.chunk_size is not None else (ctx.config.chunk_size or None)
    prepare(path, settings, chunk_size)  # the checks `post` makes before any request: exit 2, nothing added
    registry = AccountRegistry(ctx.config.data_dir)
    if args.account and registry.get(args.account) is None:
        known = ", ".join(a.open_id for a in registry.accounts()) or "none"
        raise InputError(f"No signed-in account {args.account!r}.", f"Signed-in accounts: {known}.")
    default = registry.default()
    account = args.account or (default.open_id if default is not None else "")
    with Session(ctx) as session:
        queue = Queue(session.history)
        now = queue.clock()
        at = parse_when(args.at, now) if args.at else None
        if at is not None and at <= now:
            at = None  # a past time means due now
        item = queue.add(path, settings, account=account, chunk_size=chunk_size, force=args.force, at=at)
        state = item.state(queue.clock())
    if args.json:
        print(json.dumps({"id": item.id, "state": state, "at": iso_utc(item.at)}), flush=True)
    elif item.at is None:
        print(f"Queued {item.id}: {path.name}, posted as soon as 'clipship queue run' runs.")
    else:
        print(f"Scheduled {item.id}: {path.name} at {_local(item.at)} ({iso_utc(item.at)}).")
    return EXIT_OK


def run_list(args: argparse.Namespace, ctx: AppContext) -> int:
    from core.queue import Queue
    from core.session import Session

    with Session(ctx) as session:
        queue = Queue(session.history)
        queue.recover()
        items = queue.items()
        now = queue.clock()
    if getattr(args, "json", False):
        print(json.dumps([i.to_json(now) for i in items]), flush=True)
        return EXIT_OK
    if not items:
        print("The queue is empty. Add a video with 'clipship queue add VIDEO --privacy LEVEL [--at WHEN]'.")
        return EXIT_OK
    for i in items:
        state = i.state(now)
        when = _local(i.at) if state == "scheduled" else (_local(i.retry_at) if state == "waiting" else "")
        extra = (
            f" ({i.fail_reason or i.error})" if (i.fail_reason or i.error) and state in ("failed", "waiting") else ""
        )
        print(f"{i.id}  {state:<10} {when:<24} {Path(i.path).name}{extra}")
    return EXIT_OK


def run_remove(args: argparse.Namespace, ctx: AppContext) -> int:
    from core.queue import Queue
    from core.session import Session

    with Session(ctx) as session:
        queue = Queue(session.history)
        queue.recover()
        item = queue.remove(args.id)
    print(f"Removed {item.id} ({Path(item.path).name}); it will not be posted.")
    return EXIT_OK


def run_run(args: argparse.Namespace, ctx: AppContext) -> int:
    from core.queue import Queue, QueueItem, run_queue
    from core.session import Session

    cancel = threading.Event()

    def event(item: QueueItem, what: str) -> None:
        print(f"{item.id} {Path(item.path).name}: {what}", file=sys.stderr, flush=True)

    with Session(ctx) as session, cancel_on_signals(cancel):
        queue = Queue(session.history)
        summary = run_queue(session, queue, once=args.once, cancel=cancel, on_event=event)
        now = queue.clock()
        handled = [item for item_id in summary.outcomes if (item := queue.get(item_id)) is not None]
    if args.json:
        print(json.dumps([i.to_json(now) for i in handled]), flush=True)
    elif not handled:
        print("Nothing was due.")
    else:
        for i in handled:
            print(f"{i.id}  {i.state(now):<10} {Path(i.path).name}  {i.publish_id or ''}")
    return summary.exit_code
