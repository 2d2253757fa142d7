"""The window's History tab: past attempts from the Session, Check status and Resume (a MainWindow mixin)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot

from core.attempt import PENDING_AT_TIKTOK
from core.history import Attempt
from core.session import describe
from ui import services


class HistoryMixin:
    """History for MainWindow; every query runs on the window's task runner."""

    # Provided by MainWindow.
    session: Any
    runner: Any
    account: Any
    history: Any
    tabs: Any
    page: Any
    flow: Any
    _bg_cancel: threading.Event
    _auto_resumed: bool

    if TYPE_CHECKING:

        def update_post_state(self) -> None: ...

    # ---- history ----------------------------------------------------------------------------------------------

    @Slot()
    def refresh_history(self) -> None:
        session = self.session
        self.runner.submit(
            lambda: services.list_history(session), on_done=self._on_history, on_error=self._on_history_error
        )

    def _on_history(self, rows: list[Any]) -> None:
        self.history.set_rows(rows)
        note, self.history.note = self.history.note, ""
        self.history.set_status(note or (f"{len(rows)} post{'s' if len(rows) != 1 else ''}" if rows else ""))
        if not self._auto_resumed and self.account is not None:
            self._auto_resumed = True  # once per start: follow posts TikTok was still deciding when the app quit
            for row in rows:
                if row.attempt.state in PENDING_AT_TIKTOK:
                    self.watch_in_background(row.attempt)

    def _on_history_error(self, exc: BaseException) -> None:
        message, _hint = services.describe_error(exc)
        self.history.set_status(message)

    def _row_attempt(self, attempt_id: int) -> Attempt | None:
        return next((r.attempt for r in self.history.rows if r.attempt_id == attempt_id), None)

    @Slot(int)
    def check_status(self, attempt_id: int) -> None:
        attempt = self._row_attempt(attempt_id)
        if attempt is not None:
            self.history.set_status("Asking TikTok\u2026")
            self.watch_in_background(attempt)

    @Slot(object)
    def watch_in_background(self, attempt: object) -> None:
        """Ask TikTok how an attempt stands (bounded, on the pool), then show the record."""
        if not isinstance(attempt, Attempt):
            self.refresh_history()
            return
        session, cancel = self.session, self._bg_cancel
        self.runner.submit(
            lambda: services.check_status(session, attempt, cancel),
            on_done=self._on_checked,
            on_error=self._on_history_error,
        )

    def _on_checked(self, attempt: Attempt) -> None:
        headline, detail = describe(attempt)
        self.history.note = f"{headline}. {detail}".strip()  # shown with the refreshed rows
        self.refresh_history()

    @Slot(int)
    def resume_from_history(self, attempt_id: int) -> None:
        attempt = self._row_attempt(attempt_id)
        if attempt is None or self.flow.is_busy():
            return
        self.tabs.setCurrentWidget(self.page)
        self.flow.resume(attempt)
        self.update_post_state()

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
