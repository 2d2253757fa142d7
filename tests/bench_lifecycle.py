"""Lifecycle benchmark: how fast Ctrl-C ends a post whose server stopped answering, and what a resume re-sends.

    python tests/bench_lifecycle.py [--size BYTES] [--tries N] [--kill-at FRACTION]

Everything runs on tmpfs (/dev/shm when it exists) against the embedded sandbox over loopback, with
`python main.py post` as a real subprocess (as a user runs it):
  - Ctrl-C mid-upload with a server that stopped reading (the client blocks in send()), and Ctrl-C after the
    last byte with a server that took every byte but never answers (the client blocks in recv()): seconds from
    SIGINT to the process's exit, median and max of --tries runs (target < 1 s; the contract says 2 s).
  - Resume: a post of --size bytes SIGKILLed once TikTok has --kill-at of it, then the same `post` again: bytes
    PUT by the second run (from the sandbox's log of ranges) against the file's size, and whether it made an init.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.sandbox import Sandbox  # noqa: E402
from tests.engine_helpers import make_video  # noqa: E402


def _env(sb: Any, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_")}
    env.update(
        CLIPSHIP_API_BASE=sb.base_url,
        CLIPSHIP_ACCESS_TOKEN=sb.issue_token()["access_token"],
        CLIPSHIP_DATA_DIR=str(data),
        PYTHONPATH=str(ROOT),
    )
    return env


def _post(env: dict[str, str], video: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(ROOT / "main.py"), "post", str(video), "--privacy", "SELF_ONLY", *extra]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _latest(sb: Any) -> Any:
    with sb.state.lock:
        pubs = list(sb.state.publishes.values())
    return pubs[-1] if pubs else None


def _wait(check: Any, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.01)


def ctrl_c_mid_upload(base: Path) -> float:
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        sb = Sandbox(state_dir=Path(tmp) / "sb")
        sb.start()
        try:
            video = make_video(Path(tmp) / "v.mp4", 30_000_000)
            sb.config.slow_chunk_delay_s = 600.0  # reads 1 MiB every ~20 s: the client's send() blocks
            proc = _post(_env(sb, Path(tmp) / "data"), video, "--chunk-size", "10000000")
            _wait(lambda: _latest(sb) is not None)
            time.sleep(1.0)
            asked = time.monotonic()
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=60)
            took = time.monotonic() - asked
            assert proc.returncode == 130, proc.returncode
            return took
        finally:
            sb.stop()


def ctrl_c_after_last_byte(base: Path) -> float:
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        sb = Sandbox(state_dir=Path(tmp) / "sb")
        sb.start()
        try:
            video = make_video(Path(tmp) / "v.mp4", 12_000_000)
            sb.config.chunk_hang = {1: 30.0}  # takes the last chunk, answers after 30 s
            sb.config.processing_delay_s = 60.0
            proc = _post(_env(sb, Path(tmp) / "data"), video, "--chunk-size", "6000000")
            _wait(lambda: (p := _latest(sb)) is not None and p.completed_at is not None)
            time.sleep(0.2)
            asked = time.monotonic()
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=60)
            took = time.monotonic() - asked
            assert proc.returncode == 130, proc.returncode
            return took
        finally:
            sb.stop()


def resume(base: Path, size: int, kill_at: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        sb = Sandbox(state_dir=Path(tmp) / "sb")
        sb.start()
        try:
            sb.config.processing_delay_s = 0.2
            video = make_video(Path(tmp) / "v.mp4", size)
            env = _env(sb, Path(tmp) / "data")
            sb.config.slow_chunk_delay_s = 0.3
            proc = _post(env, video)
            _wait(lambda: (p := _latest(sb)) is not None and p.received_bytes >= size * kill_at)
            proc.kill()
            proc.communicate(timeout=60)
            pub = _latest(sb)
            have, chunk, count = pub.received_bytes, pub.chunk_size, pub.total_chunk_count
            sb.config.slow_chunk_delay_s = 0.0
            sb.clear_request_log()
            started = time.monotonic()
            again = _post(env, video, "--json")
            out, err = again.communicate(timeout=600)
            took = time.monotonic() - started
            result = json.loads(out.strip().splitlines()[-1])
            time.sleep(0.3)  # the log is written just after each answer
            log = list(sb.request_log)
            puts = sum(1 for r in log if r.path.startswith("/upload"))
            inits = sum(1 for r in log if r.path.endswith("/init/"))
            sent = sum(
                (size - i * chunk if i == count - 1 else chunk) for i in range(count - puts, count)
            )  # the last `puts` chunks of the plan
            return {
                "size": size,
                "chunks": count,
                "tiktok_had_at_kill": have,
                "second_run_puts": puts,
                "second_run_bytes": sent,
                "resent_share": round(sent / size, 3),
                "new_inits": inits,
                "resumed": result.get("resumed"),
                "status": result.get("status"),
                "second_run_s": round(took, 2),
            }
        finally:
            sb.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=300_000_000)
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--kill-at", type=float, default=0.6)
    args = parser.parse_args()
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    for name, fn in (("ctrl_c_mid_upload_s", ctrl_c_mid_upload), ("ctrl_c_after_last_byte_s", ctrl_c_after_last_byte)):
        times = [fn(base) for _ in range(args.tries)]
        print(
            json.dumps(
                {
                    name: {
                        "median": round(statistics.median(times), 3),
                        "max": round(max(times), 3),
                        "runs": [round(t, 3) for t in times],
                    }
                }
            ),
            flush=True,
        )
    print(json.dumps({"resume": resume(base, args.size, args.kill_at)}), flush=True)


if __name__ == "__main__":
    main()
