"""The window's History tab: past posts from the history database, status polling resumed (a MainWindow mixin)."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Slot

from ui import services


class HistoryMixin:
    """History for MainWindow; every query runs on the window's task runner."""

    # Provided by MainWindow.
    ctx: Any
    runner: Any
    account: Any
    history: Any
    tabs: Any
    page: Any
    _bg_cancel: threading.Event
    _auto_resumed: bool

    # ---- history ----------------------------------------------------------------------------------------------

    @Slot()
    def refresh_history(self) -> None:
        ctx = self.ctx
        self.runner.submit(
            lambda: services.list_history(ctx), on_done=self._on_history, on_error=self._on_history_error
        )

    def _on_history(self, rows: list[Any]) -> None:
        self.history.set_rows(rows)
        self.history.set_status(f"{len(rows)} post{'s' if len(rows) != 1 else ''}" if rows else "")
        if not self._auto_resumed and self.account is not None:
            self._auto_resumed = True  # once per start: follow posts a crash or quit left unfinished
            for row in rows:
                if row.status in services.RESUMABLE:
                    self.resume_status(row.publish_id)

    def _on_history_error(self, exc: BaseException) -> None:
        message, _hint = services.describe_error(exc)
        self.history.set_status(message)

    @Slot(str)
    def resume_status(self, publish_id: str) -> None:
        ctx, account = self.ctx, self.account.account_id if self.account else None
        self.history.set_status("Asking TikTok\u2026")
        self.runner.submit(
            lambda: services.resume_status(ctx, account, publish_id, self._bg_cancel),
            on_done=self._on_resumed,
            on_error=self._on_history_error,
        )

    def _on_resumed(self, status: object) -> None:
        self.history.set_status(f"TikTok says: {status}")
        self.refresh_history()

    @Slot(int)
    def on_tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.history:
            self.refresh_history()

    @Slot()
    def show_post_tab(self) -> None:
        self.tabs.setCurrentWidget(self.page)

    @Slot()
    def show_history_tab(self) -> None:
        self.tabs.setCurrentWidget(self.history)
