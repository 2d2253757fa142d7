"""Sign in with a real browser: headless Chromium, driven by Selenium, clicks Authorize on the sandbox's consent page.

The app's own sign-in (core.auth.login: PKCE, a loopback listener on 127.0.0.1, the code exchange, the keyring)
runs unchanged; only its browser hook (`opener`, or the window's `browser_opener` behind its Sign in button) hands
the consent URL to Chromium instead of the system browser.
Needs Debian's `chromium` and `chromium-driver` (CI installs them in .ci/run) and the `selenium` package (the
`test` extra); skipped with the reason otherwise.

SIGNIN_SCREENSHOTS=docs pytest tests/test_browser_signin.py also writes the two pages' screenshots to
docs/signin-consent.png and docs/signin-callback.png (the README shows them).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auth_helpers import sandbox_context

from core.auth import login
from core.auth.accounts import AccountRegistry
from core.auth.store import SANDBOX_SERVICE, Storage, forget_memory
from core.context import AppContext

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOTS = os.environ.get("SIGNIN_SCREENSHOTS", "")  # read at import: conftest clears CLIPSHIP_* only
# The flags that work as root in a container, with nothing fetched from the network behind the test's back.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=900,860",
    "--force-device-scale-factor=1",
    "--lang=en-US",
    "--password-store=basic",  # never the test run's Secret Service
)

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="needs a headless Chromium and its driver: apt-get install chromium chromium-driver "
        "(.ci/run installs them in CI)",
    ),
]
selenium = pytest.importorskip("selenium", reason="needs selenium: pip install -e '.[test]'")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    forget_memory()
    yield
    forget_memory()


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium with a fresh profile, driven through the system chromedriver (no driver download)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    # Off the D-Bus session tests/run.sh starts for the keyring tests (Chromium would start accessibility services)
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER), env=env), options=options)
    driver.set_page_load_timeout(15)
    try:
        yield driver
    finally:
        driver.quit()


class ChromiumOpener:
    """The app's browser hook, played by Chromium and a user: load the consent page, look at it, click a button,
    land on the app's loopback callback page. Runs on login()'s opener thread; the test reads what it saw."""

    def __init__(self, driver: Any, shots: Path, button: str = "authorize") -> None:
        self.driver = driver
        self.shots = shots
        self.button = button
        self.done = threading.Event()
        self.consent_title = ""
        self.scopes_shown: list[str] = []
        self.callback_heading = ""
        self.callback_text = ""
        self.callback_host = ""
        self.error: BaseException | None = None

    def __call__(self, url: str) -> bool:
        try:
            self._act(url)
        except BaseException as exc:  # reported by the test, not swallowed by login()'s opener guard
            self.error = exc
        finally:
            self.done.set()
        return True

    def _act(self, url: str) -> None:
        d = self.driver
        d.get(url)
        button = WebDriverWait(d, 10).until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, f'button[name="action"][value="{self.button}"]'))
        )
        self.consent_title = d.title
        self.scopes_shown = [e.get_attribute("value") for e in d.find_elements(By.CSS_SELECTOR, "[name=scope]")]
        d.save_screenshot(str(self.shots / "signin-consent.png"))
        button.click()  # the real button: Chromium posts the form and follows the 302 to 127.0.0.1
        WebDriverWait(d, 10).until(lambda drv: drv.current_url.startswith("http://127.0.0.1:"))
        WebDriverWait(d, 10).until(ec.presence_of_element_located((By.TAG_NAME, "h1")))
        self.callback_host = d.current_url.split("/callback/")[0]
        self.callback_heading = d.find_element(By.TAG_NAME, "h1").text
        self.callback_text = d.find_element(By.TAG_NAME, "body").text
        d.save_screenshot(str(self.shots / "signin-callback.png"))


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR (and a check that it is one)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


@pytest.fixture
def ctx(sandbox: Any, tmp_path: Path) -> AppContext:
    return sandbox_context(sandbox, tmp_path / "data" / "sandbox")


def test_sign_in_in_chromium(ctx: AppContext, sandbox: Any, chromium: Any, memory_keyring: Any, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    browser = ChromiumOpener(chromium, shots)
    urls: list[str] = []
    started = time.monotonic()
    result = login(ctx, timeout=30, opener=browser, on_url=urls.append)
    assert browser.done.wait(15), "Chromium never finished on the callback page"
    elapsed = time.monotonic() - started
    assert browser.error is None, f"{type(browser.error).__name__}: {browser.error}"

    # Chromium saw the sandbox's consent page for our app, with the scopes Clipship asks for
    assert urls and urls[0].startswith(sandbox.auth_url)
    assert browser.consent_title == "Authorize Clipship Sandbox"
    assert browser.scopes_shown == ["user.info.basic", "video.publish", "video.upload"]
    # ...then landed on the app's own loopback listener, whose page says the sign-in worked
    assert browser.callback_host.startswith("http://127.0.0.1:")
    assert browser.callback_heading == "Signed in"
    assert "You can close this tab and return to Clipship." in browser.callback_text
    assert "sandbox.creator" not in browser.callback_text and "act." not in browser.callback_text

    # The app exchanged the code: tokens in the keyring backend, the account recorded as the default one
    acc = result.account
    assert result.storage is Storage.KEYRING
    assert acc.is_default and acc.username == "sandbox.creator"
    assert acc.scopes == ("user.info.basic", "video.publish", "video.upload")
    blob = json.loads(memory_keyring.store[(SANDBOX_SERVICE, acc.open_id)])
    assert blob["access_token"].startswith("act.") and blob["refresh_token"].startswith("rft.")
    assert [a.open_id for a in AccountRegistry(ctx.config.data_dir).accounts()] == [acc.open_id]
    # the sandbox saw the browser's GET and form POST, then one code exchange (a real grant, no demo shortcut)
    seen = [(r.method, r.path, r.status) for r in sandbox.request_log if r.path.startswith("/v2/")]
    assert seen[:3] == [
        ("GET", "/v2/auth/authorize/", 200),
        ("POST", "/v2/auth/authorize/", 302),
        ("POST", "/v2/oauth/token/", 200),
    ]

    for name in ("signin-consent.png", "signin-callback.png"):
        width, height = png_size(shots / name)
        assert width >= 800 and height >= 500, (name, width, height)
        assert (shots / name).stat().st_size > 5_000, name  # a rendered page, not a blank one
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            shutil.copy2(shots / name, Path(SCREENSHOTS) / name)
    assert elapsed < 20, f"the browser sign-in took {elapsed:.1f} s"


def test_cancel_in_chromium_stores_nothing(ctx: AppContext, chromium: Any, memory_keyring: Any, tmp_path: Path) -> None:
    from core.errors import AuthError

    browser = ChromiumOpener(chromium, tmp_path, button="cancel")
    with pytest.raises(AuthError) as info:
        login(ctx, timeout=30, opener=browser)
    assert browser.done.wait(15) and browser.error is None
    assert "access was denied" in info.value.message
    assert browser.callback_heading == "Sign-in not completed"
    assert memory_keyring.store == {} and AccountRegistry(ctx.config.data_dir).accounts() == []


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_sign_in_from_the_window_in_chromium(
    qtbot: Any, sandbox: Any, chromium: Any, memory_keyring: Any, tmp_path: Path
) -> None:
    """The desktop app's own Sign in button; the window's browser hook hands the page to Chromium."""
    from ui_helpers import sandbox_ctx, wait_ready, window_factory

    factory = window_factory(qtbot, tmp_path)
    make_window = next(factory)
    try:
        win = make_window(sandbox_ctx(sandbox, tmp_path / "data", sign_in=False))
        qtbot.waitUntil(lambda: win.account_bar.sign_in_button.isVisibleTo(win), timeout=10_000)
        browser = ChromiumOpener(chromium, tmp_path)
        win.accounts.browser_opener = browser
        win.account_bar.sign_in_button.click()
        wait_ready(qtbot, win)
        assert browser.done.wait(15) and browser.error is None, browser.error
        assert browser.callback_heading == "Signed in"
        assert win.accounts.sign_in_dialog is None  # closed by itself once Chromium landed on the callback
        assert win.account_bar.nickname.text() == "Sandbox Creator"
        assert win.account_bar.username.text() == "@sandbox.creator"
        (account,) = AccountRegistry(tmp_path / "data").accounts()
        assert account.username == "sandbox.creator" and account.is_default
        blob = json.loads(memory_keyring.store[(SANDBOX_SERVICE, account.open_id)])
        assert blob["access_token"].startswith("act.")
    finally:
        next(factory, None)  # closes the window and joins its threads
