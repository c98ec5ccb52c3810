"""Dated parameters: lookup on either side of a start date, errors, versions, provisionals."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from policy.parameters import (
    DEFAULT_POLICY_DIR,
    ParameterReads,
    PolicyError,
    describe,
    load_policy,
)
from validators.registered_checks import INDUSTRIES

POLICY = load_policy()


def test_value__latest_start_on_or_before_the_date() -> None:
    share = "contributions.relief_share_pension_unemployment_injury"
    assert POLICY.value(share, dt.date(2020, 1, 31))["sme"] == 0
    assert POLICY.value(share, dt.date(2020, 2, 1))["sme"] == 1
    assert POLICY.value(share, dt.date(2020, 6, 30))["other"] == Decimal("0.5")
    assert POLICY.value(share, dt.date(2020, 7, 1))["other"] == 0


def test_value__decimals_are_exact() -> None:
    assert POLICY.value("stabilization_refund.layoff_rate_max", dt.date(2020, 6, 1)) == Decimal(
        "0.055"
    )


def test_value__a_date_before_every_value_is_an_error() -> None:
    with pytest.raises(PolicyError):
        POLICY.value("new_hire.per_person", dt.date(2019, 12, 31))


def test_at_each__vectorised_lookup_raises_for_early_dates() -> None:
    parameter = POLICY.parameter("contributions.pension_employer_rate")
    positions, table = parameter.at_each(np.array(["2020-03-01"], dtype="datetime64[D]"))
    assert table[positions[0]] == Decimal("0.16")
    with pytest.raises(PolicyError):
        parameter.at_each(np.array(["2019-01-01"], dtype="datetime64[D]"))


def test_reads__record_used_and_provisional_parameters() -> None:
    reads = ParameterReads(POLICY)
    reads.value("spring_festival_production.window", dt.date(2020, 2, 1))
    reads.value("spring_festival_production.per_person_day", dt.date(2020, 2, 1))
    assert reads.provisional() == ["spring_festival_production.window"]


def test_load_policy__any_edit_changes_the_version(tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(DEFAULT_POLICY_DIR, folder)
    assert load_policy(folder).version == POLICY.version
    path = folder / "new_hire.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("1000", "1500"), encoding="utf-8")
    changed = load_policy(folder)
    assert changed.version != POLICY.version
    assert changed.value("new_hire.per_person", dt.date(2020, 3, 1)) == 1500


def test_size_table__covers_every_industry_the_schema_accepts() -> None:
    table = POLICY.value("enterprise_size.size_thresholds", dt.date(2020, 1, 1))
    assert set(table) == set(INDUSTRIES)


def test_describe__a_value_with_a_source_of_its_own_shows_it_the_others_the_parameters() -> None:
    policy = load_policy()
    name = "contributions.relief_share_pension_unemployment_injury"
    rows = {r["start"]: r["reference"] for r in describe(policy, [name])}
    assert list(rows) == ["2019-05-01", "2020-02-01", "2020-07-01", "2021-01-01"]
    assert "减免开始前" in rows["2019-05-01"]
    assert "期满" in rows["2021-01-01"]
    assert rows["2020-02-01"] == rows["2020-07-01"] == policy.parameter(name).reference


def test_load_policy__no_value_starts_before_the_rates_it_goes_with() -> None:
    """The zero shares once dated 2000-01-01 start with the rates they multiply."""
    policy = load_policy()
    earliest = min(start for p in policy.parameters.values() for start in p.starts)
    assert earliest == dt.date(2011, 6, 18)  # the SME size standard (工信部联企业〔2011〕300号)
    shares = [n for n in policy.parameters if n.startswith("contributions.relief_share")]
    assert {policy.parameter(n).starts[0] for n in shares} == {dt.date(2019, 5, 1)}


def test_load_policy__a_reference_for_a_date_with_no_value_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(DEFAULT_POLICY_DIR, folder)
    path = folder / "new_hire.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "    2020-01-01: 1000\n", "    2020-01-01: 1000\n  references:\n    2020-06-01: x\n"
        ),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="references"):
        load_policy(folder)
