"""Helpers for the sign-in tests: a scripted browser for the sandbox consent page and a context on a sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from core.config import Config
from core.context import AppContext

ROOT = Path(__file__).resolve().parent.parent


def sandbox_context(sandbox: Any, data_dir: Path) -> AppContext:
    """A sandbox-mode context wired to the `sandbox` fixture (as open_context(sandbox=True) would do)."""
    from core.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

    config = Config(
        api_base=sandbox.base_url,
        auth_url=sandbox.auth_url,
        client_key=SANDBOX_CLIENT_KEY,
        client_secret=SANDBOX_CLIENT_SECRET,
        data_dir=data_dir,
        sandbox=True,
    )
    return AppContext(config, None)  # the fixture owns the server's lifetime


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def scripted_browser(
    action: str = "authorize",
    untick: tuple[str, ...] = (),
    account: str | None = None,
    tamper: Callable[[str], str] | None = None,
    seen: list[str] | None = None,
) -> Callable[[str], bool]:
    """An opener that does what a user does: load the consent page, press a button, follow the redirect."""
    from core.sandbox.consent import parse_consent_form

    def opener(url: str) -> bool:
        with requests.Session() as s:
            page = s.get(url, timeout=10)
            page.raise_for_status()
            form = parse_consent_form(page.text)
            assert action in form.buttons
            decision = s.post(
                urljoin(url, form.action), data=form.fields(action, untick, account), allow_redirects=False, timeout=10
            )
            assert decision.status_code in (302, 303), decision.status_code
            location = decision.headers["Location"]
            if tamper is not None:
                location = tamper(location)
            landing = s.get(location, timeout=10)
            if seen is not None:
                seen.append(f"{landing.status_code} {landing.text}")
        return True

    return opener


FILE_KEYRING = textwrap.dedent(
    '''
    """A keyring backend kept in a JSON file, so that separate test processes share one keyring."""
    import json
    import os

    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError


    class FileKeyring(KeyringBackend):
        priority = 1

        def _load(self):
            try:
                with open(os.environ["TEST_KEYRING_FILE"], encoding="utf-8") as fh:
                    return json.load(fh)
            except FileNotFoundError:
                return {}

        def _save(self, data):
            with open(os.environ["TEST_KEYRING_FILE"], "w", encoding="utf-8") as fh:
                json.dump(data, fh)

        def get_password(self, service, username):
            return self._load().get(service + "\\0" + username)

        def set_password(self, service, username, password):
            data = self._load()
            data[service + "\\0" + username] = password
            self._save(data)

        def delete_password(self, service, username):
            data = self._load()
            if data.pop(service + "\\0" + username, None) is None:
                raise PasswordDeleteError(username)
            self._save(data)
    '''
)

BROWSER = textwrap.dedent(
    """
    import sys
    from core.sandbox.browser import follow_consent
    follow_consent(sys.argv[1], deliver=True)
    """
)


class Runner:
    """Runs `python main.py ...` like a user's shell, with a scripted $BROWSER and a shared file keyring."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        (tmp / "kr").mkdir()
        (tmp / "kr" / "filekeyring.py").write_text(FILE_KEYRING)
        (tmp / "browser.py").write_text(BROWSER)
        self.keyring_file = tmp / "keyring.json"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHIP_") or k == "CLIPSHIP_DATA_DIR"}
        self.env.update(
            PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp / "kr")]),
            PYTHON_KEYRING_BACKEND="filekeyring.FileKeyring",
            TEST_KEYRING_FILE=str(self.keyring_file),
            BROWSER=f"{sys.executable} {tmp / 'browser.py'} %s",
        )

    def __call__(self, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **env},
            cwd=self.tmp,
            timeout=120,
        )

    def keyring(self) -> dict[str, str]:
        return json.loads(self.keyring_file.read_text()) if self.keyring_file.exists() else {}
