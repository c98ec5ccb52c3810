"""Nothing in an input folder is skipped silently (SPEC §3): folders are read recursively,
a file that is not a workbook is reported `UNSUPPORTED_FILE` without naming the batch, Office
owner and hidden files are counted; a missing reference list stops only the programmes that
need it (`REFERENCE_MISSING`, with the list and where it was looked for), never read as empty."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from openpyxl import Workbook

from batch import run
from batch.inputs import decide, read_input
from policy.catalogue import CODES
from tests.conftest import ACCEPTANCE
from workbooks.reader import list_inputs, read_references

AS_OF = dt.date(2020, 12, 31)
INPUTS, REFERENCE = ACCEPTANCE / "inputs", ACCEPTANCE / "reference"


def batch_of(inputs: list[Path], reference: Path | None, out: Path) -> run.Batch:
    """A dry run's plan, reading and admission, as the flow does them."""
    request = run.Request(inputs, reference, out, set(CODES), AS_OF, dry_run=True)
    plan = run.plan(request, None)
    return run.admit(plan, [read_input(p) for p in plan.paths], None)


def test_listing__subfolders_are_read_and_other_files_reported(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    shutil.copytree(INPUTS, folder / "济南")
    (folder / "济南" / "说明.docx").write_bytes(b"PK\x03\x04 not a workbook")
    (folder / "名单.csv").write_text("a,b\n", encoding="utf-8")
    (folder / "~$稳岗返还申请.xlsx").write_bytes(b"owner file")
    (folder / ".DS_Store").write_bytes(b"")
    (folder / "archive" / "old").mkdir(parents=True)
    (folder / "archive" / "old" / "x.xlsx").write_bytes(b"")

    listing = list_inputs([folder], skip=("archive",))
    assert [listing.names[p] for p in listing.workbooks] == sorted(
        f"济南/{p.name}" for p in INPUTS.iterdir()
    )
    assert [listing.names[p] for p in listing.unsupported] == ["名单.csv", "济南/说明.docx"]
    assert listing.ignored == 2

    shutil.rmtree(folder / "archive")  # an inbox's archive: the nightly run lists the inbox
    batch = batch_of([folder], REFERENCE, tmp_path / "out")
    errors = {f.name: f.error for f in batch.files}
    assert errors["名单.csv"] == errors["济南/说明.docx"] == "UNSUPPORTED_FILE"
    assert all(errors[n] is None for n in errors if n.startswith("济南/") and n.endswith(".xlsx"))
    # Not inputs: the batch id is the one of the workbooks alone.
    only = tmp_path / "only"
    shutil.copytree(INPUTS, only / "济南")
    assert batch_of([only], REFERENCE, tmp_path / "out").identity == batch.identity


def test_listing__a_missing_reference_list_stops_only_the_programmes_that_need_it(
    tmp_path: Path,
) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference)
    (reference / "重点企业名单.xlsx").unlink()
    batch = batch_of([INPUTS], reference, tmp_path / "out")
    errors = {f.name: (f.error, f.message) for f in batch.files}
    code, message = errors["春节防疫物资生产用工补贴.xlsx"]
    assert code == "REFERENCE_MISSING"
    assert "重点企业名单" in message and str(reference) in message
    others = {n: e for n, (e, _) in errors.items() if n != "春节防疫物资生产用工补贴.xlsx"}
    assert set(others.values()) == {None}
    programs = {
        r.program
        for r in decide(batch.files, run.load_policy(None), AS_OF, read_references(reference))
    }
    assert "spring_festival_production" not in programs and len(programs) == 5


def test_listing__a_missing_folder_or_a_list_held_twice_is_missing_an_empty_list_is_not(
    tmp_path: Path,
) -> None:
    gone = read_references(tmp_path / "no-such-folder")
    assert gone.lists == {} and all("不存在" in why for why in gone.missing.values())

    twice = tmp_path / "twice"
    shutil.copytree(REFERENCE, twice)
    shutil.copy(twice / "严重失信名单.xlsx", twice / "严重失信名单（副本）.xlsx")
    found = read_references(twice)
    assert "严重失信名单" not in found.lists
    assert "2 个工作簿" in found.why_missing("严重失信名单")

    empty = tmp_path / "empty"
    shutil.copytree(REFERENCE, empty)
    book = Workbook()
    sheet = book.active
    sheet.title = "严重失信名单"
    sheet.append(["统一社会信用代码", "单位名称"])
    (empty / "严重失信名单.xlsx").unlink()
    book.save(empty / "严重失信名单.xlsx")
    listed = read_references(empty)
    assert listed.lists["严重失信名单"] == frozenset() and listed.why_missing("严重失信名单") == ""
