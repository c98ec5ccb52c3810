"""The data walks one way (STYLE.md): workbooks → validators → policy → ledger → workbooks, with
`flows/` on top. Rules, validation, the registry and the Excel code import no Prefect and never
call back into `flows/`, so each is a plain library a flow wraps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from policy.catalogue import CODES

ROOT = Path(__file__).resolve().parent.parent
LOWER = ["bank", "batch", "policy", "validators", "ledger", "workbooks", "synthetic"]
PRODUCTION = [*LOWER, "flows"]
EXCEL = {"openpyxl", "python_calamine", "rust_xlsxwriter", "xlsxwriter"}
# What each lower package may not import, besides Prefect and flows.
FORBIDDEN = {
    "policy": {"ledger", "workbooks"},
    "validators": {"policy", "ledger", "workbooks"},
}


def imported(path: Path) -> set[str]:
    """Top-level names of every module a file imports (at any depth, lazily or not)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", LOWER)
def test_layers__lower_packages_import_no_prefect_and_no_flows(package: str) -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(
            imported(path) & ({"prefect", "prefect_dask", "flows"} | FORBIDDEN.get(package, set()))
        )
        for path in (ROOT / package).rglob("*.py")
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_layers__only_workbooks_opens_excel() -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(imported(path) & EXCEL)
        for package in PRODUCTION
        if package != "workbooks"
        for path in (ROOT / package).rglob("*.py")
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_layers__programme_codes_are_literals_only_in_the_catalogue() -> None:
    """Everything else takes a programme from `policy.catalogue`, never by spelling its code."""
    codes = set(CODES)
    spelled = {}
    for package in [*PRODUCTION, "scripts"]:
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "policy" / "catalogue.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found = {
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and node.value in codes
            }
            if found:
                spelled[str(path.relative_to(ROOT))] = sorted(found)
    assert spelled == {}


def test_layers__the_failure_wrapper_knows_refusals_by_their_base_not_by_use_case() -> None:
    """`flows/failures.py` catches `policy.refusal.Refusal`: it imports no use-case module, so
    a flow does not pull in the money loop to report a refusal."""
    found = imported(ROOT / "flows" / "failures.py")
    assert found & {"bank", "batch", "ledger", "money", "registry", "workbooks"} == set()
