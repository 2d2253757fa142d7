"""Upload benchmark: the engine against the sandbox versus `curl -T` to a plain byte sink, on one loopback.

    python tests/bench_upload.py [--size BYTES] [--chunk-sizes 0,64000000]

For each chunk size (0 = the planner's default, 10,000,000 bytes), a fresh subprocess runs only the engine
(core.pipeline.publish against the embedded sandbox, as `clipship post` would) and reports the upload's wall
time, its CPU seconds and the process's peak RSS (ru_maxrss). In the same run, curl uploads the same file with
one PUT to a minimal http.server sink that reads and discards the body in 1 MiB pieces. Both servers are Python
http.server on 127.0.0.1 in this process; the sandbox also writes every byte to disk and hashes it, so that
line mostly measures the sandbox. The like-for-like line is the engine's uploader alone (same process setup,
same chunk plan) against the same sink as curl, alternating with curl, median of five.
Targets: >= 0.9x curl, peak RSS < 120 MB, no Qt loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENGINE = r"""
import json, resource, sys, time
from pathlib import Path
import requests
from core.api import TikTokClient
from core.chunks import plan_chunks
from core.config import Config
from core.context import StaticToken
from core.models import PostSettings, Stage
from core.pipeline import publish
from core.upload import Uploader

mode, base, token, video, chunk, data_dir = sys.argv[1:7]
out = {}
if mode == "publish":  # what `clipship post` does, against the sandbox
    marks = {}
    def on_stage(stage, detail):
        if stage == Stage.UPLOADING and "up" not in marks:
            marks["up"] = (time.perf_counter(), time.process_time())
        if stage == Stage.PROCESSING and "done" not in marks:
            marks["done"] = (time.perf_counter(), time.process_time())
    client = TikTokClient(Config(api_base=base, data_dir=Path(data_dir)), StaticToken(token))
    try:
        result = publish(client, Path(video), PostSettings(privacy_level="SELF_ONLY"), chunk_size=int(chunk) or None,
                         on_stage=on_stage, on_progress=lambda done, total: None, poll_intervals=(0.2,))
    finally:
        client.close()
    out.update(publish_id=result.publish_id, status=result.status, chunk_size=result.chunk_size,
               chunk_count=result.chunk_count, upload_s=marks["done"][0] - marks["up"][0],
               upload_cpu_s=marks["done"][1] - marks["up"][1])
else:  # the engine's uploader alone, to the same plain sink curl uses
    plan = plan_chunks(Path(video).stat().st_size, int(chunk) or None)
    with requests.Session() as session:
        t0, c0 = time.perf_counter(), time.process_time()
        Uploader(session).upload(base, Path(video), plan, on_progress=lambda done, total: None)
        out.update(upload_s=time.perf_counter() - t0, upload_cpu_s=time.process_time() - c0,
                   chunk_size=plan.chunk_size, chunk_count=plan.count)
usage = resource.getrusage(resource.RUSAGE_SELF)
out.update(total_cpu_s=usage.ru_utime + usage.ru_stime, peak_rss_kb=usage.ru_maxrss,
           qt_loaded=any(m.startswith(("PySide6", "shiboken6")) for m in sys.modules))
print(json.dumps(out))
"""
TRIES = 3  # the full post against the sandbox: best of three
SINK_TRIES = 5  # engine and curl against the plain sink, alternating: the median of five


class Sink(BaseHTTPRequestHandler):
    """PUT anything: read Content-Length bytes in 1 MiB pieces, discard them, answer 201."""

    protocol_version = "HTTP/1.1"

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        left = int(self.headers.get("Content-Length", "0"))
        while left > 0:
            data = self.rfile.read(min(1 << 20, left))
            if not data:
                break
            left -= len(data)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return None


def engine_run(mode: str, base: str, token: str, video: Path, chunk: int, tmp: Path) -> dict[str, object]:
    """One engine upload in a fresh process (so its peak RSS is the engine's alone)."""
    run = subprocess.run(
        [sys.executable, "-c", ENGINE, mode, base, token, str(video), str(chunk), str(tmp / "data")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def curl_upload(path: Path, url: str) -> tuple[float, float]:
    """(wall seconds as curl measured them, curl's CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        ["curl", "-sS", "-T", str(path), "-H", "Expect:", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", url],
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    code, seconds = out.stdout.split()
    assert code == "201", out.stdout
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(seconds), cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000_000)
    parser.add_argument("--chunk-sizes", default="0,64000000", help="comma list; 0 = the default plan")
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print("curl is not installed", file=sys.stderr)
        return 2

    from core.sandbox import Sandbox
    from tests.engine_helpers import make_video

    with tempfile.TemporaryDirectory(prefix="clipship-bench-") as tmp_name:
        tmp = Path(tmp_name)
        video = make_video(tmp / "bench.mp4", args.size)
        subprocess.run(["cat", str(video)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        sink_thread = threading.Thread(target=sink.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        sink_thread.start()
        sink_url = f"http://127.0.0.1:{sink.server_address[1]}/sink"
        gb = args.size / 1e9
        print(f"file: {args.size:,} bytes; CPUs: {os.cpu_count()}; python {sys.version.split()[0]}")
        try:
            with Sandbox(tmp / "sandbox") as sb:
                sb.config.processing_delay_s = 0.1
                sb.config.moderation_delay_s = 0.1
                for chunk in (int(c) for c in args.chunk_sizes.split(",")):
                    full = min(
                        (
                            engine_run("publish", sb.base_url, sb.issue_token()["access_token"], video, chunk, tmp)
                            for _ in range(TRIES)
                        ),
                        key=lambda r: r["upload_s"],
                    )
                    received = sb.received(full["publish_id"])
                    assert received.complete and received.size == args.size
                    # Engine and curl take turns against the sink, so both see the same machine; medians.
                    sink_runs, curl_runs = [], []
                    for _ in range(SINK_TRIES):
                        sink_runs.append(engine_run("sink", sink_url, "-", video, chunk, tmp))
                        curl_runs.append(curl_upload(video, sink_url))
                    to_sink = sorted(sink_runs, key=lambda r: r["upload_s"])[SINK_TRIES // 2]
                    curl_s, curl_cpu = sorted(curl_runs)[SINK_TRIES // 2]
                    label = "default" if chunk == 0 else f"{chunk:,}"
                    print(f"\nchunk size {label} ({full['chunk_count']} chunks of {full['chunk_size']:,} B):")
                    for name, r in (("engine -> sandbox (post)", full), ("engine -> plain sink", to_sink)):
                        rate = args.size / r["upload_s"] / 1e6
                        print(
                            f"  {name:<25} {rate:8.1f} MB/s  ratio to curl {rate / (args.size / curl_s / 1e6):.2f}x"
                            f"  CPU {r['upload_cpu_s'] / gb:.2f} s/GB  peak RSS {r['peak_rss_kb'] / 1024:.1f} MiB"
                            f"  Qt loaded: {r['qt_loaded']}"
                        )
                    print(
                        f"  {'curl -T -> plain sink':<25} {args.size / curl_s / 1e6:8.1f} MB/s"
                        f"                     CPU {curl_cpu / gb:.2f} s/GB"
                    )
        finally:
            sink.shutdown()
            sink.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
