""" "Make it TikTok-ready": plan_fix() decides what a video needs, convert() writes H.264 High + AAC in MP4 (PyAV)."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error

from core.errors import Cancelled, InputError
from core.media import Report, fmt
from core.media.decode import DecodeError, VideoInfo, probe
from core.media.probe import MediaFacts
from core.media.rules import ACCEPTED_CODECS, ACCEPTED_CONTAINERS, Limits, Problem

# Blocking problems a re-encode fixes; anything else blocking (not a video, unreadable, cut short) it cannot.
FIXABLE = frozenset({"container", "codec", "frame_rate", "resolution", "duration", "file_size", "hdr"})
PADS = ("none", "black", "blur")
PRESET = "superfast"  # x264: ~1.6x faster than veryfast here (1.7x real time for 1080x1920 on 2 cores); bits are capped
CRF = 21
SIZE_BUDGET = 3_600_000_000  # bytes of video+audio aimed for: 10% under TikTok's 4 GB, for the muxer and VBV slack
MAX_BITS_PER_PIXEL = 0.14  # a quality ceiling: ~8.7 Mbit/s for 1080x1920 at 30 fps
AUDIO_BITRATE = 128_000
END_MARGIN_S = 0.1  # a trim to the creator's limit ends this much earlier (AAC priming can add ~20 ms)
FIT_LONG_SIDE = 1920  # a picture over 4096 px is brought to this long side (TikTok shows at most 1080x1920)

Progress = Callable[[float, float], None]  # (seconds of output written, seconds in total)


class NothingToFix(InputError):
    """The video already passes preflight; no file is written."""


@dataclass(frozen=True)
class FixPlan:
    """Everything convert() needs, decided up front (on the caller's thread) and never changed while it runs."""

    source: str
    width: int  # output picture (even), rotation baked in
    height: int
    fps: Fraction
    start_s: float
    end_s: float
    pad: str  # "none", "black" or "blur": a landscape picture in a 9:16 frame
    content_w: int  # the picture inside the frame (== width/height unless padded)
    content_h: int
    rotation: int  # clockwise degrees to turn the stored picture
    video_bitrate: int  # the VBV ceiling (bits/s)
    audio: bool
    hdr: bool
    fixes: tuple[Problem, ...] = ()
    changes: tuple[str, ...] = field(default=())

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


def parse_time(text: str) -> float:
    """'65', '65.5', '1:05', '0:01:05.5' -> seconds. Raises ValueError."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or any(p.strip() == "" for p in parts):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        value = float(part)
        if not math.isfinite(value) or value < 0:
            raise ValueError(text)
        seconds = seconds * 60 + value
    return seconds


def parse_range(text: str) -> tuple[float, float]:
    """'5-65', '0:05-1:05', '5-' (to the end as far as the limit allows) -> (start, end); end may be inf."""
    if "-" not in text:
        raise ValueError(text)
    left, right = text.split("-", 1)
    start = parse_time(left) if left.strip() else 0.0
    end = parse_time(right) if right.strip() else math.inf
    if end <= start:
        raise ValueError(text)
    return start, end


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _frame_size(width: int, height: int, limits: Limits) -> tuple[int, int]:
    """Each side within limits, aspect kept: big pictures to a 1920 long side, small ones up to the minimum."""
    w, h = float(width), float(height)
    if max(w, h) > limits.max_side:
        scale = min(FIT_LONG_SIDE, limits.max_side) / max(w, h)
        w, h = w * scale, h * scale
    if min(w, h) < limits.min_side:
        scale = limits.min_side / min(w, h)
        w, h = w * scale, h * scale
    if max(w, h) > limits.max_side:  # extreme aspect ratios: squeeze the long side (the rest is padding-free)
        if w > h:
            w = limits.max_side
        else:
            h = limits.max_side
    out_w, out_h = _even(w), _even(h)
    # Rounding must never leave a side outside the limits.
    out_w = min(max(out_w, limits.min_side + limits.min_side % 2), limits.max_side)
    out_h = min(max(out_h, limits.min_side + limits.min_side % 2), limits.max_side)
    return out_w, out_h


def _portrait_frame(width: int, height: int, limits: Limits) -> tuple[int, int, int, int]:
    """A 9:16 frame for a landscape picture: (frame_w, frame_h, picture_w, picture_h)."""
    frame_w = min(1080, max(limits.min_side, _even(min(width, height) if width > height else width)))
    frame_w = _even(frame_w)
    frame_h = _even(frame_w * 16 / 9)
    pic_w = frame_w
    pic_h = _even(frame_w * height / width)
    return frame_w, frame_h, pic_w, min(pic_h, frame_h)


COMMON_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
                Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60))  # fmt: skip


def _rate(fps: float, limits: Limits) -> Fraction:
    """The output's constant rate: the source's when it is a common one in range; a variable or odd average goes
    up to the next common rate; under 23 fps becomes 30, over 60 becomes 60."""
    if not math.isfinite(fps) or fps <= 0 or fps < limits.min_fps:
        return Fraction(30)
    if fps > limits.max_fps:
        return Fraction(60) if limits.max_fps >= 60 else Fraction(int(limits.max_fps))
    for rate in COMMON_RATES:
        if abs(float(rate) - fps) < 0.01:
            return rate
    return next((r for r in COMMON_RATES if r.denominator == 1 and r >= fps and r <= limits.max_fps), Fraction(30))


def _bitrate(width: int, height: int, fps: Fraction, duration_s: float, audio: bool) -> int:
    quality = int(width * height * float(fps) * MAX_BITS_PER_PIXEL)
    budget = int(SIZE_BUDGET * 8 / max(duration_s, 1.0)) - (AUDIO_BITRATE if audio else 0)
    return max(200_000, min(quality, budget))


def _format_notes(facts: MediaFacts) -> tuple[Problem, ...]:
    """What `check` accepts but a TikTok-ready copy changes: H.264 in MP4 is what TikTok recommends."""
    notes = []
    if facts.video_codec in ACCEPTED_CODECS and facts.video_codec != "h264":
        message = f"Video codec is {fmt.codec(facts.video_codec)}; H.264 is what TikTok recommends."
        notes.append(Problem("not_h264", False, message, "Convert it to H.264."))
    if facts.container in ACCEPTED_CONTAINERS and facts.container != "mp4":
        message = f"The file is {fmt.container(facts.container)}; MP4 is what TikTok recommends."
        notes.append(Problem("not_mp4", False, message, "Convert it to MP4."))
    return tuple(notes)


def plan_fix(
    report: Report,
    limits: Limits,
    trim: tuple[float, float] | None = None,
    pad: str = "none",
) -> FixPlan:
    """What to write for `report`'s video under `limits`. Raises InputError when it can't be fixed, NothingToFix
    when nothing needs to change (and neither a trim nor a 9:16 frame was asked for)."""
    facts = report.facts
    if facts is None:
        first = report.problems[0] if report.problems else None
        raise InputError(first.message if first else "The video could not be inspected.", first.fix if first else "")
    unfixable = [p for p in report.blocking if p.code not in FIXABLE]
    if unfixable:
        raise InputError(f"Can't make this TikTok-ready: {unfixable[0].message}", unfixable[0].fix)
    fixes = tuple(p for p in report.problems if p.code in FIXABLE) + _format_notes(facts)
    if not fixes and trim is None and pad == "none":
        raise NothingToFix("Nothing to fix: TikTok should accept this video as it is.", "No file was written.")
    try:
        info = probe(report.path)
    except DecodeError as exc:
        raise InputError(f"Can't make this TikTok-ready: {exc.message}", exc.hint) from exc
    return _plan(report, info, limits, fixes, trim, pad)


def _plan(
    report: Report,
    info: VideoInfo,
    limits: Limits,
    fixes: tuple[Problem, ...],
    trim: tuple[float, float] | None,
    pad: str,
) -> FixPlan:
    facts = report.facts
    assert facts is not None
    total = (facts.duration_s if facts.duration_s is not None else info.duration_ms / 1000) or 0.0
    changes: list[str] = []
    limit = limits.max_duration_s - END_MARGIN_S
    if trim is not None:
        start = trim[0]
        if total > 0 and start >= total - 0.001:
            raise InputError(
                f"The range starts at {fmt.duration(start)}, but the video is {fmt.duration(total)} long.",
                "Pick a start inside the video.",
            )
        end = min(trim[1], total) if math.isfinite(trim[1]) and total > 0 else (total or trim[1])
        if end - start > limits.max_duration_s + 1e-6:
            raise InputError(
                f"The range {fmt.duration(start)}-{fmt.duration(end)} is {fmt.duration(end - start)} long; "
                f"{limits.duration_rule()}.",
                f"Pick a range of at most {fmt.duration(limits.max_duration_s)}.",
            )
        if end <= start:
            raise InputError(f"The range starts at {fmt.duration(start)}, after the video's end.", "Pick a range.")
        end = min(end, start + limit)  # exactly the limit: a hair shorter, so the measured duration stays inside
        changes.append(f"trimmed to {fmt.duration(start)}-{fmt.duration(end)}")
    else:
        start, end = 0.0, total
        if total > limits.max_duration_s:
            end = limit
            changes.append(f"trimmed to the first {fmt.duration(end)} ({limits.duration_rule()})")
    width, height = _frame_size(info.width, info.height, limits)
    if (width, height) != (info.width, info.height):
        changes.append(f"picture {info.width}x{info.height} -> {width}x{height} px")
    content_w, content_h = width, height
    if pad != "none" and width > height:
        width, height, content_w, content_h = _portrait_frame(content_w, content_h, limits)
        changes.append(f"framed in {width}x{height} (9:16) with {'blurred' if pad == 'blur' else 'black'} bars")
    else:
        pad = "none"
    fps = _rate(info.fps, limits)
    if facts.frame_rate is not None and abs(float(fps) - facts.frame_rate) > 0.01:
        changes.append(f"frame rate {fmt.fps(facts.frame_rate)} -> {fmt.fps(float(fps))}")
    if info.rotation:
        changes.append(f"rotation ({info.rotation} deg) baked into the picture")
    hdr = facts.hdr or (facts.bit_depth or 8) > 8
    if hdr:
        changes.append("10-bit/HDR -> 8-bit SDR (BT.709)")
    changes.append("H.264 High + AAC in MP4")
    bitrate = _bitrate(width, height, fps, end - start, info.has_audio)
    return FixPlan(
        source=report.path,
        width=width,
        height=height,
        fps=fps,
        start_s=start,
        end_s=end,
        pad=pad,
        content_w=content_w,
        content_h=content_h,
        rotation=info.rotation,
        video_bitrate=bitrate,
        audio=info.has_audio,
        hdr=hdr,
        fixes=fixes,
        changes=tuple(changes),
    )


def output_path(source: str | os.PathLike[str], wanted: str | os.PathLike[str] | None = None) -> Path:
    """Where the fixed copy goes: `wanted`, or NAME.tiktok.mp4 next to the source (NAME.tiktok-2.mp4, ... if taken).

    Raises InputError when `wanted` exists or is the source: a user's file is never overwritten.
    """
    src = Path(source)
    if wanted is not None:
        out = Path(wanted)
        if out.exists() or (out.resolve() == src.resolve()):
            raise InputError(f"{out} already exists; Clipship never overwrites a file.", "Give another -o name.")
        if not out.parent.is_dir():
            raise InputError(f"There is no folder {out.parent} to write {out.name} in.", "Give another -o path.")
        return out
    stem = src.stem
    for n in range(1, 1000):
        out = src.with_name(f"{stem}.tiktok.mp4" if n == 1 else f"{stem}.tiktok-{n}.mp4")
        if not out.exists():
            return out
    raise InputError(f"Too many fixed copies of {src.name} already exist.", "Remove some, or give -o OUT.")


def _place(tmp: str, out: Path) -> Path:
    """Move the finished temporary file to `out` without ever replacing an existing file."""
    try:
        os.link(tmp, out)
    except FileExistsError:
        raise InputError(f"{out} appeared while converting; Clipship never overwrites a file.", "Try again.") from None
    except OSError:  # no hard links on this file system: a rename (POSIX would replace, so check first)
        if out.exists():
            raise InputError(
                f"{out} appeared while converting; Clipship never overwrites a file.", "Try again."
            ) from None
        os.replace(tmp, out)
        return out
    os.unlink(tmp)
    return out


def convert(
    plan: FixPlan,
    out: str | os.PathLike[str],
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
    threads: int | None = None,
) -> Path:
    """Write plan's result to `out` (which must not exist). A temporary file in the same folder is renamed into
    place only when complete; cancel, Ctrl-C or any error removes it. Raises Cancelled, InputError."""
    target = Path(out)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".part.mp4", dir=target.parent)
    except OSError as exc:
        raise InputError(
            f"Can't write in {target.parent} ({exc.strerror or exc}).", "Choose another place for the copy (-o OUT)."
        ) from exc
    os.close(fd)
    try:
        _Converter(plan, tmp, on_progress, cancel, threads or os.cpu_count() or 2).run()
        with contextlib.suppress(OSError):  # the copy gets the original's permissions (mkstemp makes it 0600)
            os.chmod(tmp, os.stat(plan.source).st_mode & 0o666)
        return _place(tmp, target)
    except av.error.FFmpegError as exc:
        raise InputError(f"Could not convert {Path(plan.source).name}: {exc}", "Check the file plays.") from exc
    except OSError as exc:  # the disk filled up, the folder went away
        message = f"Could not write {target.name}: {exc.strerror or exc}."
        raise InputError(message, "Free some space, or choose another place (-o OUT).") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _decoded(packet: Any) -> list[Any]:
    return list(packet.decode())


class _Converter:
    """One conversion: demux, decode, filter, encode, mux. Runs on the caller's thread."""

    def __init__(
        self, plan: FixPlan, tmp: str, progress: Progress | None, cancel: threading.Event | None, threads: int
    ):
        self.plan = plan
        self.tmp = tmp
        self.progress = progress
        self.cancel = cancel
        self.threads = threads
        self._last_report = 0.0
        frames = max(1, math.ceil(plan.duration_s * float(plan.fps) - 1e-6))
        self._end = Fraction(frames) / plan.fps

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("Conversion cancelled; no file was written.")

    def run(self) -> None:
        plan = self.plan
        with (
            av.open(plan.source, "r") as src,
            av.open(self.tmp, "w", format="mp4", options={"movflags": "+faststart"}) as dst,
        ):
            vin = src.streams.video[0]
            vin.thread_type = "AUTO"
            ain = src.streams.audio[0] if plan.audio and src.streams.audio else None
            vout = self._video_stream(dst)
            aout, resampler = self._audio_stream(dst, ain) if ain is not None else (None, None)
            if plan.start_s > 0:
                src.seek(int(plan.start_s * 1_000_000), backward=True, any_frame=False)
            graph: tuple[Any, Any] | None = None
            start_pts_s = plan.start_s
            last: tuple[Any, float] | None = None
            held: Any = None  # the last frame before the start: shown at 0 when no frame falls exactly on it
            video_done = False
            audio_done = ain is None
            samples = 0
            streams = [vin] + ([ain] if ain is not None else [])
            for packet in src.demux(*streams):
                self._check_cancel()
                if video_done and audio_done:
                    break
                if packet.stream.type == "video":
                    if video_done:
                        continue
                    for frame in _decoded(packet):
                        if frame.time is None:
                            continue
                        t = float(frame.time)
                        if t < start_pts_s - 1e-6:
                            held = frame
                            continue
                        if t >= plan.end_s - 1e-6:
                            video_done = True
                            break
                        if graph is None:
                            graph = self._graph(frame)
                        if held is not None:
                            self._push(graph, held, 0.0, vout, dst)
                            held = None
                        self._push(graph, frame, t - start_pts_s, vout, dst)
                        last = (frame, t - start_pts_s)
                        self._report(t - start_pts_s)
                elif ain is not None and aout is not None and resampler is not None and not audio_done:
                    for aframe in _decoded(packet):
                        if aframe.time is None:
                            continue
                        t = float(aframe.time)
                        if t + aframe.samples / aframe.sample_rate <= start_pts_s:
                            continue
                        if t >= plan.end_s:
                            audio_done = True
                            break
                        aframe.pts = None
                        for out in resampler.resample(aframe):
                            limit = int((plan.end_s - plan.start_s) * aout.codec_context.sample_rate)
                            if samples >= limit:
                                audio_done = True
                                break
                            out.pts = samples
                            out.time_base = Fraction(1, aout.codec_context.sample_rate)
                            samples += out.samples
                            dst.mux(aout.encode(out))
            if graph is None and held is not None:  # a single frame before the start: still show it
                graph = self._graph(held)
                self._push(graph, held, 0.0, vout, dst)
            if graph is not None and last is not None:
                if plan.duration_s > last[1] + 1e-6:  # hold the last picture to the end (fps drops its duration)
                    self._push(graph, last[0], plan.duration_s, vout, dst)
            if graph is not None:
                graph[0].push(None)
                self._drain(graph, vout, dst)
            dst.mux(vout.encode(None))
            if aout is not None and resampler is not None:
                for out in resampler.resample(None):
                    out.pts = samples
                    out.time_base = Fraction(1, aout.codec_context.sample_rate)
                    samples += out.samples
                    dst.mux(aout.encode(out))
                dst.mux(aout.encode(None))
            self._check_cancel()
        if self.progress is not None:
            self.progress(plan.duration_s, plan.duration_s)

    def _report(self, done_s: float) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if now - self._last_report >= 0.1:
            self._last_report = now
            self.progress(min(done_s, self.plan.duration_s), self.plan.duration_s)

    def _video_stream(self, dst: Any) -> Any:
        plan = self.plan
        options = {
            "preset": PRESET,
            "crf": str(CRF),
            "profile": "high",
            "maxrate": str(plan.video_bitrate),
            "bufsize": str(plan.video_bitrate * 2),
            "threads": str(self.threads),
        }
        stream = dst.add_stream("libx264", rate=plan.fps, options=options)
        stream.width = plan.width
        stream.height = plan.height
        stream.pix_fmt = "yuv420p"
        stream.time_base = 1 / plan.fps
        ctx = stream.codec_context
        ctx.time_base = 1 / plan.fps
        ctx.framerate = plan.fps
        if plan.hdr:
            with contextlib.suppress(AttributeError, ValueError, TypeError):
                ctx.color_primaries = 1  # BT.709
                ctx.color_trc = 1
                ctx.colorspace = 1
        return stream

    def _audio_stream(self, dst: Any, ain: Any) -> tuple[Any, Any]:
        rate = ain.codec_context.sample_rate or 48000
        rate = rate if rate in (44100, 48000) else 48000
        channels = ain.codec_context.channels or 2
        layout = "mono" if channels == 1 else "stereo"
        stream = dst.add_stream("aac", rate=rate)
        stream.codec_context.layout = layout
        stream.codec_context.bit_rate = AUDIO_BITRATE if layout == "stereo" else AUDIO_BITRATE // 2
        stream.codec_context.format = "fltp"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=1024)
        return stream, resampler

    def _graph(self, first: Any) -> tuple[Any, Any]:
        """buffer -> turn -> fps -> scale (-> 9:16 frame) -> yuv420p -> sink, for frames like `first`."""
        plan = self.plan
        graph = av.filter.Graph()
        tb = Fraction(1, 90000)
        src = graph.add_buffer(width=first.width, height=first.height, format=first.format, time_base=tb)
        nodes: list[tuple[str, str]] = []
        if plan.rotation == 90:
            nodes.append(("transpose", "clock"))
        elif plan.rotation == 270:
            nodes.append(("transpose", "cclock"))
        elif plan.rotation == 180:
            nodes += [("hflip", ""), ("vflip", "")]
        nodes.append(("fps", f"fps={plan.fps.numerator}/{plan.fps.denominator}"))
        matrix = ":out_color_matrix=bt709" if plan.hdr else ""
        nodes.append(("scale", f"{plan.content_w}:{plan.content_h}:flags=bicubic{matrix}"))
        last = src
        for name, args in nodes:
            node = graph.add(name, args) if args else graph.add(name)
            last.link_to(node)
            last = node
        if plan.pad == "black":
            x, y = (plan.width - plan.content_w) // 2, (plan.height - plan.content_h) // 2
            node = graph.add("pad", f"{plan.width}:{plan.height}:{x}:{y}:black")
            last.link_to(node)
            last = node
        elif plan.pad == "blur":
            split = graph.add("split", "2")
            last.link_to(split)
            small = graph.add("scale", f"{_even(plan.width / 8)}:{_even(plan.height / 8)}")
            blur = graph.add("gblur", "sigma=6")
            big = graph.add("scale", f"{plan.width}:{plan.height}")
            x, y = (plan.width - plan.content_w) // 2, (plan.height - plan.content_h) // 2
            overlay = graph.add("overlay", f"{x}:{y}")
            split.link_to(small, 0, 0)
            small.link_to(blur)
            blur.link_to(big)
            big.link_to(overlay, 0, 0)
            split.link_to(overlay, 1, 1)
            last = overlay
        for name, args in (("setsar", "1"), ("format", "yuv420p")):
            node = graph.add(name, args)
            last.link_to(node)
            last = node
        sink = graph.add("buffersink")
        last.link_to(sink)
        graph.configure()
        return graph, src

    def _push(self, graph: tuple[Any, Any], frame: Any, at_s: float, vout: Any, dst: Any) -> None:
        frame.pts = int(round(at_s * 90000))
        frame.time_base = Fraction(1, 90000)
        graph[0].push(frame)
        self._drain(graph, vout, dst)

    def _drain(self, graph: tuple[Any, Any], vout: Any, dst: Any) -> None:
        while True:
            try:
                out = graph[0].pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            if out.pts is not None and out.time_base and out.pts * out.time_base >= self._end - 1e-6:
                continue  # a frame at or past the end (the held last picture's own slot)
            out.pict_type = av.video.frame.PictureType.NONE
            dst.mux(vout.encode(out))
