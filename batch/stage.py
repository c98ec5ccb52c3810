"""The batch's files: staged before the registry commits, audited after they are published.

Between the settled batch and the writers (`ledger.outputs`, `workbooks.ledger_writer`,
`workbooks.returned`, `ledger.audit`); it decides nothing.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import asdict
from pathlib import Path

from batch.inputs import InputFile
from batch.parallel import process_pool
from batch.returning import (
    PARALLEL_ABOVE,
    ReturnedAhead,
    issuer_of,
    returned_jobs,
    reusable,
)
from ledger import audit, outputs
from ledger.faults import crash_point
from ledger.manifest import MANIFEST, InputEntry, Manifest, build_manifest
from ledger.output_schemas import DecisionsOutputSchema, PaymentsOutputSchema
from ledger.publish import stage
from ledger.settlement import BatchIdentity, SettledBatch
from policy.catalogue import CASH, of_kind
from policy.decisions import ProgramDecisions
from policy.parameters import PolicySet, describe
from policy.programme import Kind
from validators.output_check import checked
from workbooks.funding_request import FUNDING_REQUEST, funding_request_workbook
from workbooks.ledger_writer import LEDGER, ledger_workbooks
from workbooks.returned import returned_workbook

ROUNDS = "rounds"  # rounds/<n>/: each review round's ledger, decisions, payments and manifest


def stage_outputs(
    staging: Path,
    identity: BatchIdentity,
    files: list[InputFile],
    settled: SettledBatch,
    results: list[ProgramDecisions],
    policy: PolicySet,
    sources: dict[str, Path],
    ahead: ReturnedAhead | None = None,
) -> Manifest:
    """Write every repeatable output into `staging`, the manifest last; returns the manifest.

    The folder describes the whole batch after its latest round; that round's ledger,
    decisions, payments and manifest are also kept under `rounds/<n>/` (SPEC §6). The manifest
    records the sha256 of each file written before it, so a rerun's manifest is the same bytes
    and `subsidy verify` can check the folder against it. `ahead`: the returned workbooks begun
    before the registry settled the batch (`batch.returning`), kept where their rows are the
    same.
    """
    crash_point("claimed")
    issuer = issuer_of(policy, identity.as_of)
    department = issuer.department
    returned = returned_jobs(settled.decisions, files, sources, issuer)
    made = ahead.stop() if ahead is not None else {}
    # The applicants' workbooks are annotated in worker processes from the start, and a
    # province's city registers join them there, while this process checks the outputs and
    # writes the CSV files and the ledger.
    with process_pool(len(returned), len(returned) > PARALLEL_ABOVE) as pool:
        pending = (
            [
                (name, reusable(made.get(name), job) or pool.submit(returned_workbook, *job))
                for name, job in returned
            ]
            if pool
            else []
        )
        try:
            manifest, written = _stage_ledger(
                staging, settled, results, policy, identity, files, department, pool
            )
        except BaseException:
            for _, future in pending:
                future.cancel()
            raise
        for name, future in pending:
            written[name] = stage(staging, name, future.result())
        if pool is None:
            for name, job in returned:
                early = reusable(made.get(name), job)
                data = early.result() if early is not None else returned_workbook(*job)
                written[name] = stage(staging, name, data)
    manifest = manifest.with_outputs(written)
    kept = f"{ROUNDS}/{settled.round}"
    data = manifest.to_json()
    stage(staging, f"{kept}/{MANIFEST}", data)
    stage(staging, MANIFEST, data)
    crash_point("staged")
    return manifest


def _stage_ledger(
    staging: Path,
    settled: SettledBatch,
    results: list[ProgramDecisions],
    policy: PolicySet,
    identity: BatchIdentity,
    files: list[InputFile],
    department: str,
    pool: Executor | None,
) -> tuple[Manifest, dict[str, str]]:
    """The batch's decisions, payments, funding request, ledger and registers, staged, each
    of the whole batch also kept for its round; returns the manifest's figures and the staged
    files' sha256 by name."""
    checked(settled.decisions, DecisionsOutputSchema, "本批次的审核决定")
    checked(settled.payments, PaymentsOutputSchema, "本批次的支付清单")
    manifest = batch_manifest(identity, files, settled, results)
    kept = f"{ROUNDS}/{settled.round}"
    written: dict[str, str] = {}

    def both(name: str, data: bytes) -> None:
        """A file of the whole batch after this round, and its copy kept for the round."""
        written[name] = stage(staging, name, data)
        written[f"{kept}/{name}"] = stage(staging, f"{kept}/{name}", data)

    both("decisions.csv", outputs.decisions_csv(settled.decisions))
    crash_point("staging")
    both("payments.csv", outputs.payments_csv(settled.payments))
    funds = policy.value("payment.fund_source", identity.as_of)
    both(FUNDING_REQUEST, funding_request_workbook(settled.payments, manifest, department, funds))
    provisional = {r.program: r.reads.provisional() for r in results}
    used = sorted({name for r in results for name in r.reads.used})
    for relative, data in ledger_workbooks(
        settled,
        manifest,
        provisional,
        describe(policy, used),
        policy_title=policy.description,
        pool=pool,
    ):
        if relative == LEDGER:
            both(relative, data)
        else:
            written[relative] = stage(staging, relative, data)
    return manifest, written


def run_facts(
    manifest: Manifest,
    files: list[InputFile],
    sources: dict[str, Path],
    flow_run_id: str,
    rerun: bool,
) -> audit.RunFacts:
    """The run's audit facts, with where each input was read from (a what-if finds it there)."""
    inputs = [
        {
            "file": f.name,
            "sha256": f.sha256,
            "error": f.error,
            "path": str(sources[f.name].resolve()) if f.name in sources else None,
        }
        for f in files
    ]
    note = "该批次此前已登记，本次未重复支付" if rerun else ""
    return audit.RunFacts(
        manifest.batch_id,
        flow_run_id,
        manifest.policy_version,
        manifest.as_of,
        inputs,
        rerun,
        note,
        manifest.totals,
        manifest.outputs,
        risk_holds=asdict(manifest.risk_holds),
    )


def batch_manifest(
    identity: BatchIdentity,
    files: list[InputFile],
    settled: SettledBatch,
    results: list[ProgramDecisions],
) -> Manifest:
    """The manifest's figures (SPEC §4), before the outputs' hashes are added."""
    decisions = settled.decisions
    rows_by_file = decisions["file"].value_counts() if len(decisions) else {}
    inputs = [
        InputEntry(
            item.name,
            item.sha256,
            item.program,
            int(rows_by_file.get(item.name, 0)),
            item.error,
            item.message or None,
        )
        for item in files
    ]
    amounts = settled.amounts
    deferrals = [
        settled.registers[p.code] for p in of_kind(Kind.DEFERRAL) if p.code in settled.registers
    ]
    totals = {
        "payments": sum(v for k, v in amounts.items() if k in CASH),
        "relief": sum(amounts.get(p.code, 0) for p in of_kind(Kind.RELIEF)),
        "deferred": sum(amounts.get(p.code, 0) for p in of_kind(Kind.DEFERRAL)),
        "late_fee_waived": sum(int(d["late_fee_waived"].sum()) for d in deferrals),
    }
    provisional = sorted({n for r in results for n in r.reads.provisional()})
    return build_manifest(
        identity.batch_id,
        identity.as_of.isoformat(),
        identity.policy_version,
        inputs,
        decisions,
        amounts,
        totals,
        provisional,
        settled.payments,
        settled.decreases,
        settled.round,
        settled.conflicts,
    )
