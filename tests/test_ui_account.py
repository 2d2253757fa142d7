"""Signing in and out from the window (the sandbox's consent page driven by a scripted browser), and re-posting."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from auth_helpers import scripted_browser
from ui_helpers import (
    ScriptedPrompts,
    WindowFactory,
    choose_privacy,
    load_good_video,
    sandbox_ctx,
    wait_ready,
)

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def test_sign_in_through_the_browser_shows_the_creator(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data", sign_in=False))
    qtbot.waitUntil(lambda: win.account_bar.sign_in_button.isVisibleTo(win), timeout=10_000)
    urls: list[str] = []
    browser = scripted_browser()

    def opener(url: str) -> bool:
        urls.append(url)
        return browser(url)

    win.accounts.browser_opener = opener
    win.account_bar.sign_in_button.click()
    assert win.accounts.sign_in_dialog is not None
    wait_ready(qtbot, win)
    assert win.accounts.sign_in_dialog is None  # closed by itself once TikTok redirected back
    assert urls and urls[0].startswith(sandbox.auth_url)
    assert win.accounts.account is not None and win.account_bar.account_button.isVisibleTo(win)
    assert win.account_bar.nickname.text() == "Sandbox Creator"
    assert win.account_bar.username.text() == "@sandbox.creator"
    assert "Sandbox Creator" in win.page.form.creator_label.text()


def test_cancelling_sign_in_stops_waiting(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory) -> None:
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data", sign_in=False))
    opened = threading.Event()
    win.accounts.browser_opener = lambda url: opened.set() or True  # the user never approves
    win.accounts.sign_in()
    dialog = win.accounts.sign_in_dialog
    assert dialog is not None
    assert opened.wait(10)
    qtbot.waitUntil(lambda: dialog.url.text().startswith(sandbox.auth_url), timeout=5_000)
    dialog.reject()
    qtbot.waitUntil(lambda: win.accounts.sign_in_dialog is None, timeout=5_000)
    assert win.accounts.account is None
    assert "cancelled" in win.statusBar().currentMessage().lower()


def test_sign_out_forgets_the_account(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory) -> None:
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    win.set_prompts(ScriptedPrompts(sign_out=True))
    win.accounts.sign_out()
    qtbot.waitUntil(
        lambda: win.accounts.account is None and win.account_bar.nickname.text() == "Not signed in", timeout=10_000
    )
    assert win.account_bar.sign_in_button.isVisibleTo(win)
    assert not win.page.form.post_button.isEnabled()


def test_posting_the_same_file_twice_asks_first(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    win = make_window(sandbox_ctx(sandbox, tmp_path / "data"))
    wait_ready(qtbot, win)
    prompts = ScriptedPrompts(repost=True)
    win.set_prompts(prompts)
    asked = prompts.asked
    results: list[Any] = []
    win.controller.finished.connect(results.append)
    progress = win.page.progress
    for expected in (1, 2):
        load_good_video(qtbot, win)
        choose_privacy(win.page.form, "SELF_ONLY")
        qtbot.waitUntil(win.page.form.post_button.isEnabled, timeout=10_000)
        win.page.form.post_button.click()
        try:
            qtbot.waitUntil(lambda n=expected: len(results) == n, timeout=20_000)  # noqa: B023
        except Exception as exc:
            state = (progress.stage_label.text(), progress.message_label.text(), asked, win.controller.is_busy())
            raise AssertionError(f"post {expected} did not finish: {state}") from exc
        qtbot.waitUntil(lambda: not win.controller.is_busy(), timeout=10_000)
    assert len(asked) == 1 and "Posted on" in asked[0] and "@sandbox.creator" in asked[0]
    assert results[0].publish_id != results[1].publish_id


def test_history_resumes_polling_an_unfinished_post(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    from ui_helpers import GOOD

    from core.models import PostSettings
    from core.session import PostRequest, Session

    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    with Session(ctx) as session:  # as if the app quit while TikTok was processing the video
        result = session.publish(PostRequest(GOOD, PostSettings(privacy_level="SELF_ONLY"), wait=False))
    assert result.status == "PROCESSING_UPLOAD"
    win = make_window(ctx)
    qtbot.waitUntil(lambda: len(win.history.rows) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: win.history.rows[0].status == "PUBLISH_COMPLETE", timeout=20_000)
    assert win.history.rows[0].publish_id == result.publish_id


def test_a_stale_stored_avatar_url_is_replaced_by_creator_infos(
    qtbot: Any, sandbox: Any, tmp_path: Path, make_window: WindowFactory
) -> None:
    """Avatar URLs expire (TikTok: 2 h; the sandbox's carry the port of the run that made them)."""
    from core.auth import AccountRegistry

    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    registry = AccountRegistry(ctx.config.data_dir)
    (account,) = registry.accounts()
    registry.upsert(replace(account, avatar_url="http://127.0.0.1:9/avatar/?open_id=gone"))
    win = make_window(ctx)
    wait_ready(qtbot, win)
    qtbot.waitUntil(win.account_bar.has_avatar, timeout=10_000)
    assert win.accounts.creator is not None and win.accounts.avatar_url == win.accounts.creator.avatar_url
    assert win.accounts.creator.avatar_url.startswith(sandbox.base_url)
