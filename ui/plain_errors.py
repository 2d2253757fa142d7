"""Errors in the window's words: one plain sentence, one next step, and the technical details kept apart.

The core's messages serve the command line too: they carry TikTok's codes and log ids, and their hints name
commands and flags ("Sign in again with 'clipship login'"). The window shows none of that in its text. It shows
`Explained.sentence` and `Explained.step`; codes, log ids, HTTP statuses and the full technical message go to
`Explained.details`, behind a "Details" toggle with "Copy details".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ApiError, AuthError, ClipshipError, NetworkError, PublishFailed, UploadError

UNEXPECTED = "Something unexpected went wrong."
UNEXPECTED_STEP = "Try again. If it keeps happening, copy the details and send them to us."

# A parenthesis that holds codes rather than words: "(TikTok: internal_error, …; log_id …)", "(HTTP 416)",
# "(ConnectionError)", "(last: HTTP 503)", "(file_format_check_failed)".
_TECHNICAL_PAREN = re.compile(
    r"\s*\((?:TikTok: |HTTP \d|last: |log_id |[A-Z][A-Za-z]*(?:Error|Exception|Timeout)\b|[a-z0-9]+_[a-z0-9_]+\b)"
    r"[^()]*\)"
)
# Command lines the core's hints use, and what the window says instead.
_WINDOW_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Sign in again with 'clipship login'[^.]*\."), "Sign in again."),
    (re.compile(r"(?:Run|Sign in with) 'clipship login'[^.]*\."), "Sign in to TikTok."),
    (
        re.compile(r"See how it ends with 'clipship status [^']*'(?: \(or on the History tab\))?\."),
        "The History tab shows how it ends.",
    ),
    (
        re.compile(r"[^.]*check with 'clipship status [^']*' before posting again\."),
        "TikTok may still publish it: look on the History tab before posting again.",
    ),
    (re.compile(r"Check again later with 'clipship status [^']*'\."), "The History tab shows how it ends."),
    (re.compile(r"Check again with 'clipship status [^']*'\."), "The History tab shows how it ends."),
    (
        re.compile(r"Check the video with 'clipship check VIDEO' and post again\."),
        "Check the video's format and post it again.",
    ),
    (
        re.compile(r"Check the file with 'clipship check VIDEO' and try again\."),
        "Check the video's format and try again.",
    ),
    (re.compile(r"Post it again only if you mean to \(--force\)\."), "Post it again only if you mean to."),
    (re.compile(r"\s*\((?:--|CLIPSHIP_|'clipship )[^)]*\)"), ""),
)
_COMMAND = re.compile(r"'clipship |(?<![\w-])--[a-z]|CLIPSHIP_")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Explained:
    """What the window says about an error: `sentence` and `step` in its text, `details` behind a toggle."""

    sentence: str
    step: str
    details: str
    needs_sign_in: bool = False  # TikTok no longer accepts the sign-in: the window asks for a new one
    unaudited: bool = False  # TikTok refused the post because this app is not audited yet

    def text(self) -> str:
        """Sentence and step as one line, e.g. for a status bar or a form note."""
        return f"{self.sentence} {self.step}".strip()


def plain_sentence(text: str) -> str:
    """`text` without its code-only parentheses, and without sentences that name a command line."""
    text = _TECHNICAL_PAREN.sub("", text)
    return window_words(text)


def window_words(text: str) -> str:
    """A hint in the window's words: commands and flags become what to do in the window, or are left out."""
    for pattern, replacement in _WINDOW_WORDS:
        text = pattern.sub(replacement, text)
    kept = [s for s in _SENTENCE.split(text.strip()) if s and not _COMMAND.search(s)]
    return " ".join(kept)


def explain(error: BaseException | None) -> Explained:
    """The plain-words form of any error the window can meet (the core's, or an unexpected one)."""
    if not isinstance(error, ClipshipError):
        kind = type(error).__name__ if error is not None else "no error object"
        return Explained(UNEXPECTED, UNEXPECTED_STEP, f"Unexpected error: {kind}")
    needs_sign_in = isinstance(error, AuthError) and not _scope_problem(error)
    sentence = plain_sentence(error.plain or error.message) or UNEXPECTED
    step = window_words(error.hint)
    if not step:
        step = _fallback_step(error)
    if needs_sign_in and "Sign in" not in step:
        step = "Sign in again."
    unaudited = isinstance(error, ApiError) and "unaudited" in error.code
    return Explained(sentence, step if step != sentence else "", details_of(error), needs_sign_in, unaudited)


def details_of(error: ClipshipError) -> str:
    """The technical facts, one per line: for a support request, never needed to understand what happened."""
    lines: list[str] = []
    if isinstance(error, ApiError):
        if error.code:
            lines.append(f"TikTok error code: {error.code}")
        if error.api_message:
            lines.append(f"TikTok's message: {error.api_message}")
        if error.http_status:
            lines.append(f"HTTP status: {error.http_status}")
        if error.log_id:
            lines.append(f"TikTok log id: {error.log_id}")
    if isinstance(error, PublishFailed):
        lines.append(f"fail_reason: {error.fail_reason or '(none given)'}")
        if error.publish_id:
            lines.append(f"publish_id: {error.publish_id}")
        log_ids = getattr(error.result, "log_ids", ())
        if log_ids:
            lines.append(f"TikTok log id: {log_ids[-1]}")
    if isinstance(error, UploadError) and error.http_status:
        lines.append(f"Upload server HTTP status: {error.http_status}")
    lines.append(f"Message: {error.message}")
    lines.append(f"Kind: {type(error).__name__}")
    return "\n".join(lines)


def _scope_problem(error: ClipshipError) -> bool:
    """A sign-in that works but lacks a permission: signing in again with the permission fixes it, not a revoke."""
    return isinstance(error, ApiError) and error.code in ("scope_not_authorized", "scope_permission_missed")


def _fallback_step(error: ClipshipError) -> str:
    if isinstance(error, AuthError):
        return "Sign in again."
    if isinstance(error, NetworkError):
        return "Check the internet connection and try again."
    return "Try again."
