"""Speed and memory of `fix` (Make it TikTok-ready): conversion speed as a multiple of real time, and peak RSS.

    python tests/bench_fix.py [--runs N] [--skip-big] [--keep DIR]

Cases: a 1080x1920 30 fps 30 s clip with sound (moving test pattern, made here with PyAV, re-encoded as a trim of its
whole length) and every committed fixture that `fix` changes. Each conversion runs in a fresh child process, so its
peak resident memory (ru_maxrss) is its own. Prints one line per case: the median of N runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / "tests" / "media"
sys.path.insert(0, str(ROOT))

FIXTURES = [
    ("h264_720x1280_10fps.mp4", None),
    ("h264_200x200_10fps.mp4", None),
    ("h264_5000x5000_30fps.mp4", None),
    ("hevc_720x1280_30fps.mp4", None),
    ("vp9_720x1280_30fps.webm", None),
    ("vp8_720x1280_30fps.webm", None),
    ("h264_720x1280_30fps.mov", None),
    ("h264_1280x720_landscape.mp4", "blur"),
    ("h264_360x640_24fps_12min.mp4", "max300"),
]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from core.media import Limits, preflight
from core.media.convert import convert, output_path, plan_fix
src, mode, out_dir = sys.argv[2], sys.argv[3], sys.argv[4]
limits = Limits(max_duration_s=300, max_duration_source="user") if mode == "max300" else Limits()
report = preflight(src, limits)
pad = "blur" if mode == "blur" else "none"
trim = (0.0, float("inf")) if mode == "whole" else None
plan = plan_fix(report, limits, trim, pad)
from pathlib import Path
t0 = time.perf_counter()
out = convert(plan, Path(out_dir) / "out.mp4")
elapsed = time.perf_counter() - t0
rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": plan.duration_s, "elapsed": elapsed, "rss_mib": rss_kib / 1024,
                  "size": out.stat().st_size, "w": plan.width, "h": plan.height, "fps": float(plan.fps)}))
"""


def make_clip(path: Path, width: int = 1080, height: int = 1920, seconds: int = 30) -> None:
    """A moving test pattern with a tone: H.264 + AAC in MP4, made in-process (no ffmpeg needed)."""
    import av

    rate = 30
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=rate, options={"preset": "ultrafast", "crf": "20"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream("aac", rate=48000)
        audio.codec_context.layout = "stereo"
        graph = av.filter.Graph()
        src = graph.add("testsrc2", f"size={width}x{height}:rate={rate}:duration={seconds}")
        fmt = graph.add("format", "yuv420p")
        sink = graph.add("buffersink")
        src.link_to(fmt)
        fmt.link_to(sink)
        graph.configure()
        agraph = av.filter.Graph()
        asrc = agraph.add("sine", f"frequency=440:sample_rate=48000:duration={seconds}")
        afmt = agraph.add("aformat", "sample_fmts=fltp:channel_layouts=stereo")
        asink = agraph.add("abuffersink")
        asrc.link_to(afmt)
        afmt.link_to(asink)
        agraph.configure()
        while True:
            try:
                frame = graph.pull()
            except (av.error.EOFError, av.error.BlockingIOError):
                break
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48000, frame_size=1024)
        samples = 0
        while True:
            try:
                aframe = agraph.pull()
            except (av.error.EOFError, av.error.BlockingIOError):
                break
            aframe.pts = None
            for chunk in resampler.resample(aframe):
                chunk.pts, chunk.time_base = samples, Fraction(1, 48000)
                samples += chunk.samples
                out.mux(audio.encode(chunk))
        out.mux(audio.encode(None))


def run_case(src: Path, mode: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="clipship-bench-") as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(ROOT), str(src), mode, tmp],
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-big", action="store_true", help="only the committed fixtures")
    parser.add_argument("--keep", type=Path, help="make (or reuse) the 1080x1920 clip in this folder")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {sys.platform}, Python {sys.version.split()[0]}")
    from core.media.convert import CRF, PRESET

    print(f"x264 preset {PRESET}, crf {CRF}, threads = cores; median of {args.runs} runs, each in a fresh process")
    cases: list[tuple[str, Path, str]] = []
    with tempfile.TemporaryDirectory(prefix="clipship-bench-src-") as tmp:
        if not args.skip_big:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            clip = folder / "bench_1080x1920_30fps_30s.mp4"
            if not clip.exists():
                t0 = time.perf_counter()
                make_clip(clip)
                print(f"made {clip.name} ({clip.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
            cases.append(("1080x1920 30 fps 30 s H.264+AAC (full re-encode)", clip, "whole"))
        for name, mode in FIXTURES:
            cases.append((name + (f" ({mode})" if mode else ""), MEDIA / name, mode or "auto"))
        print(f"{'case':55} {'media':>8} {'wall':>8} {'x real time':>12} {'peak RSS':>10}  output")
        for label, src, mode in cases:
            runs = [run_case(src, mode) for _ in range(args.runs)]
            elapsed = statistics.median(r["elapsed"] for r in runs)
            rss = max(r["rss_mib"] for r in runs)
            seconds = runs[0]["seconds"]
            out = f"{int(runs[0]['w'])}x{int(runs[0]['h'])} {runs[0]['fps']:g} fps, {runs[0]['size'] / 1e6:.2f} MB"
            print(f"{label:55} {seconds:7.1f}s {elapsed:7.2f}s {seconds / elapsed:11.1f}x {rss:8.0f} MiB  {out}")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process itself, which made the clip: peak {base:.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
