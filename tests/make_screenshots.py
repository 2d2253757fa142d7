"""Render the README's screenshots of the window (offscreen, against the embedded sandbox) into docs/screenshots/.

Run: python tests/make_screenshots.py [--queue-only | --photos-only] [--dark] [--size WxH] [--prefix NAME-]
(no display needed, or on a real one with QT_QPA_PLATFORM=xcb; nothing touches your real data dir or keyring)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")


def demo_video(folder: Path) -> Path:
    """A 6 s 720x1280 30 fps H.264 clip of moving colour gradients (needs ffmpeg)."""
    import subprocess

    out = folder / "harbour-sunrise.mp4"
    source = "gradients=s=720x1280:r=30:d=6:c0=0xfe2c55:c1=0x25f4ee:c2=0x161823:nb_colors=3:speed=0.02"
    subprocess.run(
        ["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", source, "-c:v", "libx264",
         "-preset", "fast", "-crf", "28", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out)],
        check=True,
    )  # fmt: skip
    return out


def main() -> int:
    import keyring
    from conftest import MemoryKeyring  # the same in-memory backend the tests use
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    keyring.set_keyring(MemoryKeyring())
    tmp = tempfile.TemporaryDirectory(prefix="clipship-shots-")
    os.environ["CLIPSHIP_DATA_DIR"] = tmp.name
    app = QApplication([])
    from mp4pad import pad_mp4

    from core.auth import sandbox_demo_sign_in
    from core.context import open_context
    from ui.app import apply_style
    from ui.main_window import MainWindow

    apply_style(app)
    if "--dark" in sys.argv:
        from ui.theme import ThemeWatcher

        watcher = app.findChild(ThemeWatcher)
        assert watcher is not None
        watcher.apply_scheme(True)
    width, height = (int(v) for v in _arg("--size", "1180x780").split("x"))
    prefix = _arg("--prefix", "")
    ctx = open_context(sandbox=True)
    assert ctx.sandbox is not None
    ctx.sandbox.config.processing_delay_s = 1.0
    sandbox_demo_sign_in(ctx)
    window = MainWindow(ctx, settings_path=Path(tmp.name) / "window.ini")
    window.resize(width, height)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)

    def spin(seconds: float, until: object = None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if callable(until) and until():
                return

    def shot(name: str) -> None:
        spin(0.3)
        window.grab().save(str(OUT / f"{prefix}{name}.png"))
        print("saved", OUT / f"{prefix}{name}.png")

    spin(5, lambda: window.accounts.creator is not None and not window.accounts.creator_loading)
    if "--queue-only" in sys.argv:
        queue_shot(window, Path(tmp.name), spin, shot)
        return finish(window, ctx, tmp)
    if "--photos-only" in sys.argv:
        photos_shot(window, spin, shot)
        return finish(window, ctx, tmp)
    shot("1-empty")
    video = demo_video(Path(tmp.name))
    window.load_video(video)
    spin(5, lambda: window.page.inspection is not None and not window.accounts.creator_loading)
    spin(1.5)  # the preview frame
    shot("2-checked")
    form = window.page.form
    form.caption.setPlainText("Sunrise over the harbour #sunrise #timelapse @clipship")
    form.privacy.setCurrentIndex(form.privacy.findData("PUBLIC_TO_EVERYONE"))
    form.allow_comment.setChecked(True)
    form.allow_duet.setChecked(True)
    form.disclose.setChecked(True)
    form.your_brand.setChecked(True)
    form.aigc.setChecked(False)
    spin(0.3)
    shot("3-form-filled")
    big = pad_mp4(video, Path(tmp.name) / "harbour-sunrise-4k-master.mp4", 300 * 1024 * 1024)
    window.load_video(big)
    spin(5, lambda: window.page.inspection is not None and not window.accounts.creator_loading)
    form.caption.setPlainText("Sunrise over the harbour #sunrise #timelapse")
    form.privacy.setCurrentIndex(form.privacy.findData("PUBLIC_TO_EVERYONE"))
    form.allow_comment.setChecked(True)
    ctx.sandbox.config.slow_chunk_delay_s = 1.5
    form.post_button.click()
    progress = window.page.progress
    spin(20, lambda: progress.total > 0 and progress.sent > progress.total * 0.4)
    shot("4-uploading")
    ctx.sandbox.config.slow_chunk_delay_s = 0.0
    spin(60, progress.is_finished)
    shot("5-published")
    window.flow.on_dismissed()
    window.load_video(ROOT / "tests" / "media" / "h264_200x200_10fps.mp4")
    spin(5, lambda: window.page.inspection is not None and not window.accounts.creator_loading)
    spin(1.5)
    shot("6-problems")
    window.flow.on_dismissed()
    window.clear_video()
    queue_shot(window, Path(tmp.name), spin, shot)
    photos_shot(window, spin, shot)
    return finish(window, ctx, tmp)


def photos_shot(window: Any, spin: Any, shot: Any) -> None:
    """8-photos: the Photos tab with the sandbox's sample photos (thumbnails, a cover chosen), the form filled."""
    window.show_photos_tab()
    page = window.photo_page
    spin(5, lambda: window.accounts.creator is not None and not window.accounts.creator_loading)
    page.samples_button.click()
    spin(20, lambda: page.urls() and all(not s.checking for s in page.states.values()))
    page.list.setCurrentRow(1)
    page.cover_button.click()
    form = page.form
    form.title.setText("Harbour mornings")
    form.caption.setPlainText("Three frames from the harbour at sunrise #harbour #photo")
    form.privacy.setCurrentIndex(form.privacy.findData("PUBLIC_TO_EVERYONE"))
    form.allow_comment.setChecked(True)
    form.auto_music.setChecked(True)
    spin(0.3)
    shot("8-photos")
    from ui.photo_page import LOCAL_FILES_TEXT

    base = page.urls()[0].rsplit("/media/", 1)[0]
    page.add_urls([f"{base}/media/photo_640x640.png", f"{base.replace('https:', 'http:')}/media/photo_720x720.jpg"])
    spin(20, lambda: all(not s.checking for s in page.states.values()))
    page.list.setCurrentRow(-1)
    page.list.scrollToBottom()
    page.show_drop_message(LOCAL_FILES_TEXT, settings=True)  # as when image files are dropped on the tab
    shot("9-photo-problems")
    for _ in range(2):  # the two refused links off, then posted: the same result panel as a video's
        page.list.setCurrentRow(page.list.count() - 1)
        page.remove_button.click()
    page.show_drop_message("")
    spin(0.3)
    page.form.post_button.click()
    spin(60, page.progress.is_finished)
    page.list.setCurrentRow(-1)
    shot("10-photo-published")


