"""Memory the run has freed, handed back to the operating system between phases.

A province's read and decision frames are freed by the time the batch is settled, but glibc's
allocator keeps most of the freed heap for reuse, so the process stays as large as at its
largest (measured on the province benchmark: 1.57 GiB after deciding, 1.09 GiB once trimmed).
`malloc_trim` returns the free pages; elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none (macOS, musl)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the operating system (glibc's `malloc_trim(0)`)."""
    trim = _trim()
    if trim is not None:
        trim(0)
