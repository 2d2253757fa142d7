"""argparse types that check what a user types: a bad value is exit 2 with a message, never a traceback."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from core.config import CHUNK_MAX, CHUNK_MIN


def whole(low: int, high: int, what: str = "a whole number") -> Callable[[str], int]:
    """An integer in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: use {low:,}-{high:,}")
        return value

    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """A finite number of seconds in [low, high] (nan and inf never time out, so they are refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range: use {low:g}-{high:g} seconds")
        return value

    return parse


port = whole(1, 65535, "a port number")
port_or_any = whole(0, 65535, "a port number (0: any free port)")
chunk_size = whole(CHUNK_MIN, CHUNK_MAX, "a chunk size in bytes")
