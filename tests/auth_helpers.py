"""Helpers for the sign-in tests: a scripted browser for the sandbox consent page and a context on a sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from core.config import Config
from core.context import AppContext


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
