"""The suite's own tables name files that exist: a renamed test file would otherwise drop out
of `make check`'s exclusions or of the longest-first start without anyone noticing."""

from __future__ import annotations

from tests.conftest import LONGEST_FIRST, ROOT, SLOW


def test_suite__every_slow_and_longest_first_entry_names_a_test_file() -> None:
    named = {entry.split("::", 1)[0] for entry in [*SLOW, *LONGEST_FIRST]}
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == []


def test_suite__the_longest_files_are_all_left_to_make_test() -> None:
    assert [p for p in LONGEST_FIRST if not any(p.startswith(s) for s in SLOW)] == []
