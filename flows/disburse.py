"""The disbursement flow: workbooks in, ledger, bank file, decisions, audit and manifest out.

One flow serves the CLI, the nightly deployment and manual runs from the Prefect UI.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from flows import summary
from flows.tasks import decide_programs, read_and_validate, settle, write_outputs
from ledger import outputs
from ledger.registry import Registry, sqlite_url
from ledger.settlement import BatchIdentity, Review, ReviewKey
from policy.parameters import load_policy
from workbooks.reader import list_workbooks, read_references

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def already_recorded(registry_url: str, batch_id: str) -> bool:
    registry = Registry(registry_url)
    try:
        return registry.batch_recorded(batch_id)
    finally:
        registry.dispose()


@flow(name="disburse")
def disburse(
    inputs: list[str],
    out: str,
    reference: str | None = None,
    as_of: dt.date | None = None,
    registry: str | None = None,
    policy: str | None = None,
    dry_run: bool = False,
    reviews: dict[ReviewKey, Review] | None = None,
) -> str:
    """Decide every row of the input workbooks and write the batch's outputs; returns the folder."""
    logger = get_run_logger()
    as_of = as_of or today()
    Path(out).mkdir(parents=True, exist_ok=True)
    policy_set = load_policy(policy)
    references = read_references(Path(reference) if reference else None)
    files = [f.result() for f in read_and_validate.map(list_workbooks([Path(p) for p in inputs]))]
    reviews = reviews or {}
    lineage_parts = [
        sorted((f.name, f.sha256) for f in files),
        sorted(references.sha256.items()),
        policy_set.version,
        as_of.isoformat(),
    ]
    lineage = outputs.identity(lineage_parts)
    batch_id = outputs.identity(
        [lineage, sorted((list(k), v.verdict, v.comment) for k, v in reviews.items())]
    )
    identity = BatchIdentity(batch_id, lineage, as_of, policy_set.version)
    registry_url = None if dry_run else (registry or sqlite_url(str(Path(out) / "registry.sqlite")))
    rerun = bool(registry_url) and already_recorded(registry_url, batch_id)
    results = decide_programs(files, policy_set, as_of, references)
    settled = settle(results, identity, registry_url, reviews)
    manifest = summary.manifest(identity, files, settled, results)
    folder = write_outputs(
        Path(out) / batch_id,
        settled,
        manifest,
        files,
        results,
        policy_set,
        str(flow_run.id or "local"),
        rerun,
    )
    create_markdown_artifact(
        summary.markdown(manifest, folder),
        key="disbursement-summary",
        description="本批次审核结果汇总",
    )
    logger.info(
        "批次 %s 已完成%s，台账：%s",
        batch_id,
        "（重复运行，未重复支付）" if rerun else "",
        folder / "ledger.xlsx",
    )
    return str(folder)
