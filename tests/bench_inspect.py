"""Benchmark: median time of core.media.inspect on the small test video and on 1 GB / 4 GB padded MP4s.

Run: python tests/bench_inspect.py [--runs N]. The big files are sparse (a `free` box that is a hole), made
in a temporary folder and deleted afterwards. Target: under 100 ms, flat in file size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from mp4pad import pad_mdat, pad_mp4  # noqa: E402

from core.media import inspect, preflight  # noqa: E402

SOURCE = HERE / "media" / "h264_720x1280_30fps.mp4"
MOOV_LAST = HERE / "media" / "h264_720x1280_vfr.mp4"  # index after the media (no faststart)


def median_ms(path: Path, runs: int) -> tuple[float, float, float]:
    inspect(path)  # warm: library load, page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        facts = inspect(path)
        times.append((time.perf_counter() - start) * 1000)
        assert facts.has_video, facts
    return statistics.median(times), min(times), max(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clipship-bench-") as tmp:
        cases = [("small, index first", SOURCE), ("small, index last", MOOV_LAST)]
        for label, size in (("1 GB", 1_000_000_000), ("4 GB", 4_000_000_000)):
            cases.append((f"{label}, index first, free box", pad_mp4(SOURCE, Path(tmp) / f"f{size}.mp4", size)))
            cases.append((f"{label}, index last, big mdat", pad_mdat(MOOV_LAST, Path(tmp) / f"l{size}.mp4", size)))
        big = 4 * 1024**3 + 1024
        cases.append(("4 GiB + 1 KB, 64-bit free box", pad_mp4(SOURCE, Path(tmp) / "over.mp4", big)))
        print(f"inspect(), {args.runs} runs each (median / min / max ms):")
        for label, path in cases:
            med, low, high = median_ms(path, args.runs)
            size = path.stat().st_size
            print(f"  {label:<32} {size:>14,} bytes  {med:7.2f} / {low:6.2f} / {high:6.2f}")
        verdict = preflight(cases[-1][1])
        print("4 GiB + 1 KB file, blocking problems:", [p.code for p in verdict.problems if p.blocking])
    return 0


if __name__ == "__main__":
    sys.exit(main())
