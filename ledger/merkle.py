"""Merkle roots of a batch's decisions, per input file and review round (SPEC §4).

The audit log carries, for each input file, one root over that file's `decisions.csv` lines
instead of one event per row: a province batch adds kilobytes to the log, and the log still
pins every decision, because editing, removing, inserting or reordering any line changes its
file's root.

- leaf  = SHA-256(0x00 ‖ salt ‖ line): `line` is the `decisions.csv` record as UTF-8 without
  its line end (a record whose quoted cell holds a line break stays one record), in file order;
- salt  = HMAC-SHA-256(secret, file ‖ 0x00 ‖ sheet ‖ 0x00 ‖ row), with `file`, `sheet` and `row`
  as the line's own cells and the batch's secret from the registry: without the secret no ID
  can be guessed back from a leaf a receipt shows (the 0x00 separators keep `a`+`bc` apart
  from `ab`+`c`; no workbook or sheet name can hold a NUL);
- node  = SHA-256(0x01 ‖ left ‖ right); an odd last node is carried up unchanged;
- root of no lines = SHA-256 of nothing.

A receipt is one line, its salt and the sibling hashes on the way up; `root_of_path` folds them
back to the root the audit log recorded. Everything here is pure: bytes in, digests out.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEAF = b"\x00"
NODE = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()
FILE, SHEET, ROW, OUTCOME = 1, 2, 3, 6  # cells of a decisions.csv record


@dataclass(frozen=True)
class Lines:
    """One file's decisions as `decisions.csv` holds them, in file order: the cells naming each
    line (file ‖ 0x00 ‖ sheet ‖ 0x00 ‖ row, what its salt is made from) and its record's bytes."""

    names: list[str]
    data: list[bytes]
    counts: dict[str, int]  # lines per outcome


def records(data: bytes) -> list[bytes]:
    """The CSV records of `decisions.csv` after its header, each without its line end.

    A record spans physical lines only inside a quoted cell, and a quote inside a cell is
    doubled, so a record is complete when it holds an even number of quotes."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if b'"' not in data and b"\r" not in data:
        return lines[1:]
    found: list[bytes] = []
    pending: list[bytes] = []
    for physical in lines[1:]:
        pending.append(physical)
        joined = pending[0] if len(pending) == 1 else b"\n".join(pending)
        if joined.count(b'"') % 2 == 0:
            found.append(joined.removesuffix(b"\r"))
            pending = []
    if pending:  # an unclosed quote: still a record, so the root covers every byte
        found.append(b"\n".join(pending))
    return found


def lines_by_file(data: bytes) -> dict[str, Lines]:
    """Each file's lines in `decisions.csv` order (the cells read by pandas' C parser, which
    splits records exactly as `records` does)."""
    return dict(each_file_lines(data))


def each_file_lines(data: bytes) -> Iterator[tuple[str, Lines]]:
    """`lines_by_file` one file at a time: a file's leaf names are made when it comes (a
    province's 1.27M names at once were 0.1 GiB more while its audit was written)."""
    found = records(data)
    if not found:
        return
    cells = pd.read_csv(
        io.BytesIO(data),
        usecols=[FILE, SHEET, ROW, OUTCOME],
        header=0,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        engine="c",
    )
    cells.columns = ["file", "sheet", "row", "outcome"]  # by position, whatever the header says
    if len(cells) != len(found):
        raise ValueError(f"decisions.csv 有 {len(found)} 条记录，但解析出 {len(cells)} 行")
    # Joined in Python: pandas' string dtype drops NUL characters.
    files, sheets, rows = (cells[c].tolist() for c in ("file", "sheet", "row"))
    outcomes = cells["outcome"].to_numpy()
    for file, at in cells.groupby("file", sort=False).indices.items():
        counts = zip(*np.unique(outcomes[at], return_counts=True), strict=True)
        yield (
            str(file),
            Lines(
                [name_of(files[i], sheets[i], rows[i]) for i in at],
                [found[i] for i in at],
                {str(k): int(v) for k, v in counts},
            ),
        )


def cells_of(line: str) -> list[str]:
    """The cells of one decisions.csv record."""
    return next(csv.reader([line]), [])


class Salts:
    """HMAC-SHA-256 under the batch's secret, with the key's inner and outer pads hashed once
    (the standard construction, RFC 2104; a province batch salts a million lines)."""

    def __init__(self, secret: bytes) -> None:
        key = (hashlib.sha256(secret).digest() if len(secret) > 64 else secret).ljust(64, b"\0")
        self.inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self.outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, name: str) -> bytes:
        inner = self.inner.copy()
        inner.update(name.encode())
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def name_of(file: str, sheet: str, row: int | str) -> str:
    return f"{file}\x00{sheet}\x00{row}"


def leaf(salt_bytes: bytes, data: bytes) -> bytes:
    return hashlib.sha256(LEAF + salt_bytes + data).digest()


def leaves(secret: bytes, lines: Lines) -> list[bytes]:
    salt, sha = Salts(secret), hashlib.sha256
    return [sha(LEAF + salt(n) + d).digest() for n, d in zip(lines.names, lines.data, strict=True)]


def levels(bottom: list[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first, root last (one node)."""
    tree = [bottom]
    level = bottom
    sha = hashlib.sha256
    while len(level) > 1:
        upper = [sha(NODE + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            upper.append(level[-1])
        tree.append(upper)
        level = upper
    return tree


def root(bottom: list[bytes]) -> str:
    """The root as hex; SHA-256 of nothing for a file without lines."""
    if not bottom:
        return EMPTY_ROOT
    return levels(bottom)[-1][0].hex()


def roots(secret: bytes, data: bytes) -> dict[str, tuple[str, int]]:
    """Each file's root and line count, from a `decisions.csv`'s bytes."""
    return {
        file: (root(leaves(secret, lines)), len(lines.data))
        for file, lines in each_file_lines(data)
    }


@dataclass(frozen=True)
class Step:
    """A sibling on the way up: its hash, and whether it sits left of the running hash."""

    left: bool
    digest: str


def path(bottom: list[bytes], index: int) -> list[Step]:
    """The siblings from leaf `index` up to the root (levels where the node is carried up
    have no sibling and add no step)."""
    steps = []
    for level in levels(bottom)[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            steps.append(Step(sibling < index, level[sibling].hex()))
        index //= 2
    return steps


def root_of_path(salt_bytes: bytes, data: bytes, steps: Sequence[Step]) -> str:
    running = leaf(salt_bytes, data)
    for step in steps:
        sibling = bytes.fromhex(step.digest)
        pair = sibling + running if step.left else running + sibling
        running = hashlib.sha256(NODE + pair).digest()
    return running.hex()
