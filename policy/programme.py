"""What a programme is to this system: one frozen record, one rule signature.

A `Programme` binds the code the registry and outputs use, the Chinese title people read, the
application template it is read from, the rule that decides it, what kind of money it moves,
what its claim key is (SPEC §2 Claims) and which reference lists (SPEC §3) its rule consults.
Every rule has the same signature (`Rule`), so the catalogue (`policy.catalogue`) is a list,
never an if-chain: the reader, the flows and the writers derive everything from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from policy.decisions import ProgramDecisions
from policy.parameters import ParameterReads, PolicySet
from validators.sheets import SheetSpec, Template
from validators.validate import ValidatedSheet

References = Mapping[str, frozenset[str]]


class Kind(StrEnum):
    """What an approved row moves: cash to a bank account, or a register entry."""

    CASH = "cash"  # paid through the bank file, capped per enterprise where the rule says
    RELIEF = "relief"  # contributions waived (减免额), a register, no payment
    DEFERRAL = "deferral"  # contributions deferred (缓缴额), a register, no payment


class Rule(Protocol):
    """A programme's rules: every row of its sheets (all files together) to one decision."""

    def __call__(
        self,
        programme: Programme,
        sheets: dict[str, ValidatedSheet],
        reads: ParameterReads,
        as_of: dt.date,
        references: References,
    ) -> ProgramDecisions: ...


@dataclass(frozen=True)
class Programme:
    """One programme, as the catalogue lists it."""

    code: str  # stable ASCII: the registry's `program`, decisions, parameter names
    title: str  # the Chinese name every person-facing document shows
    template: Template  # the application workbook: file name and sheets
    kind: Kind
    rule: Rule
    claim_key: str  # what the registry holds once per policy year (SPEC §2 Claims), in Chinese
    references: tuple[str, ...] = ()  # reference lists (sheet names, SPEC §3) the rule consults
    parameters: str = ""  # the parameter namespace the rule reads; the code unless shared
    names_worker: bool = False  # claims name a worker whose days may not overlap (spring festival)
    pays_person: bool = (
        False  # paid to a worker's personal card (对私), not to an enterprise (对公)
    )

    @property
    def namespace(self) -> str:
        return self.parameters or self.code

    @property
    def is_cash(self) -> bool:
        return self.kind is Kind.CASH

    @property
    def sheets(self) -> tuple[SheetSpec, ...]:
        return self.template.sheets

    @property
    def file_name(self) -> str:
        return self.template.file_name

    @property
    def decision_sheet(self) -> str:
        return self.template.decision_sheet

    def sheet(self, name: str) -> SheetSpec:
        return self.template.sheet(name)

    def decide(
        self,
        sheets: dict[str, ValidatedSheet],
        policy: PolicySet,
        as_of: dt.date,
        references: References,
    ) -> ProgramDecisions:
        """Run the rule over the programme's sheets with the reference lists it declares."""
        lists = {name: references[name] for name in self.references}
        return self.rule(self, sheets, ParameterReads(policy), as_of, lists)