def queue_shot(window: Any, folder: Path, spin: Any, shot: Any) -> None:
    """7-queue: one published now, two scheduled (local time with the zone), one dropped video being set up."""
    from mp4pad import pad_mp4

    from core.models import PostSettings

    source = demo_video(folder)
    names = ["harbour-sunrise", "ferry-crossing", "market-morning", "lighthouse-dusk"]
    (folder / "queue").mkdir(exist_ok=True)
    size = source.stat().st_size
    clips = [pad_mp4(source, folder / "queue" / f"{n}.mp4", size + 4096 * (i + 1)) for i, n in enumerate(names)]
    public = PostSettings(privacy_level="PUBLIC_TO_EVERYONE", title="Sunrise over the harbour #sunrise")
    queue = window.queue
    queue.add_item(clips[0], public, None)
    spin(30, lambda: any(e.state(queue.now()) == "published" and e.post_url for e in queue.entries))
    now = time.time()
    queue.add_item(clips[1], PostSettings(privacy_level="PUBLIC_TO_EVERYONE", title="Ferry"), now + 2 * 3600)
    queue.add_item(clips[2], PostSettings(privacy_level="FOLLOWER_OF_CREATOR", title="Market"), now + 26 * 3600)
    spin(3, lambda: len(queue.entries) >= 3)
    queue.add_files([clips[3]], window.accounts.creator)
    window.show_queue_tab()
    spin(5, lambda: all(not e.checking for e in queue.new_entries))
    form = window.queue_page.form
    form.caption.setPlainText("Lighthouse at dusk #coast")
    spin(3, lambda: bool(window.account_bar.cap_label.text()))
    shot("7-queue")


def _arg(flag: str, default: str) -> str:
    """The value after `flag` on the command line, or `default`."""
    return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv[:-1] else default


def finish(window: Any, ctx: Any, tmp: Any) -> int:
    window.quitting = True  # scheduled items stay queued: no question at the end
    window.close()
    ctx.close()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
