"""The Photos tab's logic: each URL checked (and its thumbnail fetched) off the GUI thread, then the photo post
run on the upload worker through Session.publish_urls, into the page's ProgressPanel."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QImage, QPainter

from core.history import Attempt
from core.models import PublishResult
from core.pipeline import LINK_WAIT_S
from core.session import Session
from core.urlpost import KIND_PHOTOS, UrlPostRequest
from ui.actions import Action
from ui.photo_page import THUMB, PhotoPage
from ui.plain_errors import explain
from ui.tasks import TaskRunner
from ui.worker import PublishController, UrlJob, run_url_job

SAMPLE_PHOTOS = ("photo_1080x1920.jpg", "photo_1080x1080.webp", "photo_720x720.jpg")


@dataclass(frozen=True)
class PhotoCheck:
    """One URL's local checks (problems block the post, warnings don't) and its thumbnail, from a pool thread."""

    url: str
    problems: list[str]
    warnings: list[str]
    image: QImage | None


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]) if text else text


def square_thumbnail(image: QImage) -> QImage:
    """The picture scaled into a THUMB x THUMB transparent square (every row's text then lines up)."""
    scaled = image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    out = QImage(THUMB, THUMB, QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    painter.drawImage((THUMB - scaled.width()) // 2, (THUMB - scaled.height()) // 2, scaled)
    painter.end()
    return out


def check_photo_url(session: Session, url: str) -> PhotoCheck:
    """Session.check_urls for one photo URL, in plain words, and a thumbnail from the same bounded fetch's bytes."""
    report = session.check_urls("photo", (url,))
    problems = [f"{_sentence(p.message)}. {p.fix}" for p in report.problems]
    warnings = [_sentence(w.split(": ", 1)[-1]) + "." for w in report.warnings]
    image: QImage | None = None
    if not any("https" in p or "IP address" in p or "host name" in p for p in problems):
        head = session.url_head(url)
        if head:
            loaded = QImage.fromData(head)
            if not loaded.isNull():
                image = square_thumbnail(loaded)
    return PhotoCheck(url, problems, warnings, image)


class PhotoFlow(QObject):
    """Checks the page's URLs and posts them; owns its own upload thread (PublishController with run_url_job).

    Signals: state_changed() (busy or not), idle(), posted(object PublishResult), history_changed(),
    detached(object Attempt | None), message(str), sign_in_requested(), history_requested(), unaudited(),
    sign_in_refused().
    """

    state_changed = Signal()
    idle = Signal()
    posted = Signal(object)
    history_changed = Signal()
    detached = Signal(object)
    message = Signal(str)
    sign_in_requested = Signal()
    history_requested = Signal()
    unaudited = Signal()
    sign_in_refused = Signal()

    def __init__(
        self,
        session: Session,
        page: PhotoPage,
        runner: TaskRunner,
        sample_base: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.page = page
        self.runner = runner
        self.sample_base = sample_base  # the sandbox's media host (https://localhost:PORT), '' outside it
        self.controller = PublishController(self, run=run_url_job)
        self.last_job: UrlJob | None = None
        self.attempt: Attempt | None = None
        c = self.controller
        c.stage.connect(page.progress.on_stage)
        c.attempt.connect(self.on_attempt)
        c.finished.connect(self.on_finished)
        c.failed.connect(self.on_failed)
        c.cancelled.connect(self.on_cancelled)
        c.detached.connect(self.on_detached)
        c.idle.connect(self.on_idle)
        page.urls_added.connect(self.on_urls_added)
        page.samples_requested.connect(self.on_samples_requested)
        page.progress.cancel_requested.connect(self.on_cancel_requested)
        page.progress.action_requested.connect(self.on_action_requested)
        page.progress.dismissed.connect(self.on_dismissed)

    def is_busy(self) -> bool:
        return self.controller.is_busy()

    # ---- checking -------------------------------------------------------------------------------------------

    @Slot(list)
    def on_urls_added(self, urls: list[str]) -> None:
        session = self.session
        for url in urls:
            self.runner.submit(
                functools.partial(check_photo_url, session, url),
                on_done=self._on_checked,
                on_error=functools.partial(self._on_check_error, url),
            )

    def recheck(self) -> None:
        """Check every listed URL again (the verified prefixes changed in Settings)."""
        urls = self.page.urls()
        if urls and not self.is_busy():
            self.page.mark_checking(urls)
            self.on_urls_added(urls)

    def _on_checked(self, check: PhotoCheck) -> None:
        self.page.set_thumbnail(check.url, check.image)
        self.page.set_checked(check.url, check.problems, check.warnings)

    def _on_check_error(self, url: str, exc: BaseException) -> None:
        said = explain(exc)
        self.page.set_checked(url, [], [f"Not checked: {said.sentence}"])

    @Slot()
    def on_samples_requested(self) -> None:
        if self.sample_base:
            self.page.add_urls([f"{self.sample_base}/media/{n}" for n in SAMPLE_PHOTOS])

    # ---- posting --------------------------------------------------------------------------------------------

    def post(self, draft: bool, account: str | None) -> None:
        """Post the page's photos with the form's settings (only after the user's click: nothing is sent before)."""
        urls = tuple(self.page.urls())
        if not urls or self.is_busy():
            return
        settings = self.page.form.photo_settings(draft=draft, cover_index=self.page.cover_index())
        request = UrlPostRequest(KIND_PHOTOS, urls, settings, account, link_wait_s=LINK_WAIT_S)
        self.run(UrlJob(self.session, request, f"{len(urls)} photo{'s' if len(urls) != 1 else ''}"))

    def run(self, job: UrlJob) -> None:
        self.last_job = job
        self.attempt = None
        self.page.progress.begin(job.name, job.request.settings.draft, pulled=True)
        self.page.progress.show()
        self.controller.start(job)
        self.state_changed.emit()

    @Slot(object)
    def on_attempt(self, attempt: Attempt) -> None:
        self.attempt = attempt
        self.page.progress.show_attempt(attempt)

    @Slot(object)
    def on_finished(self, result: PublishResult) -> None:
        draft = self.last_job.request.settings.draft if self.last_job is not None else False
        self.page.progress.show_success(result, draft)
        self.message.emit("Sent to your TikTok inbox." if draft else "Posted to TikTok.")
        self.page.form.reset()
        self.page.clear()
        self.posted.emit(result)
        self.history_changed.emit()

    @Slot(object)
    def on_failed(self, error: object) -> None:
        said = explain(error if isinstance(error, BaseException) else None)
        if said.unaudited:
            self.unaudited.emit()
        if said.needs_sign_in:
            self.sign_in_refused.emit()
        self.page.progress.show_failure(error, self.attempt)
        self.history_changed.emit()

    @Slot(object)
    def on_cancelled(self, error: object) -> None:
        self.page.progress.show_stopped(error, None)
        self.history_changed.emit()

    @Slot(object)
    def on_detached(self, error: object) -> None:
        said = explain(error) if isinstance(error, BaseException) else None
        text = said.text() if said is not None else ""
        self.page.progress.show_detached(self.attempt, text)
        self.detached.emit(self.attempt)
        self.history_changed.emit()

    @Slot()
    def on_idle(self) -> None:
        self.state_changed.emit()
        self.idle.emit()

    @Slot()
    def on_cancel_requested(self) -> None:
        self.controller.cancel()

    @Slot(object)
    def on_action_requested(self, action: Action) -> None:
        if action == Action.RETRY and self.last_job is not None and not self.is_busy():
            self.run(dataclasses.replace(self.last_job))
        elif action == Action.SIGN_IN:
            self.sign_in_requested.emit()
        elif action == Action.HISTORY:
            self.history_requested.emit()

    @Slot()
    def on_dismissed(self) -> None:
        self.page.progress.hide()

    def shutdown(self) -> None:
        self.controller.shutdown()
