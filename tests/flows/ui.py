"""What the Prefect UI shows for a flow run: its state and parameters, log lines and artifacts."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunPage:
    run: Any  # prefect's FlowRun: state, parameters, name
    logs: list[str]
    artifacts: dict[str, Any]  # by key

    def table(self, key: str) -> list[dict[str, str]]:
        """A table artifact's rows."""
        data = self.artifacts[key].data
        return json.loads(data) if isinstance(data, str) else data


def run_page(**parameters: str) -> RunPage:
    """The page of the run whose parameters include these (the last lines of its log flushed)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    async def read() -> RunPage:
        await APILogHandler.aflush()  # the run's last lines, sent in the background
        async with get_client() as client:
            runs = await client.read_flow_runs(limit=200)
            run = next(
                r for r in runs if all(r.parameters.get(k) == v for k, v in parameters.items())
            )
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id]))
            )
            artifacts = await client.read_artifacts(
                flow_run_filter=FlowRunFilter(id={"any_": [run.id]})
            )
            return RunPage(run, [log.message for log in logs], {a.key: a for a in artifacts})

    return asyncio.run(read())
