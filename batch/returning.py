"""The applicants' returned workbooks (退回): which files get one, from what, and those begun
early, while the registry settles the batch.

The registry's part of a run works on one core; the returned workbooks (openpyxl, a province's
96 take 43 CPU-seconds) wait for the settled decisions. `ReturnedAhead` starts them from the
decisions as they stand before the registry, one after another in a spare worker process, so
that the other core works while the registry does. When the outputs are staged, a file whose
failing rows the registry left exactly as they were uses the workbook already made (the same
inputs give the same bytes); any other file is made again from the settled rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from batch.inputs import InputFile
from batch.parallel import spare_worker
from policy.outcomes import APPROVED
from policy.parameters import PolicySet
from policy.qualify import how_to_qualify
from workbooks.returned import Issuer, returned_name, returned_workbook

RETURNED = "returned"
PARALLEL_ABOVE = 8  # files to return before worker processes pay for their start-up
PROBLEM_COLUMNS = ["sheet", "row", "outcome", "reason_codes", "message", "how_to_qualify"]

Job = tuple[Path, pd.DataFrame, str, Issuer]


def issuer_of(policy: PolicySet, as_of: dt.date) -> Issuer:
    """Who returns the applications, as the policy names it on the batch's day."""
    return Issuer(
        str(policy.value("publication.department", as_of)),
        as_of.isoformat(),
        str(policy.value("publication.return_contact", as_of)),
    )


def returned_jobs(
    decisions: pd.DataFrame, files: list[InputFile], sources: dict[str, Path], issuer: Issuer
) -> list[tuple[str, Job]]:
    """For each file with rejected or held rows whose workbook is still there: the returned
    workbook's path and what `returned_workbook` annotates it from."""
    if decisions.empty:
        return []
    failing = decisions[decisions["outcome"] != APPROVED]
    if "how_to_qualify" not in failing:
        failing = failing.assign(how_to_qualify=how_to_qualify(failing))
    programs = {f.name: f.program for f in files}
    return [
        (
            f"{RETURNED}/{returned_name(str(name))}",
            (sources[str(name)], problems[PROBLEM_COLUMNS], str(programs[name]), issuer),
        )
        for name, problems in failing.groupby("file", sort=True)
        if str(name) in sources and sources[str(name)].exists()
    ]


@contextmanager
def returned_ahead(
    decisions: pd.DataFrame, files: list[InputFile], sources: dict[str, Path], issuer: Issuer
) -> Iterator[ReturnedAhead | None]:
    """The returned workbooks begun in a spare worker from these decisions, before the registry
    settles them (and before they are screened: a file with a row held for a risk is made
    again); None where the run has no spare process or too few files to return."""
    enough = not decisions.empty and (
        decisions.loc[decisions["outcome"] != APPROVED, "file"].nunique() > PARALLEL_ABOVE
    )
    with spare_worker(enough) as spare:
        yield (
            ReturnedAhead(spare, returned_jobs(decisions, files, sources, issuer))
            if spare
            else None
        )


class ReturnedAhead:
    """Returned workbooks made one after another in a spare worker, largest first, from the
    decisions before the registry; `stop` cancels those not begun."""

    def __init__(self, pool: Executor, jobs: list[tuple[str, Job]]) -> None:
        largest_first = sorted(jobs, key=lambda item: -len(item[1][1]))
        self._made = {
            name: (job, pool.submit(returned_workbook, *job)) for name, job in largest_first
        }

    def stop(self) -> dict[str, tuple[Job, Future[bytes]]]:
        """Those begun or made, by returned workbook; the rest are cancelled."""
        for _, future in self._made.values():
            future.cancel()  # refused by one running or done
        return {name: made for name, made in self._made.items() if not made[1].cancelled()}


def reusable(made: tuple[Job, Future[bytes]] | None, job: Job) -> Future[bytes] | None:
    """The workbook begun early for this file, if it was begun from the same rows (then its
    bytes are the same as the job's would be); else None."""
    if made is None:
        return None
    (path, problems, program, issuer), future = made
    same = (
        path == job[0]
        and program == job[2]
        and issuer == job[3]
        and problems.reset_index(drop=True).equals(job[1].reset_index(drop=True))
    )
    return future if same else None
