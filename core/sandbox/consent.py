"""The sandbox's consent page (HTML) and a parser for it, so scripted browsers can fill the form in.

How a test follows the page (or use core.sandbox.browser.follow_consent, which does exactly this):
1. GET the authorize URL; the answer is HTML with one <form method="post">.
2. parse_consent_form(html) gives the form's action and its fields: a hidden `auth_request`, one checkbox
   `scope` per requested scope (all ticked), a <select name="open_id"> (the account), and two submit
   buttons named `action` ("authorize", "cancel").
3. POST the fields (minus any scope to untick, plus action=authorize or action=cancel) form-encoded to the
   action URL without following redirects; the 302 Location is the redirect_uri with code/scopes/state
   (or error=access_denied).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

SCOPE_LABELS: dict[str, str] = {
    "user.info.basic": "Read your profile info (avatar, display name)",
    "user.info.profile": "Read your profile details (username, bio, verified status)",
    "user.info.stats": "Read your follower, like and video counts",
    "video.list": "Read your public videos",
    "video.publish": "Post content to TikTok on your behalf",
    "video.upload": "Upload content to your TikTok inbox as drafts",
}
REQUIRED_SCOPE = "user.info.basic"  # TikTok's consent screen cannot untick basic profile access


def render(app_name: str, request_id: str, scopes: list[str], accounts: list[tuple[str, str]], chosen: str) -> str:
    """The consent page: `accounts` is [(open_id, label)], `chosen` the preselected open_id."""
    rows = []
    for scope in scopes:
        label = escape(SCOPE_LABELS.get(scope, scope))
        if scope == REQUIRED_SCOPE:
            rows.append(
                f'<li><label><input type="checkbox" checked disabled> {label} <code>{escape(scope)}</code></label>'
                f'<input type="hidden" name="scope" value="{escape(scope)}"></li>'
            )
        else:
            rows.append(
                f'<li><label><input type="checkbox" name="scope" value="{escape(scope)}" checked> {label} '
                f"<code>{escape(scope)}</code></label></li>"
            )
    options = "".join(
        f'<option value="{escape(oid)}"{" selected" if oid == chosen else ""}>{escape(label)}</option>'
        for oid, label in accounts
    )
    options += '<option value="__new__">Another sandbox account</option>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {escape(app_name)}</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:3em auto}} li{{margin:.4em 0;list-style:none}}
button{{font-size:1.1em;padding:.4em 1.2em;margin-right:1em}}</style></head>
<body><h1>{escape(app_name)} wants to access your TikTok account</h1>
<p>This is the Clipship sandbox, a local stand-in for TikTok. No real account is used.</p>
<form method="post" action="/v2/auth/authorize/">
<input type="hidden" name="auth_request" value="{escape(request_id)}">
<p><label>Account: <select name="open_id">{options}</select></label></p>
<p>{escape(app_name)} wants to:</p>
<ul>{"".join(rows)}</ul>
<button type="submit" name="action" value="authorize">Authorize</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form></body></html>
"""


def error_page(title: str, detail: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1><p>{escape(detail)}</p></body></html>\n"
    )


@dataclass
class ConsentForm:
    """The form found on a consent page: where it posts and what a browser would submit."""

    action: str = ""
    hidden: list[tuple[str, str]] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)  # ticked, untickable checkboxes
    locked_scopes: list[str] = field(default_factory=list)  # sent as hidden fields
    account: str = ""
    accounts: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)

    def fields(
        self, action: str = "authorize", untick: tuple[str, ...] = (), account: str | None = None
    ) -> list[tuple[str, str]]:
        """The form data a browser posts after the user unticks `untick` and presses `action`."""
        data = [(k, v) for k, v in self.hidden]
        data += [("scope", s) for s in self.scopes if s not in untick]
        data.append(("open_id", account if account is not None else self.account))
        data.append(("action", action))
        return data


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form = ConsentForm()
        self._in_select = False
        self._selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.form.action = a.get("action", "")
        elif tag == "input":
            kind, name, value = a.get("type", "text"), a.get("name", ""), a.get("value", "")
            if not name or "disabled" in a:
                return
            if kind == "checkbox" and name == "scope":
                if "checked" in a:
                    self.form.scopes.append(value)
            elif kind == "hidden" and name == "scope":
                self.form.locked_scopes.append(value)
                self.form.hidden.append((name, value))
            elif kind in ("hidden", "text"):
                self.form.hidden.append((name, value))
        elif tag == "select" and a.get("name") == "open_id":
            self._in_select = True
        elif tag == "option" and self._in_select:
            value = a.get("value", "")
            self.form.accounts.append(value)
            if "selected" in a:
                self.form.account, self._selected = value, True
            elif not self._selected and not self.form.account:
                self.form.account = value
        elif tag == "button" and a.get("name") == "action":
            self.form.buttons.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._in_select = False


def parse_consent_form(html: str) -> ConsentForm:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.form
