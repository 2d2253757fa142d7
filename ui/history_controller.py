"""The History side of the window: past attempts from the Session, Check status, and what may be resumed."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot

from core.attempt import PENDING_AT_TIKTOK
from core.history import Attempt
from core.session import Session, describe
from ui import services
from ui.history_view import HistoryRow
from ui.tasks import TaskRunner


class HistoryController(QObject):
    """Past attempts and their status checks; every query runs on the task runner.

    Signals: rows_changed(list[HistoryRow]), status_changed(str), resumable_changed(list[Attempt] newest first),
    resume_requested(object Attempt) (the user asked to resume one).
    """

    rows_changed = Signal(list)
    status_changed = Signal(str)
    resumable_changed = Signal(list)
    resume_requested = Signal(object)

    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.rows: list[HistoryRow] = []
        self.resumable: list[Attempt] = []
        self.signed_in = False
        self.note = ""  # what the last status check found, shown with the refreshed rows
        self._auto_resumed = False
        self._cancel = threading.Event()  # stops background polling when the window closes

    @Slot()
    def refresh(self) -> None:
        session = self.session
        self.runner.submit(lambda: services.list_history(session), on_done=self._on_rows, on_error=self._on_error)

    def load_resumable(self) -> None:
        session = self.session
        self.runner.submit(lambda: services.resumable(session), on_done=self._on_resumable)

    def set_signed_in(self, signed_in: bool) -> None:
        """An account is in use: posts TikTok was still deciding when the app quit can be followed now."""
        self.signed_in = signed_in
        if signed_in and not self._auto_resumed:
            self.refresh()  # the rows may have loaded before the account

    def _on_rows(self, rows: list[HistoryRow]) -> None:
        self.rows = list(rows)
        self.rows_changed.emit(self.rows)
        note, self.note = self.note, ""
        self.status_changed.emit(note or (f"{len(rows)} post{'s' if len(rows) != 1 else ''}" if rows else ""))
        if not self._auto_resumed and self.signed_in:
            self._auto_resumed = True  # once per start: follow posts TikTok was still deciding when the app quit
            for row in rows:
                if row.attempt.state in PENDING_AT_TIKTOK:
                    self.watch(row.attempt)

    def _on_resumable(self, attempts: list[Attempt]) -> None:
        self.resumable = list(attempts)
        self.resumable_changed.emit(self.resumable)

    def _on_error(self, exc: BaseException) -> None:
        message, _hint = services.describe_error(exc)
        self.status_changed.emit(message)

    def attempt(self, attempt_id: int) -> Attempt | None:
        return next((r.attempt for r in self.rows if r.attempt_id == attempt_id), None)

    @Slot(int)
    def check_status(self, attempt_id: int) -> None:
        attempt = self.attempt(attempt_id)
        if attempt is not None:
            self.status_changed.emit("Asking TikTok\u2026")
            self.watch(attempt)

    @Slot(object)
    def watch(self, attempt: Attempt | None) -> None:
        """Ask TikTok how an attempt stands (bounded, on the pool), then show the record."""
        if attempt is None:
            self.refresh()
            return
        session, cancel = self.session, self._cancel
        self.runner.submit(
            lambda: services.check_status(session, attempt, cancel), on_done=self._on_checked, on_error=self._on_error
        )

    def _on_checked(self, attempt: Attempt) -> None:
        headline, detail = describe(attempt)
        self.note = f"{headline}. {detail}".strip()
        self.refresh()

    @Slot(int)
    def resume(self, attempt_id: int) -> None:
        attempt = self.attempt(attempt_id)
        if attempt is not None:
            self.resume_requested.emit(attempt)

    def resume_newest(self) -> None:
        if self.resumable:
            self.resume_requested.emit(self.resumable[0])

    def shutdown(self) -> None:
        self._cancel.set()
