"""GUI speed figures (a script, not a test): time to the first window, and the longest event-loop stall
while a 1 GB video uploads to the embedded sandbox.

Run: python tests/bench_gui.py [--runs 5] [--size-mb 1024] [--store]

By default the sandbox checks every chunk but drops its bytes (discard_uploads), as a remote TikTok costs this
machine nothing to receive them; --store has it write them to disk as `--sandbox` does, which on these VMs
(slow first touch of fresh memory) shows up as longer stalls.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def startup(runs: int) -> list[float]:
    """Wall time from starting `python main.py --sandbox` to the window being shown (one warm-up run first)."""
    times = []
    for i in range(runs + 1):
        with tempfile.TemporaryDirectory(prefix="clipship-bench-") as tmp:
            env = dict(os.environ, CLIPSHIP_DATA_DIR=tmp, CLIPSHIP_EXIT_AFTER_SHOW="1")
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
            env.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "main.py"), "--sandbox"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("clipship: window shown"):
                    elapsed = time.perf_counter() - t0
                    break
            else:
                raise SystemExit("the window was never shown")
            proc.wait(30)
            if i:  # the first run warms the disk cache
                times.append(elapsed)
    return times


def stall(size_mb: int, store: bool = False) -> dict[str, float]:
    """Post a `size_mb` video through the window while a 5 ms QTimer measures how late each tick fires."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    tmp = tempfile.TemporaryDirectory(prefix="clipship-bench-")
    os.environ["CLIPSHIP_DATA_DIR"] = tmp.name
    import keyring
    from keyring.backend import KeyringBackend
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    keyring.set_keyring(MemoryKeyring())
    app = QApplication([])
    from mp4pad import pad_mp4

    from core.auth import sandbox_demo_sign_in
    from core.context import open_context
    from ui.main_window import MainWindow

    ctx = open_context(sandbox=True)
    assert ctx.sandbox is not None
    ctx.sandbox.config.processing_delay_s = 0.2
    ctx.sandbox.config.discard_uploads = not store  # the window is measured, not this machine writing 1 GB
    sandbox_demo_sign_in(ctx)
    video = pad_mp4(ROOT / "tests" / "media" / "h264_720x1280_30fps.mp4", Path(tmp.name) / "big.mp4", size_mb * 2**20)
    window = MainWindow(ctx, settings_path=Path(tmp.name) / "window.ini")
    window.show()

    def spin_until(cond: object, limit: float) -> None:
        end = time.monotonic() + limit
        while time.monotonic() < end and not (callable(cond) and cond()):
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    window.load_video(video)
    spin_until(
        lambda: (
            window.page.inspection is not None
            and window.accounts.creator is not None
            and not window.accounts.creator_loading
        ),
        20,
    )
    form = window.page.form
    form.privacy.setCurrentIndex(form.privacy.findData("SELF_ONLY"))
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(tick)
    done = [False]
    window.controller.idle.connect(lambda: done.__setitem__(0, True))
    t0 = time.perf_counter()
    probe.start()
    last[0] = time.perf_counter()
    form.post_button.click()
    loop = QEventLoop()
    window.controller.idle.connect(loop.quit)
    QTimer.singleShot(600_000, loop.quit)
    loop.exec()  # a real event loop, as the app runs
    probe.stop()
    elapsed = time.perf_counter() - t0
    status = window.page.progress.stage_label.text()
    window.close()
    ctx.close()
    tmp.cleanup()
    gaps.sort()
    return {
        "upload_s": elapsed,
        "status": status,  # type: ignore[dict-item]
        "ticks": len(gaps),
        "max_stall_ms": (gaps[-1] - 0.005) * 1000,
        "p99_gap_ms": gaps[int(len(gaps) * 0.99)] * 1000,
        "median_gap_ms": statistics.median(gaps) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--store", action="store_true", help="the sandbox stores the bytes (as --sandbox does)")
    args = parser.parse_args()
    times = startup(args.runs)
    print(f"start-up to window shown (warm, {len(times)} runs): median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s")  # fmt: skip
    figures = stall(args.size_mb, args.store)
    how = "storing" if args.store else "dropping"
    print(f"{args.size_mb} MB upload through the window (sandbox {how} the bytes): {figures['upload_s']:.1f} s, "
          f"ended '{figures['status']}'; "
          f"event loop over {figures['ticks']} ticks of a 5 ms timer: longest stall {figures['max_stall_ms']:.1f} ms, "
          f"p99 gap {figures['p99_gap_ms']:.1f} ms, median gap {figures['median_gap_ms']:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
