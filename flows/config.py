"""Defaults of the flows' parameters, chosen so that a plain "Run" in the UI works out of the box."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from enum import StrEnum
from pathlib import Path

from policy.catalogue import CODES, TITLES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INPUTS = PROJECT_ROOT / "sample_inputs"
DEFAULT_REFERENCE = SAMPLE_INPUTS / "reference"
DEFAULT_OUT = PROJECT_ROOT / "out"
DEFAULT_INBOX = PROJECT_ROOT / "inbox"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


# The programmes as the UI's multi-select offers them: by their Chinese names (a clerk's words),
# in the catalogue's order; each member's name is the programme's code.
Program = StrEnum("Program", {code: TITLES[code] for code in CODES})  # type: ignore[misc]
ALL_PROGRAMS = list(Program)


def today() -> dt.date:
    """The assessment date when none is given: today in the department's time zone."""
    return dt.datetime.now(SHANGHAI).date()


SAMPLE_RECORDS = DEFAULT_REFERENCE / "records"  # the department's own, beside its lists
DEFAULT_FINDS_OUT = DEFAULT_OUT / "finds"
