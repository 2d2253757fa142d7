"""The next steps a finished post offers (an Enum, not button labels), and which one a failure calls for."""

from __future__ import annotations

import enum

from core.errors import AuthError, InputError, PublishFailed


class Action(enum.Enum):
    """One next step; the value is the button's label, shown to the user and never compared."""

    RETRY = "Retry"
    SIGN_IN = "Sign in again"
    FIX_FILE = "Fix the file"
    RESUME = "Resume"
    HISTORY = "Show History"

    @property
    def label(self) -> str:
        return self.value


def next_step(error: object) -> Action:
    """Which step a failure offers: sign in again, fix the file, or retry."""
    if isinstance(error, AuthError):
        return Action.SIGN_IN
    if isinstance(error, PublishFailed):
        return Action.RETRY if error.retryable else Action.FIX_FILE
    if isinstance(error, InputError):
        return Action.FIX_FILE
    return Action.RETRY
