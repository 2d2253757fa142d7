"""A real X server for a test: Xvfb on a free display number, stopped afterwards (skips when Xvfb is missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def xvfb(size: str = "1024x700") -> Iterator[str]:
    """Yields the DISPLAY (":N") of an Xvfb screen of `size` (WxH), 24-bit."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("needs Xvfb (apt-get install xvfb; .ci/run installs it)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [binary, "-displayfd", str(write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    try:
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)
