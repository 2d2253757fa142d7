"""`clipship --smoke-test`: proves the (frozen) app's native parts work, offscreen, in a few seconds.

Checks, one line each ("ok   <name>: ..." or "FAIL <name>: ..."): Qt starts offscreen with its plugins and
the bundled icons; the keyring backend resolves; libmediainfo loads and inspects the bundled sample video;
PyAV's FFmpeg decodes a frame and encodes one second (no ffmpeg on the PATH needed);
thousands of ("qint64", "qint64") signals from a worker thread arrive on the GUI thread intact (values past
2 GiB included); the main window opens and paints; the embedded sandbox accepts the sample video through
the whole publish pipeline.
Exit code 0 only if every check passed, 1 otherwise.

CLIPSHIP_SMOKE_KEYRING=<text> makes the keyring check also require that the backend's name contains <text>
and, unless it is the fail backend, store, read back and delete a random probe secret (used by CI).
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

import hashlib  # noqa: E402
import secrets  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

SIGNAL_COUNT = 5000
BIG = 3 * 1024**3 + 7  # past 2 GiB and 2**31: what Signal(int, int) would mangle


def resources_dir() -> Path:
    """resources/ next to the code: the checkout, or the frozen app's bundle folder."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) / "resources" if base else Path(__file__).resolve().parents[1] / "resources"


