"""The batch's Chinese run summary and manifest as Prefect artifacts (no personal data)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from batch.run import Manifest, SettledBatch
from batch.summary import all_rejected, city_table, markdown, parameter_names

__all__ = ["all_rejected", "markdown", "parameter_names", "publish", "publish_on_parent"]


def publish(
    figures: Manifest,
    settled: SettledBatch,
    folder: Path,
    ignored: int = 0,
    named: Mapping[str, str] | None = None,
) -> None:
    """The run's summary, totals per city and manifest as artifacts of the flow run."""
    create_markdown_artifact(
        markdown(figures, folder, ignored, named),
        key="disbursement-summary",
        description="本批次审核结果汇总",
    )
    create_table_artifact(city_table(settled), key="totals-by-city", description="按地市汇总（元）")
    create_markdown_artifact(
        f"```json\n{figures.to_json().decode()}```\n",
        key="manifest",
        description="manifest.json",
    )


def publish_on_parent(
    figures: Manifest, folder: Path, named: Mapping[str, str] | None = None
) -> None:
    """The batch's summary again as an artifact of the calling run (the nightly run's page
    shows what its batch decided without opening the subflow)."""
    create_markdown_artifact(
        markdown(figures, folder, named=named),
        key="batch-summary",
        description=f"批次 {figures.batch_id} 审核结果汇总",
    )
