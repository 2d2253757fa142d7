"""The Photos tab on the real window over the sandbox (its https media host holds the photos): TikTok's Direct
Post UX rules for a photo post (tiktok-api.md §9), the URL checks, posting, a draft, cancel, and dropped files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from ui_helpers import choose_privacy, drop_files, privacy_item, sandbox_ctx, wait_ready

from core.models import PHOTO_TITLE_MAX_UTF16
from ui import post_rules as rules
from ui.photo_page import LOCAL_FILES_TEXT

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

INIT = "/v2/post/publish/content/init/"
CANCEL = "/v2/post/publish/cancel/"


def photo_ctx(sandbox: Any, tmp_path: Path) -> Any:
    """A signed-in sandbox context whose verified prefix is the sandbox's media host, which this computer trusts."""
    ctx = sandbox_ctx(sandbox, tmp_path / "data")
    ctx.config = ctx.config.with_(
        verified_url_prefixes=(sandbox.media_base_url + "/media/", sandbox.media_base_url + "/slow/"),
        media_ca=sandbox.media_ca,
    )
    return ctx


@pytest.fixture
def window(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any) -> Any:
    win = make_window(photo_ctx(sandbox, tmp_path))
    wait_ready(qtbot, win)
    win.show_photos_tab()
    return win


def media(sandbox: Any, path: str) -> str:
    return f"{sandbox.media_base_url}/{path}"


def add_and_wait(qtbot: Any, window: Any, urls: list[str]) -> None:
    page = window.photo_page
    page.paste.setPlainText("\n".join(urls))
    page.add_button.click()
    qtbot.waitUntil(lambda: all(not page.states[u].checking for u in urls), timeout=30_000)


def inits(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.request_log if r.path == INIT]


def test_photo_form_follows_the_audit_rules(qtbot: Any, window: Any, sandbox: Any) -> None:
    form = window.photo_page.form
    assert window.tabs.currentWidget() is window.photo_page
    assert form.privacy.currentIndex() == -1 and form.privacy_level() is None  # no default (§9.2b)
    assert form.privacy.placeholderText() == "Select who can see this post"
    assert form.privacy.count() == len(window.accounts.creator.privacy_level_options)
    # Only "Allow Comment" for photos (§9.2c), unchecked; no Duet, Stitch, AI label or schedule.
    assert form.allow_comment.isVisibleTo(window) and not form.allow_comment.isChecked()
    for hidden in (form.allow_duet, form.allow_stitch, form.aigc, form.schedule_button):
        assert not hidden.isVisibleTo(window)
    assert form.auto_music.isVisibleTo(window) and not form.auto_music.isChecked()
    assert form.auto_music.accessibleName() == "Add recommended music"
    assert "Music Usage Confirmation" in form.consent_plain()
    assert not form.post_button.isEnabled()
    assert "Add the https links of your photos first." in form.why_label.text()

    add_and_wait(qtbot, window, [media(sandbox, "media/photo_1080x1920.jpg")])
    assert not form.post_button.isEnabled() and form.why_label.text() == "Choose who can see this post."
    assert not inits(sandbox)  # nothing is sent before the click
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    assert form.post_button.isEnabled()

    # The disclosure toggle on with nothing ticked: Post disabled with TikTok's hover text (§9.3a).
    assert not form.disclose.isChecked() and not form.disclosure_box.isVisibleTo(window)
    form.disclose.setChecked(True)
    assert not form.post_button.isEnabled() and form.post_button.toolTip() == rules.NEEDS_DISCLOSURE
    form.your_brand.setChecked(True)
    assert form.post_button.isEnabled()
    assert form.label_note.text() == rules.LABEL_PROMOTIONAL and form.consent_plain() == rules.CONSENT_MUSIC
    form.branded.setChecked(True)
    assert form.label_note.text() == rules.LABEL_PAID and form.consent_plain() == rules.CONSENT_BRANDED
    # Branded content can't be private: "Only me" is disabled with TikTok's hover text (§9.3b).
    only_me = privacy_item(form, "SELF_ONLY")
    assert not only_me.isEnabled() and only_me.toolTip() == rules.BRANDED_NOT_PRIVATE
    form.branded.setChecked(False)
    choose_privacy(form, "SELF_ONLY")
    assert not form.branded.isEnabled() and form.branded.toolTip() == rules.BRANDED_NOT_PRIVATE
    # The title counts UTF-16 units; past 90 the post is blocked.
    form.title.setText("\U0001f4f8" * 46)
    assert form.title_counter.text() == f"92/{PHOTO_TITLE_MAX_UTF16}" and not form.post_button.isEnabled()
    form.title.setText("Two photos")
    assert form.post_button.isEnabled()


