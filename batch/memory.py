"""Memory the run has freed, handed back to the operating system between phases.

A province's read and decision frames are freed by the time the batch is settled, but glibc's
allocator keeps most of the freed heap for reuse, so the process stays as large as at its
largest (measured on the province benchmark: 1.57 GiB after deciding, 1.09 GiB once trimmed).
`malloc_trim` returns the free pages; elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def libc() -> ctypes.CDLL | None:
    """The C library, loaded once; None where it cannot be found."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the operating system (glibc's `malloc_trim(0)`)."""
    trim = getattr(libc(), "malloc_trim", None)  # none outside glibc (macOS, musl)
    if trim is not None:
        trim(0)
