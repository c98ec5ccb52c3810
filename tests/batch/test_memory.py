"""Freed heap goes back to the operating system between a run's phases (`batch.memory`)."""

from __future__ import annotations

import os

from batch.memory import release_freed_memory

PAGE = os.sysconf("SC_PAGE_SIZE")


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def test_release_freed_memory__a_freed_heap_below_a_live_block_leaves_the_process() -> None:
    # 300 MB in 1 KB blocks (malloc's heap, not Python's small-object arenas), then one block
    # allocated after them that stays alive: the allocator cannot give the freed space back
    # by lowering the top of its heap, so without a trim the process keeps it.
    blocks = [bytearray(1024) for _ in range(300_000)]
    pin = bytearray(1024)
    del blocks
    before = _resident()
    release_freed_memory()
    after = _resident()
    assert before - after > 200 * 2**20, (before, after)
    assert pin  # alive until here
