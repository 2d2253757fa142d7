"""Helpers for the window tests: a signed-in sandbox context, a window on it, drops, and form shortcuts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from core.config import Config
from core.context import AppContext
from ui.prompts import Prompts

MEDIA = Path(__file__).parent / "media"
GOOD = MEDIA / "h264_720x1280_30fps.mp4"
BAD_FPS = MEDIA / "h264_200x200_10fps.mp4"


def sandbox_ctx(sandbox: Any, data_dir: Path, sign_in: bool = True) -> AppContext:
    """A sandbox-mode context on the `sandbox` fixture (the fixture owns the server; never close this)."""
    from core.auth import sandbox_demo_sign_in
    from core.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

    sandbox.config.processing_delay_s = 0.05
    sandbox.config.moderation_delay_s = 0.05
    config = Config(
        api_base=sandbox.base_url,
        auth_url=sandbox.auth_url,
        client_key=SANDBOX_CLIENT_KEY,
        client_secret=SANDBOX_CLIENT_SECRET,
        data_dir=data_dir,
        sandbox=True,
    )
    ctx = AppContext(config, sandbox)
    if sign_in:
        sandbox_demo_sign_in(ctx)
    return ctx


class ScriptedPrompts(Prompts):
    """The window's questions answered by the test (no modal box); every question and notice is kept."""

    def __init__(
        self,
        repost: bool = True,
        close: bool = True,
        sign_out: bool = True,
        when: float | None = None,
        keep_in_tray: bool = False,
        quit_pending: bool = True,
        post_missed: bool = True,
    ) -> None:
        self.repost, self.close, self.sign_out = repost, close, sign_out
        self.when, self.keep_in_tray = when, keep_in_tray
        self.quit_pending, self.post_missed = quit_pending, post_missed
        self.asked: list[str] = []
        self.told: list[str] = []

    def ask(self, parent: Any, title: str, text: str, default_yes: bool = False) -> bool:
        raise AssertionError(f"unscripted question: {title}: {text}")

    def tell(self, parent: Any, title: str, text: str) -> None:
        self.told.append(text)

    def warn(self, parent: Any, title: str, text: str) -> None:
        self.told.append(text)

    def ask_repost(self, parent: Any, text: str) -> bool:
        self.asked.append(text)
        return self.repost

    def ask_close_during_upload(self, parent: Any, every_byte_sent: bool) -> bool:
        self.asked.append(f"close (every byte sent: {every_byte_sent})")
        return self.close

    def ask_sign_out(self, parent: Any, label: str) -> bool:
        self.asked.append(f"sign out {label}")
        return self.sign_out

    def ask_sign_out_during_upload(self, parent: Any, label: str) -> bool:
        self.asked.append(f"sign out during upload {label}")
        return self.sign_out

    def ask_when(self, parent: Any, name: str, initial: float | None = None) -> float | None:
        self.asked.append(f"when {name}")
        return self.when

    def ask_keep_in_tray(self, parent: Any, pending: int, next_text: str) -> bool:
        self.asked.append(f"keep in tray ({pending} pending{next_text})")
        return self.keep_in_tray

    def ask_quit_with_pending(self, parent: Any, pending: int, next_text: str) -> bool:
        self.asked.append(f"quit with {pending} pending{next_text}")
        return self.quit_pending

    def ask_post_missed(self, parent: Any, names: list[str]) -> bool:
        self.asked.append(f"post missed: {', '.join(names)}")
        return self.post_missed


class WindowFactory:
    """Makes windows and keeps them alive until the test ends, then closes them (joining their threads)."""

    def __init__(self, qtbot: Any, tmp_path: Path) -> None:
        self.qtbot = qtbot
        self.tmp_path = tmp_path
        self.windows: list[Any] = []

    def __call__(self, ctx: AppContext) -> Any:
        from ui.main_window import MainWindow

        window = MainWindow(ctx, settings_path=self.tmp_path / "window.ini")
        window.set_prompts(ScriptedPrompts())  # no real modal question unless a test asks for one
        self.qtbot.addWidget(window)
        self.windows.append(window)
        window.show()
        return window

    def close_all(self) -> None:
        for window in self.windows:
            window.set_prompts(ScriptedPrompts(close=True))  # a test that ends mid-upload: quit without asking
            window.close()
        self.windows.clear()


def wait_ready(qtbot: Any, window: Any) -> None:
    """Until accounts and fresh creator_info have arrived."""
    accounts = window.accounts
    qtbot.waitUntil(lambda: accounts.creator is not None and not accounts.creator_loading, timeout=10_000)


def drop_files(window: Any, paths: list[Path] | None = None, urls: list[QUrl] | None = None) -> QDropEvent:
    """Drag files onto the window the way a file manager does: enter, then drop (QPointF positions)."""
    mime = QMimeData()
    mime.setUrls(urls if urls is not None else [QUrl.fromLocalFile(str(p)) for p in paths or []])
    pos = QPointF(window.width() / 2, window.height() / 2)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction | Qt.DropAction.LinkAction
    enter = QDragEnterEvent(pos.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return drop


def load_good_video(qtbot: Any, window: Any, path: Path = GOOD) -> None:
    drop_files(window, [path])
    qtbot.waitUntil(lambda: window.page.inspection is not None and window.page.inspection.path == path, timeout=10_000)
    if window.accounts.account is not None:  # showing the form for a video fetches creator_info again: wait
        qtbot.waitUntil(lambda: not window.accounts.creator_loading, timeout=10_000)


def choose_privacy(form: Any, level: str) -> None:
    index = form.privacy.findData(level)
    assert index >= 0, f"{level} is not offered"
    form.privacy.setCurrentIndex(index)


def privacy_item(form: Any, level: str) -> Any:
    model = form.privacy.model()
    return model.item(form.privacy.findData(level))


def window_factory(qtbot: Any, tmp_path: Path) -> Iterator[WindowFactory]:
    """The body of each test module's `make_window` fixture."""
    factory = WindowFactory(qtbot, tmp_path)
    try:
        yield factory
    finally:
        factory.close_all()


def answer_message_box(button: Any, delay_ms: int, give_up_ms: int = 20_000) -> list[str]:
    """After `delay_ms`, click `button` (a QMessageBox.StandardButton) on the REAL modal box then open.

    Polls QApplication.activeModalWidget() every 50 ms (up to `give_up_ms`); returns the texts of the boxes answered.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    answered: list[str] = []
    tries = [give_up_ms // 50]

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.button(button) is not None:
            answered.append(box.text())
            box.button(button).click()
        elif tries[0] > 0:
            tries[0] -= 1
            QTimer.singleShot(50, poll)

    QTimer.singleShot(delay_ms, poll)
    return answered
