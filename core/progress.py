"""Progress arithmetic shared by the command line and the window: throttling, speed and ETA, byte and time text."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class Throttle:
    """Lets a call through at most once per `interval_s`; the last report (done == total) always passes."""

    def __init__(self, interval_s: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._last = float("-inf")

    def ready(self, done: int = 0, total: int = -1) -> bool:
        now = self._clock()
        if done == total or now - self._last >= self.interval_s:
            self._last = now
            return True
        return False

    def reset(self) -> None:
        self._last = float("-inf")


class RateEstimator:
    """Speed (bytes/s) over the last `window_s` seconds of samples, and the time left at that speed."""

    def __init__(self, window_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, done: int, now: float | None = None) -> None:
        t = self._clock() if now is None else now
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # a restart (retry from an earlier offset): start over
        self._samples.append((t, done))
        while len(self._samples) > 2 and t - self._samples[0][0] > self.window_s:
            self._samples.popleft()

    def speed(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def eta_s(self, done: int, total: int) -> float | None:
        speed = self.speed()
        if speed <= 0 or total <= 0:
            return None
        return max(0.0, (total - done) / speed)

    def reset(self) -> None:
        self._samples.clear()


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KB' (decimal units, as file managers show sizes)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def human_duration(seconds: float) -> str:
    """75 -> '1:15', 3725 -> '1:02:05'."""
    s = max(0, int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def eta_text(left: int, speed: float) -> str:
    """Time left as m:ss (h:mm:ss from an hour on); '--:--' while the speed is not known yet."""
    if left <= 0:
        return "0:00"
    if speed <= 0:
        return "--:--"
    return human_duration(math.ceil(left / speed))
