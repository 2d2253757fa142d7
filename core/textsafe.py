"""Text from outside (file names, titles, server messages) made safe to print on a terminal.

Control characters (C0 but newline and tab, DEL, C1), bidirectional overrides and the lone surrogates that stand
for undecodable bytes in file names are shown as escapes (`\\x1b`, `\\u202e`), so a file named
"evil\\x1b]0;PWNED\\x07.mp4" cannot retitle or clear the terminal, and printing never raises UnicodeEncodeError.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """`text` with every unsafe character escaped (newlines and tabs kept)."""
    return _UNSAFE.sub(_escape, text)


class SafeStream:
    """A text stream that escapes what it is given; `write_raw` is for the program's own control (a progress bar's
    carriage return)."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        return self._inner.write(safe(text.replace("\r", "\\r")))

    def write_raw(self, text: str) -> int:
        return self._inner.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
