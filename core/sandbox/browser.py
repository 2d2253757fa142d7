"""A scripted browser for the sandbox's consent page: what a user clicking "Authorize" (or "Cancel") does.

follow_consent(url) GETs the authorize URL, fills in the form found on the page (see consent.py), posts it,
and returns the redirect target (the app's redirect_uri with code/scopes/state or error). With
deliver=True it also GETs that URL, as a real browser would, so a loopback callback server receives it.
Usable as the opener a sign-in flow calls instead of the system browser.
"""

from __future__ import annotations

from urllib.parse import urljoin

import requests

from core.sandbox.consent import parse_consent_form


def follow_consent(
    url: str,
    *,
    approve: bool = True,
    untick: tuple[str, ...] = (),
    account: str | None = None,
    deliver: bool = False,
    timeout: float = 10.0,
) -> str:
    """Act out the consent page at `url`; returns the Location the sandbox redirected to."""
    with requests.Session() as session:
        page = session.get(url, allow_redirects=False, timeout=timeout)
        if page.status_code in (301, 302, 303, 307, 308):  # auto_approve, or an error sent to the app
            location = page.headers["Location"]
        else:
            page.raise_for_status()
            form = parse_consent_form(page.text)
            data = form.fields("authorize" if approve else "cancel", untick=untick, account=account)
            answer = session.post(urljoin(url, form.action), data=data, allow_redirects=False, timeout=timeout)
            if answer.status_code != 302:
                raise RuntimeError(f"the consent page answered HTTP {answer.status_code}")
            location = answer.headers["Location"]
        if deliver:
            session.get(location, allow_redirects=False, timeout=timeout).close()
        return location
