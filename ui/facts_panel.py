"""What the preflight found: the video's facts in a grid and every problem in plain language."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from core.media import MediaFacts, Problem, fmt
from ui.elided_label import ElidedLabel


def describe_facts(facts: MediaFacts) -> list[tuple[str, str]]:
    """(label, value) rows for a core.media facts record: the core's summary in the window's words.

    The command line prints the MIME type and the exact bytes and bit rate; the window keeps what a creator
    reads at a glance ("H.264 in MP4", "8.9 MB"), and the rows stay one line each in the narrow column.
    """
    rows = []
    for label, value in facts.summary():
        if label == "Video":
            value = value.split(", uploads as ")[0]
        elif label == "Size" and facts.file_size:
            value = fmt.size(facts.file_size)
        elif label == "Picture":
            value = value.replace(" deg)", "\u00b0)")
        rows.append((label, value))
    return rows


class FactsPanel(QFrame):
    """A facts grid and a list of problems (blocking ones first, each with how to fix it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("factsPanel")
        self.file_label = ElidedLabel()
        self.file_label.setObjectName("fileName")
        self.status_label = QLabel()
        self.status_label.setObjectName("verdict")
        self.status_label.setWordWrap(True)
        self.earlier_label = QLabel()
        self.earlier_label.setObjectName("earlierPost")
        self.earlier_label.setWordWrap(True)
        self.earlier_label.setTextFormat(Qt.TextFormat.RichText)
        self.earlier_label.setOpenExternalLinks(True)  # QDesktopServices.openUrl
        self.earlier_label.hide()
        self.earlier_text = ""
        self.earlier_url = ""
        self._verdict = ("", "")
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 4, 0, 4)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(3)
        self.problems_host = QWidget()
        self.problems_layout = QVBoxLayout(self.problems_host)
        self.problems_layout.setContentsMargins(0, 0, 0, 0)
        self.problems_layout.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.file_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.earlier_label)
        layout.addWidget(self.grid_host)
        layout.addWidget(self.problems_host)
        self.problem_labels: list[QLabel] = []

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone at once, even before the event loop deletes it
                widget.deleteLater()
        for label in self.problem_labels:
            label.hide()
            label.deleteLater()
        self.problem_labels = []

    def set_earlier(self, text: str, url: str = "") -> None:
        """An earlier post of this file to this account ('' when none): shown instead of "will accept"."""
        self.earlier_text, self.earlier_url = text, url
        html = _esc(text)
        if text and url:
            html += f' \u00b7 <a href="{_esc(url)}">View on TikTok</a>'
        self.earlier_label.setText(html)
        self.earlier_label.setVisible(bool(text))
        self._render_verdict()

    def show_checking(self, name: str) -> None:
        self._clear()
        self.set_earlier("")
        self.file_label.set_full_text(name)
        self._set_status("Checking the video\u2026", "busy")

    def show_result(self, name: str, facts: MediaFacts | None, problems: tuple[Problem, ...]) -> None:
        self._clear()
        self.file_label.set_full_text(name)
        for row, (label, value) in enumerate(describe_facts(facts) if facts is not None else []):
            key = QLabel(label)
            key.setObjectName("factKey")
            val = QLabel(value)
            val.setObjectName("factValue")
            val.setWordWrap(True)  # a narrow window (1024 px, 2x scale) wraps the facts instead of widening
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.grid.addWidget(key, row, 0)
            self.grid.addWidget(val, row, 1)
        self.grid.setColumnStretch(1, 1)
        blocking = [p for p in problems if p.blocking]
        notes = [p for p in problems if not p.blocking]
        if blocking:
            self._set_status("TikTok won't accept this video yet.", "bad")
        elif notes:
            self._set_status("TikTok will accept this video.", "good")
        else:
            self._set_status("TikTok will accept this video.", "good")
        for problem in [*blocking, *notes]:
            self._add_problem(problem)

    def show_error(self, name: str, message: str, hint: str = "") -> None:
        self._clear()
        self.file_label.set_full_text(name)
        self._set_status("This file can't be checked.", "bad")
        label = QLabel(f"<b>{_esc(message)}</b>" + (f"<br>{_esc(hint)}" if hint else ""))
        label.setObjectName("problem")
        label.setProperty("blocking", True)
        label.setWordWrap(True)
        self.problems_layout.addWidget(label)
        self.problem_labels.append(label)

    def _add_problem(self, problem: Problem) -> None:
        blocking, message, fix = problem.blocking, problem.message, problem.fix
        mark = "\u2716" if blocking else "\u2139"
        label = QLabel(f"{mark}&nbsp; <b>{_esc(message)}</b>" + (f"<br>{_esc(fix)}" if fix else ""))
        label.setObjectName("problem")
        label.setProperty("blocking", blocking)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        self.problems_layout.addWidget(label)
        self.problem_labels.append(label)

    def _set_status(self, text: str, state: str) -> None:
        self._verdict = (text, state)
        self._render_verdict()

    def _render_verdict(self) -> None:
        text, state = self._verdict
        if self.earlier_text and state == "good":
            text, state = "Already posted to this account.", "posted"
        self.status_label.setText(text)
        self.status_label.setProperty("state", state)
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)

    def problem_texts(self) -> list[str]:
        return [label.text() for label in self.problem_labels]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
