"""Policy finds people end to end: records workbook and a real SQLite registry in, the proposal,
the public notice, the application to feed back, decisions, manifest and audit log out."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from batch.finds import find_people, proposed_csv
from ledger import audit
from ledger.merkle import EMPTY_ROOT
from money import verification
from registry.database import Registry
from tests.finds_case import (
    AS_OF,
    EXPECTED,
    PROPOSED,
    RECORDS,
    A,
    B,
    C,
    H,
    write_earlier_application,
    write_records,
    write_reference,
)
from tests.pipeline import POLICY, decide, settle_case
from workbooks.notice import APPLICATION_FILE


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    root = tmp_path_factory.mktemp("finds")
    reference = write_reference(root / "reference")
    registry_url = f"sqlite:///{root / 'registry.sqlite'}"
    # H applied in an earlier batch and was paid: the registry holds its claim.
    paid = decide(write_earlier_application(root / "earlier"), reference, AS_OF)[1]
    settle_case(paid, registry_url=registry_url)
    records = root / "records"
    write_records(records / "参保缴费记录.xlsx")
    # A workbook that is not a records export is reported, not raised.
    shutil.copy(root / "earlier" / "稳岗返还申请.xlsx", records / "不是缴费记录.xlsx")
    folder = find_people([records], root / "out", reference, registry_url, AS_OF, POLICY)
    return {
        "root": root,
        "records": records,
        "reference": reference,
        "url": registry_url,
        "folder": folder,
    }


def test_claim_keys__the_paid_enterprise_holds_the_2020_claim(case) -> None:
    registry = Registry(case["url"])
    try:
        assert registry.claim_keys("stabilization_refund", "2020") == {H}
        assert registry.claim_keys("stabilization_refund", "2021") == frozenset()
    finally:
        registry.dispose()


def test_find_people__proposed_csv_bom_columns_and_hand_computed_amounts(case) -> None:
    data = (case["folder"] / "proposed.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [
        "credit_code,name,city,amount",
        f"{A},甲精密机械有限公司,济南,16800.00",
        f"{C},丙文化传媒工作室,济南,3360.00",
        f"{B},乙重工集团有限公司,青岛,21000.08",
    ]
    assert H not in data.decode()


def test_proposed_csv__a_name_that_would_be_a_formula_is_written_as_text() -> None:
    frame = pd.DataFrame(
        {"credit_code": [A], "name": ['=HYPERLINK("x")'], "city": ["济南"], "amount": [5]}
    )
    assert proposed_csv(frame).decode("utf-8-sig").splitlines()[1] == (
        f'{A},"\'=HYPERLINK(""x"")",济南,0.05'
    )


def test_find_people__every_record_row_has_exactly_one_decision(case) -> None:
    with (case["folder"] / "decisions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["row"]) for r in rows] == list(range(3, 3 + len(RECORDS)))
    assert {r["file"] for r in rows} == {"参保缴费记录.xlsx"}
    assert {r["credit_code"]: (r["outcome"], r["reason_codes"]) for r in rows} == EXPECTED


def test_find_people__notice_masks_codes_and_states_title_date_count_total(case) -> None:
    sheet = load_workbook(case["folder"] / "公示名单.xlsx")["公示名单"]
    rows = ([c for c in row if c is not None] for row in sheet.iter_rows(values_only=True))
    values = [row for row in rows if row]  # a blank row separates the lines from the table
    assert values[0] == ["公示名单", "失业保险稳岗返还“免申即享”拟发放名单公示"]
    assert values[1] == ["数据截至", "2020年12月31日"]
    assert values[2] == ["公示期", "2021年1月4日至2021年1月8日（5 个工作日）"]
    assert values[3] == ["企业数（家）", "3"]
    assert values[4] == ["拟返还金额合计（元）", "41,160.08"]
    assert values[5][0] == "异议反映" and values[5][1].startswith("对名单有异议的，请于公示期内向")
    assert values[6] == ["序号", "单位名称", "统一社会信用代码", "所属地市", "拟返还金额（元）"]
    assert values[-2] == ["合计", 41160.08]
    assert values[-1][0].startswith("发布单位：山东省人力资源和社会保障厅")
    body = values[7:-2]
    assert [r[2] for r in body] == [c[:4] + "*" * 10 + c[-4:] for c, _, _ in PROPOSED]
    assert [(r[0], r[3], r[4]) for r in body] == [
        (n, city, amount / 100) for n, (_, city, amount) in enumerate(PROPOSED, start=1)
    ]


def test_find_people__the_application_fed_to_a_normal_run_approves_the_same(case, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(case["folder"] / APPLICATION_FILE, inbox / APPLICATION_FILE)
    files, results = decide(inbox, case["reference"], AS_OF)
    assert [f.error for f in files] == [None]
    decisions = results[0].decisions
    assert list(decisions["outcome"]) == ["approved"] * len(PROPOSED)
    assert sorted(zip(decisions["credit_code"], decisions["amount"], strict=True)) == sorted(
        (code, amount) for code, _, amount in PROPOSED
    )
    assert set(decisions["bank_account"]) == {
        "6222020200112233445",
        "6228480402564890018",
        "6227001234567890123",
    }


def test_find_people__manifest_names_inputs_counts_total_and_outputs(case) -> None:
    folder = case["folder"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["id"] == folder.name and len(folder.name) == 16
    assert (manifest["as_of"], manifest["policy_version"]) == ("2020-12-31", POLICY.version)
    inputs = {i["file"]: i for i in manifest["inputs"]}
    assert inputs["参保缴费记录.xlsx"]["rows"] == len(RECORDS)
    assert inputs["不是缴费记录.xlsx"]["error"] == "UNRECOGNISED_FILE"
    assert inputs["不是缴费记录.xlsx"]["rows"] == 0
    assert manifest["decisions"] == {
        "input_rows": len(RECORDS),
        "approved": 3,
        "rejected": 6,
        "held": 0,
    }
    assert manifest["proposed"] == {"enterprises": 3, "amount": "41160.08"}
    assert manifest["claims"] == {"registry_checked": True, "already_claimed": 1}
    for name, sha in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha
        assert (folder / name).stat().st_mode & 0o777 == 0o640
    assert set(manifest["outputs"]) == {
        "proposed.csv",
        "公示名单.xlsx",
        APPLICATION_FILE,
        "decisions.csv",
    }


def test_find_people__audit_log_chains_a_run_the_roots_of_each_file_and_the_outputs(
    case,
) -> None:
    path = case["folder"] / "audit.jsonl"
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in events] == ["run", "input_file", "input_file", "outputs_written"]
    files = {e["file"]: e for e in events if e["event"] == "input_file"}
    read = files["参保缴费记录.xlsx"]
    assert read["rows"] == sum(read["counts"].values()) == len(RECORDS)
    other = files["不是缴费记录.xlsx"]  # not a records export: no decisions, the empty root
    assert (other["rows"], other["merkle_root"]) == (0, EMPTY_ROOT) and other["error"]
    assert {e["batch_id"] for e in events} == {case["folder"].name}
    assert audit.verify(path) is None
    assert verification.audit_problems(path, case["url"]) == []


def test_find_people__same_inputs_same_folder_and_bytes(case, tmp_path) -> None:
    def again() -> Path:
        return find_people(
            [case["records"]], tmp_path / "out", case["reference"], case["url"], AS_OF, POLICY
        )

    first, second = again(), again()
    assert first == second and first.name == case["folder"].name
    for name in (
        "proposed.csv",
        "公示名单.xlsx",
        APPLICATION_FILE,
        "decisions.csv",
        "manifest.json",
    ):
        assert (second / name).read_bytes() == (case["folder"] / name).read_bytes(), name
    runs = [
        json.loads(line)
        for line in (second / "audit.jsonl").read_text(encoding="utf-8").splitlines()
        if '"event":"run"' in line
    ]
    assert [r["already_recorded"] for r in runs] == [False, True]
    assert audit.verify(second / "audit.jsonl") is None


def test_find_people__without_the_registry_the_paid_enterprise_is_proposed_elsewhere(
    case, tmp_path
) -> None:
    folder = find_people(
        [case["records"]], tmp_path / "out", case["reference"], None, AS_OF, POLICY
    )
    assert folder.name != case["folder"].name
    assert H in (folder / "proposed.csv").read_text(encoding="utf-8-sig")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["claims"] == {"registry_checked": False, "already_claimed": 0}