def test_unaudited_offers_only_only_me(qtbot: Any, sandbox: Any, tmp_path: Path, make_window: Any) -> None:
    sandbox.config.audited = False
    win = make_window(photo_ctx(sandbox, tmp_path))
    wait_ready(qtbot, win)
    form = win.photo_page.form
    assert [form.privacy.itemData(i) for i in range(form.privacy.count())] == ["SELF_ONLY"]
    assert form.privacy.currentIndex() == -1 and "not audited" in form.privacy_note.text()


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("http", "TikTok downloads only https URLs"),
        ("ip", "IP address"),
        ("media/photo_640x640.png", "PNG"),
        ("media/photo_2000x2000.jpg", "1080"),
    ],
)
def test_a_url_failing_the_local_checks_blocks_post(
    qtbot: Any, window: Any, sandbox: Any, path: str, words: str
) -> None:
    good = media(sandbox, "media/photo_720x720.jpg")
    if path == "http":
        bad = good.replace("https://", "http://")
    elif path == "ip":
        bad = good.replace("localhost", "127.0.0.1")
    else:
        bad = media(sandbox, path)
    add_and_wait(qtbot, window, [good, bad])
    page, form = window.photo_page, window.photo_page.form
    choose_privacy(form, "SELF_ONLY")
    assert page.states[good].problems == []
    assert page.states[bad].problems and words.lower() in page.states[bad].problems[0].lower()
    assert words.lower() in page.list.item(1).text().lower()
    assert not form.post_button.isEnabled() and form.why_label.text().startswith("Fix photo 2 first:")
    page.list.setCurrentRow(1)
    page.remove_button.click()
    assert form.post_button.isEnabled()
    assert not inits(sandbox)


def test_a_photo_direct_post_is_published_with_its_link(qtbot: Any, window: Any, sandbox: Any) -> None:
    page, form = window.photo_page, window.photo_page.form
    first, second = media(sandbox, "media/photo_1080x1920.jpg"), media(sandbox, "media/photo_1080x1080.webp")
    add_and_wait(qtbot, window, [first, second])
    assert set(page.thumbs) == {first, second}  # thumbnails fetched by the app
    assert page.urls()[page.cover_index()] == first
    page.list.setCurrentRow(1)
    page.cover_button.click()
    page.up_button.click()  # the cover moves with its photo
    assert page.urls() == [second, first] and page.cover_index() == 0
    form.title.setText("Two \U0001f4f8")
    form.caption.setPlainText("a #carousel")
    choose_privacy(form, "PUBLIC_TO_EVERYONE")
    form.allow_comment.setChecked(True)
    form.auto_music.setChecked(True)
    form.post_button.click()
    qtbot.waitUntil(lambda: page.progress.is_finished(), timeout=30_000)
    assert page.progress.stage_label.text() == "Published", page.progress.message_label.text()
    assert page.progress.post_url and page.progress.view_button.isVisibleTo(window)
    assert len(inits(sandbox)) == 1
    (pub,) = sandbox.state.publishes.values()
    assert pub.media_type == "PHOTO" and pub.kind == "direct" and pub.urls == [second, first]
    assert pub.post_info == {
        "title": "Two \U0001f4f8",
        "description": "a #carousel",
        "privacy_level": "PUBLIC_TO_EVERYONE",
        "disable_comment": False,
        "auto_add_music": True,
        "brand_content_toggle": False,
        "brand_organic_toggle": False,
    }
    assert page.urls() == [] and form.privacy_level() is None  # a blank form for the next post
    window.show_history_tab()  # the History tab names it as the command line does
    qtbot.waitUntil(lambda: any(r.file == "2 photos from localhost" for r in window.history.rows), timeout=10_000)


