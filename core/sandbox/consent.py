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
# A card on a grey page, light and dark; the red button is white text on #d6153e (5.2:1), as in the app.
STYLE = (
    ":root{color-scheme:light dark;--bg:#f1f1f2;--card:#fff;--text:#161823;--muted:#5c5e66;--line:#e3e3e4;"
    "--red:#d6153e;--field:#f8f8f8}"
    "@media (prefers-color-scheme:dark){:root{--bg:#121212;--card:#1f1f23;--text:#f1f1f2;--muted:#a8a8ae;"
    "--line:#34343a;--field:#2a2a2f}}"
    "body{margin:0;background:var(--bg);color:var(--text);"
    "font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}"
    ".card{box-sizing:border-box;max-width:30em;margin:2em auto;padding:1.75em 2em;background:var(--card);"
    "border:1px solid var(--line);border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}"
    "h1{font-size:1.35em;line-height:1.3;margin:.4em 0 .5em}h2{font-size:1em;margin:1.2em 0 .4em}"
    ".brand{margin:0;font-weight:700;display:flex;align-items:center;gap:.45em}"
    ".logo{display:inline-grid;place-items:center;width:1.7em;height:1.7em;border-radius:50%;"
    "background:var(--text);color:var(--card);font-size:.8em}"
    ".badge{font-size:.75em;font-weight:600;padding:.1em .55em;border-radius:1em;background:#fde7ec;color:#a3102f}"
    ".note{color:var(--muted);font-size:.92em;margin:0 0 1.2em}"
    ".account{display:flex;flex-direction:column;gap:.3em;font-weight:600}"
    "select{font:inherit;font-weight:400;padding:.45em .5em;border:1px solid var(--line);border-radius:8px;"
    "background:var(--field);color:var(--text)}"
    "ul{list-style:none;padding:0;margin:0}li{padding:.55em 0;border-bottom:1px solid var(--line)}"
    "li:last-child{border-bottom:0}li label{display:flex;gap:.6em;align-items:baseline}"
    "input[type=checkbox]{accent-color:var(--red);width:1.05em;height:1.05em;flex:none}"
    "code{display:block;color:var(--muted);font-size:.78em;margin-top:.1em}"
    ".buttons{display:flex;gap:.75em;margin:1.5em 0 0}"
    "button{flex:1;font:inherit;font-weight:600;padding:.65em 1em;border-radius:8px;cursor:pointer;"
    "border:1px solid var(--line);background:var(--field);color:var(--text)}"
    "button.primary{background:var(--red);border-color:var(--red);color:#fff}"
    "button:focus-visible,select:focus-visible,input:focus-visible{outline:3px solid #2f7de1;outline-offset:2px}"
)


def render(app_name: str, request_id: str, scopes: list[str], accounts: list[tuple[str, str]], chosen: str) -> str:
    """The consent page: `accounts` is [(open_id, label)], `chosen` the preselected open_id."""
    rows = []
    for scope in scopes:
        label = escape(SCOPE_LABELS.get(scope, scope))
        if scope == REQUIRED_SCOPE:
            rows.append(
                f'<li><label><input type="checkbox" checked disabled> <span>{label} <code>{escape(scope)}</code>'
                f'</span></label><input type="hidden" name="scope" value="{escape(scope)}"></li>'
            )
        else:
            rows.append(
                f'<li><label><input type="checkbox" name="scope" value="{escape(scope)}" checked> <span>{label} '
                f"<code>{escape(scope)}</code></span></label></li>"
            )
    options = "".join(
        f'<option value="{escape(oid)}"{" selected" if oid == chosen else ""}>{escape(label)}</option>'
        for oid, label in accounts
    )
    options += '<option value="__new__">Another sandbox account</option>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize {escape(app_name)}</title><style>{STYLE}</style></head>
<body><main class="card">
<p class="brand"><span class="logo" aria-hidden="true">&#9654;</span> TikTok <span class="badge">Sandbox</span></p>
<h1>{escape(app_name)} wants to access your TikTok account</h1>
<p class="note">This is the Clipship sandbox, a local stand-in for TikTok. No real account is used.</p>
<form method="post" action="/v2/auth/authorize/">
<input type="hidden" name="auth_request" value="{escape(request_id)}">
<p><label class="account">Account <select name="open_id">{options}</select></label></p>
<h2>{escape(app_name)} wants to:</h2>
<ul>{"".join(rows)}</ul>
<p class="buttons"><button type="submit" name="action" value="authorize" class="primary">Authorize</button>
<button type="submit" name="action" value="cancel">Cancel</button></p>
</form></main></body></html>
"""


def error_page(title: str, detail: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<style>{STYLE}</style></head><body><main class="card"><p class="brand"><span class="logo" '
        f'aria-hidden="true">&#9654;</span> TikTok <span class="badge">Sandbox</span></p>'
        f"<h1>{escape(title)}</h1><p>{escape(detail)}</p></main></body></html>\n"
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
