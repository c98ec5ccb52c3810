"""The law inside the repo: every reason code names the SPEC clause it implements, quoted
verbatim from the copy of the SPEC kept in `policy/sources/` (which must match the shared one
whenever the shared one is beside the checkout)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import yaml

from policy.catalogue import CATALOGUE
from policy.outcomes import REASONS

SOURCES = Path(__file__).resolve().parents[2] / "policy" / "sources"
SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "SPEC.md"


def clauses() -> dict[str, dict[str, str]]:
    return yaml.safe_load((SOURCES / "reason_clauses.yaml").read_text(encoding="utf-8"))["clauses"]


def test_sources__every_reason_code_cites_a_clause_quoted_verbatim() -> None:
    spec = (SOURCES / "SPEC.md").read_text(encoding="utf-8")
    cited = clauses()
    assert set(cited) == set(REASONS)
    misquoted = {code: c["quote"] for code, c in cited.items() if c["quote"] not in spec}
    assert misquoted == {}
    headings = {line.lstrip("#").strip() for line in spec.splitlines() if line.startswith("##")}
    assert {c["section"] for c in cited.values()} <= headings


def test_sources__the_copy_is_the_shared_spec_when_it_is_there() -> None:
    if SHARED_SPEC.exists():  # beside every checkout of this project and in CI
        assert (SOURCES / "SPEC.md").read_bytes() == SHARED_SPEC.read_bytes()


def test_sources__every_rule_names_its_clause_governing_date_and_codes() -> None:
    """Each `decide` docstring cites its SPEC section, says which date governs its
    parameters, and every reason code it names exists and is raised by that module."""
    for programme in CATALOGUE:
        doc = inspect.getdoc(programme.rule) or ""
        assert re.search(r"SPEC §2\.\d", doc), programme.code
        assert "Governing date" in doc, programme.code
        named = set(re.findall(r"\b[A-Z]{2,}(?:_[A-Z]+)+\b", doc))
        assert named <= set(REASONS), (programme.code, named - set(REASONS))
        source = inspect.getsource(inspect.getmodule(programme.rule))  # type: ignore[arg-type]
        raised_here = {code for code in named if f'"{code}"' in source}
        shared = {"SIZE_MISMATCH", "DUPLICATE_CLAIM", "INVALID_VALUE", "CARD_CHECKSUM"}
        assert named - shared <= raised_here, (programme.code, named - shared - raised_here)
