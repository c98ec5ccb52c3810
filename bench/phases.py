"""A province run phase by phase, in process, through the same functions the flow calls.

Each phase is timed (wall and CPU of this process and its children, so the CPU utilisation of
the two cores shows) and set against its own floor measured on the same machine in the same
run: reading and validating against the bare read of every sheet, the registry against a bare
bulk insert of as many rows, writing against the bare write of as many rows. Used by
`scripts/bench.py`; prints nothing itself.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AS_OF = dt.date(2020, 12, 31)


@dataclass
class Phase:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    floor: float | None = None
    floor_note: str = ""

    @property
    def utilisation(self) -> float:
        """CPU seconds per wall second (2.0 is both cores busy)."""
        return self.cpu / self.wall if self.wall else 0.0


@dataclass
class Phases:
    items: list[Phase] = field(default_factory=list)

    @contextmanager
    def timed(self, name: str) -> Iterator[Phase]:
        phase = Phase(name)
        started, cpu = time.perf_counter(), _cpu()
        yield phase
        phase.wall = time.perf_counter() - started
        phase.cpu = _cpu() - cpu
        self.items.append(phase)

    def __getitem__(self, name: str) -> Phase:
        return next(p for p in self.items if p.name == name)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_phases(inputs: Path, reference: Path, out: Path) -> tuple[Phases, Any]:
    """One disbursement run of `inputs`, phase by phase (no Prefect: the flow adds only tasks,
    logs and artifacts around the same calls). Returns the phases and the published folder."""
    from batch import run
    from batch.inputs import decide
    from batch.reading import read_inputs

    phases = Phases()
    request = run.Request([inputs], reference, out, set(_programs()), AS_OF, prepared_by="bench")
    out.mkdir(parents=True, exist_ok=True)
    with run.open_registry(request) as registry:
        with phases.timed("plan"):
            plan = run.plan(request, registry)
        with phases.timed("read + validate"):
            files = read_inputs(plan.paths)
        with phases.timed("admit"):
            batch = run.admit(plan, files, registry)
        with phases.timed("decide"):
            results = decide(batch.files, plan.policy, plan.as_of, plan.references)
            del files
            batch = batch.decided()
        writing = Phase("write outputs")
        original = run._stage

        def timed_stage(*args: Any) -> Any:
            started, cpu = time.perf_counter(), _cpu()
            try:
                return original(*args)
            finally:
                writing.wall += time.perf_counter() - started
                writing.cpu += _cpu() - cpu

        run._stage = timed_stage  # type: ignore[assignment]
        try:
            with phases.timed("settle (registry) + write") as whole:
                settled, manifest = run.settle_and_publish(results, batch, registry)
        finally:
            run._stage = original  # type: ignore[assignment]
        phases.items.remove(whole)
        phases.items.append(Phase("registry", whole.wall - writing.wall, whole.cpu - writing.cpu))
        phases.items.append(writing)
        with phases.timed("audit"):
            run.audit_run(settled, manifest, batch, "bench", registry)
    return phases, batch.folder


def _programs() -> list[str]:
    from policy.catalogue import CODES

    return list(CODES)
