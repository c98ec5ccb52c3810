"""Run "policy finds people" (免申即享, SPEC §7) from files to an output folder, without Prefect.

Reads the contribution records and the reference lists, asks the registry who already holds a
refund claim for the policy year, decides with `policy.finds`, and writes into `out/<id>/`:
proposed.csv, 公示名单.xlsx, 稳岗返还申请（免申即享）.xlsx, decisions.csv and manifest.json (all
repeatable bytes, mode 0640), then appends to audit.jsonl the events a normal run writes. The
id digests everything that decides the result — records, reference lists, parameters, `as_of`
and the claims already taken — so the same inputs give the same folder. No claim or payment is
recorded: the proposal is paid by feeding its application workbook to an ordinary run.
A use case of `batch/`: plain functions, no Prefect; `flows/find.py` wraps it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from ledger import audit, outputs
from ledger.decision_roots import batch_secret, file_roots
from ledger.settlement import digest
from policy.catalogue import REFUND
from policy.finds import PROPOSED_COLUMNS, Finding, find_eligible, refund_period
from policy.money import fen_text
from policy.outcomes import APPROVED, HELD, REJECTED
from policy.parameters import PolicySet
from policy.publication import publication
from registry.database import Registry
from registry.opening import opened_if
from validators.sheets import RECORDS_SHEET
from validators.validate import validate_sheet
from workbooks.notice import APPLICATION_FILE, application_workbook, notice_workbook
from workbooks.reader import RawWorkbook, read_records, read_references

PROPOSED_FILE = "proposed.csv"
NOTICE_FILE = "公示名单.xlsx"
DISHONEST_LIST = "严重失信名单"
NOTE = "免申即享：按参保缴费记录测算的拟发放名单，未登记申领、未支付"


def proposed_csv(proposed: pd.DataFrame) -> bytes:
    """`credit_code,name,city,amount`, UTF-8 with BOM, amount in yuan with two places; a text
    cell a spreadsheet would run as a formula gets the bank file's leading apostrophe."""
    return outputs.csv_bytes(proposed[PROPOSED_COLUMNS], ["amount"], set(), bom=True)


def finds_id(
    records: list[tuple[str, str]],
    references: dict[str, str],
    policy_version: str,
    as_of: dt.date,
    claimed: frozenset[str],
) -> str:
    """The result's name from (file, sha256) of the records and reference lists, the
    parameters, `as_of` and the claims already taken (as `batch_identity` names a batch)."""
    return digest(
        [
            "policy_finds_people",
            sorted(records),
            sorted(references.items()),
            policy_version,
            as_of.isoformat(),
            sorted(claimed),
        ]
    )


def find_people(
    records: list[Path],
    out: Path,
    reference: Path | None,
    registry_url: str | None,
    as_of: dt.date,
    policy: PolicySet,
    *,
    flow_run_id: str = "",
) -> Path:
    """Decide every contribution record, write the proposal into `out/<id>/`; returns the folder.

    `records` are files or folders; an unusable file is listed in the manifest with its error.
    Without a registry nobody counts as already paid (the manifest says it was not checked).
    Raises `MissingReference` when the reference folder has no 严重失信名单.
    """
    with opened_if(registry_url) as registry:
        return _find(records, out, reference, registry, as_of, policy, flow_run_id)


def _find(
    records: list[Path],
    out: Path,
    reference: Path | None,
    registry: Registry | None,
    as_of: dt.date,
    policy: PolicySet,
    flow_run_id: str,
) -> Path:
    raws = read_records(records)
    references = read_references(reference)
    dishonest = references.keys(DISHONEST_LIST)
    period = refund_period(policy, as_of)
    claimed = registry.claim_keys(REFUND.code, period) if registry else frozenset()
    usable = [
        (raw.path.name, validate_sheet(raw.sheets[RECORDS_SHEET.name], RECORDS_SHEET))
        for raw in raws
        if raw.error is None
    ]
    finding = find_eligible(usable, policy, as_of, dishonest, claimed)
    hashes = [(raw.path.name, raw.sha256) for raw in raws]
    identity = finds_id(hashes, references.sha256, policy.version, as_of, claimed)
    folder = out / identity
    rerun = (folder / "manifest.json").exists()
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    proposed = finding.proposed()
    published = publication(policy, as_of)
    files = {
        PROPOSED_FILE: proposed_csv(proposed),
        NOTICE_FILE: notice_workbook(proposed, as_of, published),
        APPLICATION_FILE: application_workbook(finding.proposed_applications(), as_of),
        "decisions.csv": outputs.decisions_csv(finding.decisions),
    }
    written = {name: outputs.write_atomic(folder / name, data) for name, data in files.items()}
    if registry:
        # Only a workbook the registry knows as issued may carry 上年初参保职工人数 into a run.
        registry.record_issued(written[APPLICATION_FILE], APPLICATION_FILE, identity)
    manifest = {
        "id": identity,
        "program": REFUND.code,
        "period": period,
        "as_of": as_of.isoformat(),
        "policy_version": policy.version,
        "provisional_parameters": finding.result.reads.provisional(),
        "inputs": _inputs(raws, finding),
        "references": [{"file": f, "sha256": s} for f, s in sorted(references.sha256.items())],
        "claims": {"registry_checked": registry is not None, "already_claimed": len(claimed)},
        "decisions": _counts(finding),
        "proposed": {"enterprises": len(proposed), "amount": fen_text(proposed["amount"].sum())},
        "notice_period": {
            "start": published.period.start.isoformat(),
            "end": published.period.end.isoformat(),
            "working_days": published.period.working_days,
            "calendar_checked": published.period.checked,
        },
        "outputs": dict(sorted(written.items())),
    }
    outputs.write_atomic(folder / "manifest.json", outputs.manifest_json(manifest))
    facts = audit.RunFacts(
        identity,
        flow_run_id,
        policy.version,
        manifest["as_of"],
        [{"file": r.path.name, "sha256": r.sha256, "error": r.error} for r in raws],
        rerun,
        NOTE + ("；该名单此前已生成，本次结果相同" if rerun else ""),
        {"proposed": manifest["proposed"]["amount"]},
        manifest["outputs"],
    )
    # The same events as a run; the log's new head goes to the registry, so a cut log is found.
    secret = batch_secret(identity, folder, registry)
    roots = file_roots(
        secret,
        files["decisions.csv"],
        [(r.path.name, REFUND.code, r.sha256, r.error) for r in sorted(raws, key=_name)],
    )
    appended = audit.append_bodies(folder / "audit.jsonl", audit.run_bodies(facts, roots))
    if registry:
        registry.record_audit_head(identity, appended.head, flow_run_id, appended.events)
    return folder


def _name(raw: RawWorkbook) -> str:
    return raw.path.name


def _inputs(raws: list[RawWorkbook], finding: Finding) -> list[dict[str, Any]]:
    rows = finding.decisions["file"].value_counts()
    return [
        {
            "file": raw.path.name,
            "sha256": raw.sha256,
            "sheet": RECORDS_SHEET.name if raw.error is None else None,
            "rows": int(rows.get(raw.path.name, 0)),
            "error": raw.error,
        }
        for raw in sorted(raws, key=lambda r: r.path.name)
    ]


def _counts(finding: Finding) -> dict[str, int]:
    outcomes = finding.decisions["outcome"].value_counts()
    counted = {o: int(outcomes.get(o, 0)) for o in (APPROVED, REJECTED, HELD)}
    return {"input_rows": len(finding.decisions), **counted}
