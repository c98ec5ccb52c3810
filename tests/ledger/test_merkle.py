"""Merkle roots of decisions (SPEC §4): the tree as the SPEC defines it, paths, CSV records."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import merkle

SECRET = bytes(range(32))
HEADER = b"program,file,sheet,row,credit_code,id_number,outcome,reason_codes,amount\n"


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_root__as_the_spec_writes_it_for_three_leaves_and_none() -> None:
    a, b, c = (sha(bytes([i])) for i in range(3))
    # node = SHA-256(0x01 ‖ left ‖ right); the odd last node is carried up unchanged.
    expected = sha(b"\x01" + sha(b"\x01" + a + b) + c)
    assert merkle.root([a, b, c]) == expected.hex()
    assert merkle.root([a]) == a.hex()
    assert merkle.root([]) == hashlib.sha256(b"").hexdigest() == merkle.EMPTY_ROOT


def test_leaves__salted_with_the_batch_secret_over_file_sheet_and_row() -> None:
    data = (
        HEADER + "new_hire,名单.xlsx,新招用人员,7,,370102199001011234,approved,,1000.00\n".encode()
    )
    lines = merkle.lines_by_file(data)["名单.xlsx"]
    salt = hmac.new(SECRET, "名单.xlsx\x00新招用人员\x007".encode(), "sha256").digest()
    line = data.splitlines()[1]
    assert merkle.leaves(SECRET, lines) == [sha(b"\x00" + salt + line)]
    assert lines.counts == {"approved": 1}
    # The pads hashed once give the same HMAC as the library, for long keys too.
    for key in (SECRET, b"k" * 100):
        assert merkle.Salts(key)("a\x00b\x001") == hmac.digest(key, b"a\x00b\x001", "sha256")


def test_records__a_quoted_cell_with_a_line_break_stays_one_record() -> None:
    rows = [
        'stabilization_refund,a.xlsx,表,2,"91\n37",,rejected,CREDIT_CODE_FORMAT,0.00',
        'stabilization_refund,"b,""c"".xlsx",表,3,913,,approved,,1.00',
        "stabilization_refund,a.xlsx,表,4,913,,held,X,2.00",
    ]
    data = HEADER + "\n".join(rows).encode() + b"\n"
    assert merkle.records(data) == [r.encode() for r in rows]
    found = merkle.lines_by_file(data)
    assert sorted(found) == ["a.xlsx", 'b,"c".xlsx']
    assert found["a.xlsx"].names == ["a.xlsx\x00表\x002", "a.xlsx\x00表\x004"]
    assert merkle.cells_of(rows[1])[1] == 'b,"c".xlsx'


@given(st.integers(1, 40), st.data())
def test_path__every_leaf_folds_back_to_the_root(count: int, data: st.DataObject) -> None:
    bottom = [sha(i.to_bytes(4, "big")) for i in range(count)]
    index = data.draw(st.integers(0, count - 1))
    salt = b"s" * 32
    line = b"line"
    bottom[index] = merkle.leaf(salt, line)
    steps = merkle.path(bottom, index)
    assert merkle.root_of_path(salt, line, steps) == merkle.root(bottom)
    assert merkle.root_of_path(salt, line + b" ", steps) != merkle.root(bottom)


@pytest.mark.parametrize("change", ["edit", "remove", "insert", "reorder"])
def test_roots__any_change_to_a_files_lines_changes_its_root_only(change: str) -> None:
    lines = [f"new_hire,a.xlsx,表,{row},,,approved,,{row}.00" for row in range(2, 9)]
    other = ["new_hire,b.xlsx,表,2,,,approved,,5.00"]
    before = merkle.roots(SECRET, HEADER + "\n".join(lines + other).encode() + b"\n")
    if change == "edit":
        lines[3] = lines[3].replace("approved", "rejected")
    elif change == "remove":
        del lines[3]
    elif change == "insert":
        lines.insert(3, lines[3])
    else:
        lines[2], lines[3] = lines[3], lines[2]
    after = merkle.roots(SECRET, HEADER + "\n".join(lines + other).encode() + b"\n")
    assert after["a.xlsx"] != before["a.xlsx"]
    assert after["b.xlsx"] == before["b.xlsx"]
    assert (
        merkle.roots(b"another secret" * 3, HEADER + "\n".join(other).encode())["b.xlsx"]
        != (before["b.xlsx"])
    )
