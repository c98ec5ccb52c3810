"""The data walks one way (STYLE.md): workbooks → validators → policy → ledger → workbooks, with
the registry (the one owner of the database), the bank's files, and the use-cases of `batch/`
and `money/` above them, and `flows/` on top. Rules, validation, the registry and the Excel code
import no Prefect and never call back into `flows/`, so each is a plain library a flow wraps;
a flow sees only the use-cases (issue 23)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from policy.catalogue import CODES

ROOT = Path(__file__).resolve().parent.parent
LOWER = [
    "bank",
    "batch",
    "money",
    "registry",
    "policy",
    "validators",
    "ledger",
    "workbooks",
    "synthetic",
]
PRODUCTION = [*LOWER, "flows"]
EXCEL = {"openpyxl", "python_calamine", "rust_xlsxwriter", "xlsxwriter"}
# What each lower package may not import, besides Prefect and flows.
USE_CASES = {"batch", "money"}
FORBIDDEN = {
    "policy": {"ledger", "workbooks", "registry", "bank", *USE_CASES},
    "validators": {"policy", "ledger", "workbooks", "registry", "bank", *USE_CASES},
    "workbooks": {"registry", "bank", *USE_CASES},
    "ledger": {"workbooks", "bank", *USE_CASES},
    "registry": {"ledger", "workbooks", "bank", *USE_CASES},
    "bank": {"ledger", "registry", *USE_CASES},
    "money": {"batch"},  # batch runs money's steps (recovery items, checks), never back
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


def test_layers__flows_see_the_use_cases_never_the_ledger_or_the_registry() -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(imported(path) & {"ledger", "registry"})
        for path in (ROOT / "flows").rglob("*.py")
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_layers__only_the_registry_speaks_sql() -> None:
    """SQLAlchemy (and Alembic) only in `registry/`: every other module calls its named
    functions, so the database has one owner."""
    offending = {
        str(path.relative_to(ROOT)): sorted(imported(path) & {"sqlalchemy", "alembic"})
        for package in [*PRODUCTION, "scripts"]
        if package != "registry"
        for path in (ROOT / package).rglob("*.py")
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_layers__no_flow_module_shadows_a_package() -> None:
    """`prefect deploy` loads a flow's file as a script, with `flows/` first on the path: a
    `flows/money.py` would be imported in place of the `money` package."""
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert {path.stem for path in (ROOT / "flows").glob("*.py")} & packages == set()
