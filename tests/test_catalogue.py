"""The programme catalogue is the one list: each programme's rule, parameters and cases are
where the catalogue says, and adding a programme touches exactly four things.

The second test proves the last claim for real: in a copy of the project it adds an example
programme (`tests/data/new-programme/`: a rule module, a parameter file, a cases file, and
one catalogue line plus its import) and runs it through the policy cases, the reader, the
decisions, settlement and every output the reviewer reads, changing nothing else.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from policy.catalogue import CATALOGUE, CODES
from policy.parameters import DEFAULT_POLICY_DIR
from tests.conftest import DATA, ROOT

EXAMPLE = DATA / "new-programme"
CASES = ROOT / "tests" / "policy" / "cases"
PACKAGES = ["batch", "flows", "ledger", "policy", "validators", "workbooks", "synthetic"]


def test_catalogue__each_programme_has_its_rule_module_parameter_file_and_cases_file() -> None:
    assert len(set(CODES)) == len(CATALOGUE)
    for programme in CATALOGUE:
        module = importlib.import_module(programme.rule.__module__)
        assert Path(module.__file__ or "").parent == ROOT / "policy", programme.code
        assert (DEFAULT_POLICY_DIR / f"{programme.namespace}.yaml").is_file(), programme.code
        assert (CASES / f"{programme.code}.yaml").is_file(), programme.code
        for name in programme.references:
            assert name in {"严重失信名单", "重点企业名单", "建档立卡名单"}


PIPELINE = """
import datetime as dt, io, json, sys
from pathlib import Path
import openpyxl
from batch.inputs import decide, read_input
from batch.stage import stage_outputs
from flows.config import Program
from ledger.settlement import BatchIdentity, prepare, settle_alone
from policy.catalogue import CASH, PROGRAMS
from policy.parameters import load_policy
from workbooks.reader import read_references
from workbooks.templates import HEADER_ROW, template_workbook

out = Path(sys.argv[1])
programme = PROGRAMS["hardship_allowance"]
book = template_workbook(programme)
sheet = book["困难生活补助"]
rows = [
    ["370602198812031538", "刘敏华", "烟台", "中国农业银行", "6228480402564890018"],
    ["370602198812031539", "王强", "潍坊", "中国建设银行", "6217000010012345678"],
]
for offset, row in enumerate(rows):
    for column, value in enumerate(row, start=1):
        sheet.cell(row=HEADER_ROW + 1 + offset, column=column, value=value)
book.save(out / programme.file_name)
policy = load_policy(out / "policy")
files = [read_input(out / programme.file_name)]
results = decide(files, policy, dt.date(2020, 12, 31), read_references(None))
identity = BatchIdentity("example", "example", dt.date(2020, 12, 31), policy.version)
settled = settle_alone(prepare(results), identity)
staging = out / "batch"
staging.mkdir()
manifest = stage_outputs(staging, identity, files, settled, results, policy, {})
ledger = openpyxl.load_workbook(staging / "ledger.xlsx")
text = [str(c.value) for ws in ledger for row in ws.iter_rows() for c in row if c.value]
print(json.dumps({
    "in_form": "hardship_allowance" in [p.name for p in Program],
    "cash": "hardship_allowance" in CASH,
    "read_as": files[0].program,
    "outcomes": settled.decisions["outcome"].tolist(),
    "figures": manifest.to_dict()["programs"]["hardship_allowance"],
    "payments": manifest.to_dict()["bank_file"],
    "title_in_ledger": any("一次性困难生活补助（示例）" in t for t in text),
}, ensure_ascii=False))
"""


def test_catalogue__a_new_programme_is_one_rule_one_parameter_file_one_cases_file_one_line(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copytree(
        ROOT / "tests", project / "tests", ignore=shutil.ignore_patterns("data", "__pycache__")
    )
    # The four things a programme brings.
    shutil.copy(EXAMPLE / "hardship_allowance.py", project / "policy" / "hardship_allowance.py")
    policy = project / "policy" / "parameter_files"
    shutil.copy(EXAMPLE / "hardship_allowance.yaml", policy / "hardship_allowance.yaml")
    shutil.copy(
        EXAMPLE / "hardship_allowance_cases.yaml",
        project / "tests" / "policy" / "cases" / "hardship_allowance.yaml",
    )
    catalogue = project / "policy" / "catalogue.py"
    source = catalogue.read_text(encoding="utf-8")
    line = (EXAMPLE / "catalogue_line.txt").read_text(encoding="utf-8")
    source = source.replace(
        "from policy import ", "from policy import hardship_allowance\nfrom policy import ", 1
    )
    source = source.replace("    DEFERRAL,\n)", f"    DEFERRAL,\n{line})")
    assert line in source
    catalogue.write_text(source, encoding="utf-8")
    shutil.copytree(policy, tmp_path / "policy")

    environment = {**os.environ, "PYTHONPATH": str(project), "PYTHONDONTWRITEBYTECODE": "1"}
    cases = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/policy/test_policy_cases.py",
            "-k",
            "hardship_allowance",
        ],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cases.returncode == 0, cases.stdout[-4000:]
    assert "2 passed" in cases.stdout

    done = subprocess.run(
        [sys.executable, "-c", PIPELINE, str(tmp_path)],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "in_form": True,
        "cash": True,
        "read_as": "hardship_allowance",
        "outcomes": ["approved", "rejected"],
        "figures": {"input_rows": 2, "approved": 1, "rejected": 1, "held": 0, "amount": "800.00"},
        "payments": {"payments": 1, "amount": "800.00", "topups": 0, "topup_amount": "0.00"},
        "title_in_ledger": True,
    }