def test_a_draft_goes_to_the_inbox(qtbot: Any, window: Any, sandbox: Any) -> None:
    page, form = window.photo_page, window.photo_page.form
    add_and_wait(qtbot, window, [media(sandbox, "media/photo_720x720.jpg")])
    assert form.draft_button.isEnabled() and not form.post_button.isEnabled()  # a draft needs no privacy
    form.title.setText("For later")
    form.draft_button.click()
    qtbot.waitUntil(lambda: page.progress.is_finished(), timeout=30_000)
    assert page.progress.stage_label.text() == "Sent to your TikTok inbox"
    assert "photos" in page.progress.message_label.text()
    (pub,) = sandbox.state.publishes.values()
    assert pub.kind == "inbox" and pub.media_type == "PHOTO"


def test_cancel_while_tiktok_downloads(qtbot: Any, window: Any, sandbox: Any) -> None:
    page, form = window.photo_page, window.photo_page.form
    add_and_wait(qtbot, window, [media(sandbox, "slow/photo_1080x1920.jpg?s=30")])
    choose_privacy(form, "SELF_ONLY")
    form.post_button.click()
    qtbot.waitUntil(lambda: page.progress.stage == "processing", timeout=15_000)
    assert page.progress.stage_label.text() == "TikTok is downloading the photos\u2026"
    assert page.progress.cancel_button.text() == "Cancel" and not form.fields.isEnabled()
    page.progress.cancel_button.click()
    qtbot.waitUntil(lambda: page.progress.is_finished(), timeout=30_000)
    assert page.progress.stage_label.text() == "Cancelled"
    assert "Nothing was posted" in page.progress.message_label.text() or "stopped the download" in (
        page.progress.message_label.text()
    )
    assert [r.status for r in sandbox.request_log if r.path == CANCEL] == [200]
    qtbot.waitUntil(lambda: not window.photo_flow.is_busy(), timeout=10_000)
    assert form.fields.isEnabled()


def test_dropping_local_images_explains_where_photos_come_from(
    qtbot: Any, window: Any, sandbox: Any, tmp_path: Path
) -> None:
    image = tmp_path / "holiday.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    drop_files(window, [image])
    page = window.photo_page
    assert page.drop_note.isVisibleTo(window) and page.drop_note.text() == LOCAL_FILES_TEXT
    assert page.settings_button.isVisibleTo(window)
    assert page.urls() == [] and window.page.path is None  # not taken as a video either
    drop_files(window, [tmp_path])  # a folder: the same words
    assert page.drop_note.text() == LOCAL_FILES_TEXT


def test_sandbox_sample_photos(qtbot: Any, window: Any) -> None:
    page = window.photo_page
    assert page.samples_button.isVisibleTo(window)
    page.samples_button.click()
    assert len(page.urls()) == 3
    qtbot.waitUntil(lambda: all(not s.checking for s in page.states.values()), timeout=30_000)
    assert all(not s.problems for s in page.states.values())


def test_settings_has_the_verified_url_prefixes(qtbot: Any) -> None:
    from ui.settings_dialog import SettingsDialog, SettingsValues

    dialog = SettingsDialog(SettingsValues("", None, 0, 0, "https://a.example/p/"), has_secret=False)
    qtbot.addWidget(dialog)
    assert dialog.prefixes.text() == "https://a.example/p/"
    assert dialog.prefixes.accessibleName() == "Verified URL prefixes"
    dialog.prefixes.setText(" https://a.example/p/,  https://b.example/ ")
    assert dialog.values().verified_url_prefixes == "https://a.example/p/ https://b.example/"


