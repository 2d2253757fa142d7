"""Queue pipelining benchmark: N small items through `queue run --once` against the sandbox with its real limits.

    python tests/bench_queue.py [--items 10] [--processing S]

TikTok allows 6 inits per minute per token (tiktok-api.md §6), so N items cannot all start within a minute: the
bound is when the last init may happen (61 s after the first for items 7-12: the client keeps a second of margin)
plus that item's upload and processing. Without pipelining, each item's processing (--processing seconds) would
add up on top. Prints the wall time, the bound, the sum of processing delays and the init times seen by the sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.sandbox import Sandbox  # noqa: E402
from tests.engine_helpers import make_video  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--processing", type=float, default=5.0)
    args = parser.parse_args()
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        sb = Sandbox(state_dir=Path(tmp) / "sb")
        sb.config.processing_delay_s = args.processing
        sb.start()
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_")}
            env.update(
                CLIPSHIP_API_BASE=sb.base_url,
                CLIPSHIP_ACCESS_TOKEN=sb.issue_token()["access_token"],
                CLIPSHIP_DATA_DIR=str(Path(tmp) / "data"),
                PYTHONPATH=str(ROOT),
            )
            main_py = [sys.executable, str(ROOT / "main.py")]
            for n in range(args.items):
                video = make_video(Path(tmp) / f"item{n}.mp4", 6_000_000 + n * 1000)
                add = [*main_py, "queue", "add", str(video), "--privacy", "SELF_ONLY"]
                subprocess.run(add, env=env, check=True, capture_output=True)
            started = time.time()
            run = [*main_py, "queue", "run", "--once", "--json"]
            out = subprocess.run(run, env=env, capture_output=True, text=True)
            wall = time.time() - started
            handled = json.loads(out.stdout)
            inits = sorted(p.created_at - started for p in sb.state.publishes.values())
            done = sorted((p.completed_at or 0) - started for p in sb.state.publishes.values())
            bound = (61.0 if args.items > 6 else 0.0) + (done[-1] - inits[-1]) + args.processing
            print(
                json.dumps(
                    {
                        "items": args.items,
                        "published": sum(1 for h in handled if h["state"] == "published"),
                        "exit_code": out.returncode,
                        "wall_s": round(wall, 1),
                        "bound_s": round(bound, 1),
                        "sum_of_processing_s": args.items * args.processing,
                        "init_times_s": [round(t, 1) for t in inits],
                    }
                )
            )
        finally:
            sb.stop()


if __name__ == "__main__":
    main()
