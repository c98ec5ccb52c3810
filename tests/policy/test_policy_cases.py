"""Policy cases as data: every YAML file in `cases/` is a programme's rules on both sides of
each boundary of SPEC §2, each case named as a sentence.

A case gives the rows (fields overriding the file's valid defaults), the reference lists, and
what each decision row must be. Rows go through the real cleaning and validation first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from policy.catalogue import PROGRAMS
from policy.money import fen_text
from policy.parameters import load_policy
from validators.validate import combine, validate_sheet

CASES = Path(__file__).with_name("cases")
POLICY = load_policy()


def load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        suite = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in suite["cases"]:
            params.append(pytest.param(suite, case, id=f"{path.stem}: {case['name']}"))
    return params


def raw_sheet(program: str, sheet: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    headers = {
        attribute: header for attribute, header, _, _ in PROGRAMS[program].sheet(sheet).columns()
    }
    frame = pd.DataFrame([{headers[k]: v for k, v in row.items()} for row in rows], dtype=object)
    frame["row"] = range(2, 2 + len(rows))
    return frame


def decide_case(suite: dict[str, Any], case: dict[str, Any]) -> pd.DataFrame:
    program = suite["program"]
    sheets = {}
    for sheet, defaults in suite["defaults"].items():
        rows = [{**defaults, **override} for override in case.get("rows", {}).get(sheet, [{}])]
        validated = validate_sheet(raw_sheet(program, sheet, rows), PROGRAMS[program].sheet(sheet))
        sheets[sheet] = combine(sheet, [("case.xlsx", validated)])
    references = {
        name: frozenset(keys)
        for name, keys in {**suite.get("references", {}), **case.get("references", {})}.items()
    }
    as_of = case.get("as_of", suite["as_of"])
    result = PROGRAMS[program].decide(sheets, POLICY, as_of, references)
    return result.decisions.sort_values("row")


@pytest.mark.parametrize(("suite", "case"), load_cases())
def test_policy_case(suite: dict[str, Any], case: dict[str, Any]) -> None:
    decisions = decide_case(suite, case)
    assert len(decisions) == len(case["expect"])
    for (_, got), want in zip(decisions.iterrows(), case["expect"], strict=True):
        assert got["outcome"] == want["outcome"]
        assert got["reason_codes"] == want.get("codes", "")
        if "amount" in want:
            assert fen_text(int(got["amount"])) == want["amount"]
        if "proposed" in want:
            assert fen_text(int(got["proposed"])) == want["proposed"]


def test_policy_cases__cover_every_rule_reason_code() -> None:
    """Each programme reason code, hold and note appears on both an expected row and a file."""
    seen = set()
    for path in CASES.glob("*.yaml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            for want in case["expect"]:
                seen.update(filter(None, want.get("codes", "").split(";")))
    rule_codes = {
        "SR_DISHONEST",
        "SR_INSURED_MONTHS",
        "SR_LAYOFF_RATE",
        "SFP_NOT_KEY_ENTERPRISE",
        "SFP_DAYS_EXCEED_WINDOW",
        "SFP_OVERLAP",
        "NH_RESUME_DATE",
        "NH_HIRE_DATE",
        "NH_NO_CONTRACT",
        "NH_NOT_INSURED",
        "CQ_NOT_CHONGQING",
        "CQ_NOT_REGISTERED",
        "CQ_TOO_SHORT",
        "CR_EXCLUDED_UNIT",
        "DF_NO_HARDSHIP",
        "DF_EXCLUDED_UNIT",
        "DF_PERIOD",
        "CARD_CHECKSUM",
        "SIZE_MISMATCH",
        "UNKNOWN_ENTERPRISE",
        "DUPLICATE_CLAIM",
    }
    assert rule_codes <= seen