@pytest.mark.parametrize("size", [(960, 600), (1024, 700)])
def test_the_photos_tab_fits_small_windows(qtbot: Any, window: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    from PySide6.QtCore import QRect

    def in_view(widget: Any) -> bool:
        top_left = widget.mapTo(window, widget.rect().topLeft())
        inside = QRect(0, 0, window.width(), window.height()).contains(QRect(top_left, widget.size()))
        return widget.isVisibleTo(window) and inside and widget.visibleRegion().boundingRect().size() == widget.size()

    page, form = window.photo_page, window.photo_page.form
    page.samples_button.click()
    drop_files(window, [tmp_path])  # the explanation shown too
    form.disclose.setChecked(True)
    form.your_brand.setChecked(True)
    qtbot.waitUntil(lambda: all(not s.checking for s in page.states.values()), timeout=30_000)
    hint = window.minimumSizeHint()
    assert hint.width() <= 960 and hint.height() <= 600, hint
    window.resize(*size)
    qtbot.wait(50)
    assert window.width() <= size[0] + 1 and window.height() <= size[1] + 1
    for widget in (form.post_button, form.draft_button, form.consent, page.add_button, page.remove_button):
        assert in_view(widget), (widget.accessibleName(), size)


def test_links_dropped_from_a_browser_are_added_and_ctrl_4_shows_the_tab(qtbot: Any, window: Any, sandbox: Any) -> None:
    from PySide6.QtCore import QUrl

    window.show_post_tab()
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.photo_page
    link = media(sandbox, "media/photo_720x720.jpg")
    drop_files(window, urls=[QUrl(link)])
    qtbot.waitUntil(lambda: window.photo_page.urls() == [link], timeout=5_000)
    assert window.photo_page.drop_note.isHidden()


def test_images_dropped_on_the_post_tab_lead_to_the_photos_tab(qtbot: Any, window: Any, tmp_path: Path) -> None:
    window.show_post_tab()
    photo = tmp_path / "beach.webp"
    photo.write_bytes(b"RIFF\0\0\0\0WEBP")
    drop_files(window, [photo])
    assert window.tabs.currentWidget() is window.photo_page
    assert window.photo_page.drop_note.text() == LOCAL_FILES_TEXT and window.page.path is None


def test_a_dragged_row_moves_its_photo_and_the_cover_follows(qtbot: Any, window: Any, sandbox: Any) -> None:
    from PySide6.QtCore import QModelIndex

    page = window.photo_page
    urls = [media(sandbox, f"media/{n}") for n in ("photo_720x720.jpg", "photo_1080x1080.webp", "photo_1080x1920.jpg")]
    add_and_wait(qtbot, window, urls)
    assert page.cover_index() == 0
    assert page.list.model().moveRow(QModelIndex(), 0, QModelIndex(), 3)  # what a drag to the end does
    assert page.urls() == [urls[1], urls[2], urls[0]] and page.cover_index() == 2
    assert page.list.item(2).text().startswith("3. photo_720x720.jpg \u2014 cover")


def test_a_lost_answer_to_the_post_says_outcome_not_known_not_failed(qtbot: Any, window: Any, sandbox: Any) -> None:
    """TikTok takes the post and downloads the photo, but its answer never arrives: the panel must not say
    "Failed" (TikTok publishes it), and the History tab keeps it as sent."""
    page, form = window.photo_page, window.photo_page.form
    add_and_wait(qtbot, window, [media(sandbox, "media/photo_720x720.jpg")])
    choose_privacy(form, "SELF_ONLY")
    sandbox.config.drop_init_response = 1
    form.post_button.click()
    qtbot.waitUntil(lambda: page.progress.is_finished(), timeout=30_000)
    progress = page.progress
    assert progress.stage_label.text() == "Outcome not known"
    assert "may have received the post" in progress.message_label.text()
    assert "Nothing was posted" not in progress.message_label.text()
    assert progress.action_button.text() == "Show History"
    qtbot.waitUntil(
        lambda: any(p.status(time.time()) == "PUBLISH_COMPLETE" for p in sandbox.state.publishes.values()),
        timeout=20_000,
    )
