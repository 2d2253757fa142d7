"""Typed, user-safe errors: each carries a plain message, a next step and the CLI exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # TikTok reported FAILED
EXIT_INPUT = 2  # bad input or a broken limit; nothing was sent
EXIT_AUTH = 3  # authorization
EXIT_API = 4  # API or network failure after retries
EXIT_INTERRUPTED = 130


class ClipshipError(Exception):
    """Base of every error shown to a user. str() is the message; `hint` says what to do next."""

    exit_code = EXIT_API

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def user_text(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class InputError(ClipshipError):
    """Bad input or a broken limit, found before anything was sent."""

    exit_code = EXIT_INPUT


class AuthError(ClipshipError):
    """Not signed in, a token TikTok refused, or a failed sign-in."""

    exit_code = EXIT_AUTH


class NetworkError(ClipshipError):
    """The network or the API failed, after retries."""

    exit_code = EXIT_API


class Cancelled(ClipshipError):
    """The user cancelled; nothing more will be sent."""

    exit_code = EXIT_INTERRUPTED
