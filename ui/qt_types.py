"""Qt type names the PySide6 stubs do not model: declared once, so signals and slots need no ignores."""

from __future__ import annotations

from typing import Any

# A 64-bit signal argument: Signal(int) truncates byte counts above 2 GiB (PLATFORM-NOTES). The stubs accept
# only types for Signal/Slot, while the C++ type name is what keeps the value whole.
INT64: Any = "qint64"