def seconds_since_process_start() -> float | None:
    """Wall time since the kernel started this process (Linux /proc; None elsewhere)."""
    try:
        stat = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - int(stat[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class SmokeState:
    """What the checks share: the QApplication and the sample video."""

    def __init__(self) -> None:
        self.app: Any = None
        self.sample = resources_dir() / "sample.mp4"


def _quiet_qt_messages(kind: Any, context: Any, message: str) -> None:
    """Qt's own messages, minus the offscreen plugin's note that it cannot propagate size hints."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr, flush=True)


def check_qt(state: SmokeState) -> str:
    from PySide6.QtCore import QCoreApplication, qInstallMessageHandler, qVersion
    from PySide6.QtGui import QIcon, QImageReader
    from PySide6.QtWidgets import QApplication

    from core import APP_NAME, APP_ORG

    qInstallMessageHandler(_quiet_qt_messages)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(APP_ORG)
    state.app = QApplication.instance() or QApplication([sys.argv[0]])
    platform = state.app.platformName()
    if platform != "offscreen":
        raise RuntimeError(f"platform plugin is {platform!r}, expected 'offscreen'")
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"png", "ico", "svg"} - formats
    if missing:
        raise RuntimeError(f"image format plugins missing: {sorted(missing)}")
    icon = QIcon()
    for png in sorted((resources_dir() / "icons").glob("clipship-*.png")):
        icon.addFile(str(png))
    if icon.isNull() or icon.pixmap(64, 64).isNull():
        raise RuntimeError(f"app icon did not load from {resources_dir() / 'icons'}")
    state.app.setWindowIcon(icon)
    return f"Qt {qVersion()}, platform {platform}, {len(icon.availableSizes())} icon sizes"


def check_keyring(state: SmokeState) -> str:
    import keyring

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    expected = os.environ.get("CLIPSHIP_SMOKE_KEYRING", "")
    if expected and expected not in name:
        raise RuntimeError(f"backend is {name}, expected one matching {expected!r}")
    if expected and "fail" not in name:
        service, user, probe = "clipship-smoke-test", "probe", secrets.token_hex(8)
        keyring.set_password(service, user, probe)
        try:
            if keyring.get_password(service, user) != probe:
                raise RuntimeError(f"{name} returned a different secret than it stored")
        finally:
            keyring.delete_password(service, user)
        return f"{name} (store/read/delete round trip ok)"
    return name


def check_mediainfo(state: SmokeState) -> str:
    from pymediainfo import MediaInfo

    from core.media import preflight

    if not MediaInfo.can_parse():
        raise RuntimeError("libmediainfo could not be loaded")
    if not state.sample.is_file():
        raise RuntimeError(f"bundled sample video missing: {state.sample}")
    report = preflight(state.sample)
    facts = report.facts
    if facts is None or not report.accepted:
        raise RuntimeError(f"sample video fails preflight: {[p.message for p in report.blocking]}")
    return (
        f"{state.sample.name}: {facts.container} {facts.video_codec} {facts.width}x{facts.height} "
        f"{facts.frame_rate:g} fps {facts.duration_s:g} s, accepted"
    )


def check_codecs(state: SmokeState) -> str:
    """PyAV's bundled FFmpeg: decode the sample's frame at 0.5 s exactly, and encode one second of H.264 + AAC."""
    import shutil

    import av

    from core.media import Limits, preflight
    from core.media.convert import convert, plan_fix
    from core.media.decode import frame_at

    t0 = time.perf_counter()
    frame = frame_at(state.sample, 500, 320, 320)
    if frame is None or frame.pts_ms != 500 or len(frame.data) != frame.stride * frame.height:
        raise RuntimeError(f"decoding the frame at 0.5 s gave {frame!r:.80}")
    decode_ms = (time.perf_counter() - t0) * 1000
    with tempfile.TemporaryDirectory(prefix="clipship-smoke-") as tmp:
        plan = plan_fix(preflight(state.sample), Limits(), trim=(0.0, 1.0))
        t0 = time.perf_counter()
        out = convert(plan, Path(tmp) / "one-second.mp4")
        encode_ms = (time.perf_counter() - t0) * 1000
        report = preflight(out)
        facts = report.facts
        if facts is None or not report.accepted or facts.video_codec != "h264":
            raise RuntimeError(f"the encoded second is not TikTok-ready: {[p.message for p in report.blocking]}")
        _encode_silence(Path(tmp) / "silence.m4a")  # the sample has no sound: prove the AAC encoder on its own
    on_path = shutil.which("ffmpeg")
    libavcodec = ".".join(map(str, av.library_versions["libavcodec"]))
    return (
        f"libavcodec {libavcodec} (PyAV {av.__version__}): frame at 500 ms decoded in "
        f"{decode_ms:.0f} ms; 1 s encoded to H.264 ({facts.duration_s:g} s) in {encode_ms:.0f} ms, AAC ok; "
        f"ffmpeg on PATH: {on_path or 'none'}"
    )


def _encode_silence(path: Path) -> None:
    """One second of AAC silence (mono, 48 kHz), through the bundled encoder and muxer."""
    import av

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=48000)
        stream.codec_context.layout = "mono"
        for i in range(47):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
            frame.planes[0].update(bytes(4 * 1024))
            frame.sample_rate = 48000
            frame.pts = i * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    if path.stat().st_size < 100:
        raise RuntimeError("the AAC encoder wrote nothing")


def check_signals(state: SmokeState) -> str:
    from PySide6.QtCore import QEventLoop, QObject, QThread, QTimer, Signal, Slot

    from ui.qt_types import INT64

    expected = [(i, BIG + i * 1_000_003) for i in range(SIGNAL_COUNT)] + [(2**63 - 1, -(2**63))]

    class Emitter(QObject):
        """Lives on a worker thread. Signals: progress(qint64, qint64), done()."""

        progress = Signal(INT64, INT64)
        done = Signal()

        @Slot()
        def run(self) -> None:
            for a, b in expected:
                self.progress.emit(a, b)
            self.done.emit()

    class Receiver(QObject):
        """Lives on the GUI thread; records what arrives and on which thread."""

        def __init__(self, loop: QEventLoop) -> None:
            super().__init__()
            self.loop = loop
            self.gui_thread = threading.get_ident()
            self.values: list[tuple[int, int]] = []
            self.off_thread = 0
            self.finished = False

        @Slot(INT64, INT64)
        def on_emitter_progress(self, a: int, b: int) -> None:
            self.off_thread += threading.get_ident() != self.gui_thread
            self.values.append((a, b))

        @Slot()
        def on_emitter_done(self) -> None:
            self.finished = True
            self.loop.quit()

    loop = QEventLoop()
    receiver = Receiver(loop)
    thread = QThread()
    emitter = Emitter()
    emitter.moveToThread(thread)
    emitter.progress.connect(receiver.on_emitter_progress)
    emitter.done.connect(receiver.on_emitter_done)
    thread.started.connect(emitter.run)
    QTimer.singleShot(20_000, loop.quit)
    thread.start()
    loop.exec()
    thread.quit()
    thread.wait(5000)
    if not receiver.finished:
        raise RuntimeError(f"timed out: {len(receiver.values)} of {len(expected)} signals arrived")
    if receiver.off_thread:
        raise RuntimeError(f"{receiver.off_thread} slots ran off the GUI thread")
    if receiver.values != expected:
        wrong = next(i for i, (x, y) in enumerate(zip(receiver.values, expected, strict=False)) if x != y)
        raise RuntimeError(f"signal {wrong} carried {receiver.values[wrong]}, expected {expected[wrong]}")
    return f"{len(expected)} qint64 pairs (up to {expected[-2][1]}) arrived in order on the GUI thread"


def check_pipeline(state: SmokeState) -> str:
    from core.api import TikTokClient
    from core.config import Config
    from core.context import StaticToken, open_context
    from core.models import PostSettings
    from core.pipeline import publish

    progress: list[tuple[int, int]] = []
    stages: list[str] = []
    data = state.sample.read_bytes()
    with tempfile.TemporaryDirectory(prefix="clipship-smoke-") as tmp:
        with open_context(sandbox=True, config=Config(data_dir=Path(tmp))) as ctx:
            sandbox = ctx.sandbox
            assert sandbox is not None
            sandbox.config.processing_delay_s = 0.05
            sandbox.config.moderation_delay_s = 0.05
            token = StaticToken(str(sandbox.issue_token()["access_token"]))
            with TikTokClient(ctx.config, token) as client:
                result = publish(
                    client,
                    state.sample,
                    PostSettings(privacy_level="SELF_ONLY", title="Clipship smoke test"),
                    on_stage=lambda stage, detail: stages.append(str(stage)),
                    on_progress=lambda done, total: progress.append((done, total)),
                    poll_intervals=(0.1,),
                    max_wait_s=20.0,
                )
            received = sandbox.received(result.publish_id)
            received_sha256 = received.sha256  # read from the stored bytes, while the sandbox still has them
    if result.status != "PUBLISH_COMPLETE":
        raise RuntimeError(f"publish ended with {result.status} ({result.fail_reason})")
    if received.size != len(data) or received_sha256 != hashlib.sha256(data).hexdigest():
        raise RuntimeError("the sandbox received different bytes than were sent")
    if not progress or progress[-1] != (len(data), len(data)):
        raise RuntimeError(f"progress did not reach {len(data)} bytes: {progress[-1:]}")
    steps = ">".join(dict.fromkeys(stages))
    return f"{result.status}, {received.size} bytes in {result.chunk_count} chunk(s), {steps}"


def check_window(state: SmokeState) -> str:
    """The real main window (sandbox mode, a temporary data dir): built, shown, painted, then closed."""
    from PySide6.QtCore import QEventLoop, QTimer

    from core.config import Config
    from core.context import open_context
    from ui.app import apply_style
    from ui.main_window import MainWindow

    apply_style(state.app)
    with tempfile.TemporaryDirectory(prefix="clipship-smoke-") as tmp:
        with open_context(sandbox=True, config=Config(data_dir=Path(tmp))) as ctx:
            t0 = time.perf_counter()
            window = MainWindow(ctx)
            window.show()
            shown_ms = (time.perf_counter() - t0) * 1000
            since_start = seconds_since_process_start()
            loop = QEventLoop()
            QTimer.singleShot(300, loop.quit)  # let start-up tasks (accounts, history) run and report back
            loop.exec()
            picture = window.grab()
            visible, title = window.isVisible(), window.windowTitle()
            window.close()
            window.deleteLater()
            QTimer.singleShot(0, loop.quit)
            loop.exec()
    if not visible or picture.isNull() or picture.width() < 200:
        raise RuntimeError(f"main window not shown (visible={visible}, grab {picture.width()}x{picture.height()})")
    when = f", {since_start:.2f} s after process start" if since_start is not None else ""
    return f"{title!r} {picture.width()}x{picture.height()} shown in {shown_ms:.0f} ms{when}"


CHECKS: list[tuple[str, Callable[[SmokeState], str]]] = [
    ("qt", check_qt),
    ("keyring", check_keyring),
    ("mediainfo", check_mediainfo),
    ("codecs", check_codecs),
    ("signals", check_signals),
    ("window", check_window),
    ("pipeline", check_pipeline),
]


def run_smoke_test(out: Any = None) -> int:
    """Run every check, print one line each, return 0 if all passed."""
    out = out or sys.stdout
    started = time.perf_counter()
    failed: list[str] = []
    state = SmokeState()
    for name, check in CHECKS:
        t0 = time.perf_counter()
        try:
            detail = check(state)
        except BaseException as exc:  # the smoke test's own boundary: report the check, keep going
            failed.append(name)
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=out, flush=True)
            if os.environ.get("CLIPSHIP_SMOKE_DEBUG"):
                traceback.print_exc()
            if isinstance(exc, KeyboardInterrupt):
                break
            continue
        print(f"ok   {name}: {detail} [{(time.perf_counter() - t0) * 1000:.0f} ms]", file=out, flush=True)
    since_start = seconds_since_process_start()
    total = f"{time.perf_counter() - started:.2f} s" + (
        f", {since_start:.2f} s since process start" if since_start else ""
    )
    if failed:
        print(f"smoke test FAILED ({', '.join(failed)}) in {total}", file=out, flush=True)
        return 1
    print(f"smoke test passed: {len(CHECKS)} checks in {total}", file=out, flush=True)
    return 0
