"""Flow runs named after what they did, so that the UI's run list reads as a ledger of batches:
`disburse-<batch>`, `nightly-<date>` (Prefect's default names are random words)."""

from __future__ import annotations

import getpass
import os

from prefect.client.orchestration import get_client
from prefect.runtime import deployment, flow_run

from flows.config import today


def nightly_name() -> str:
    return f"nightly-{today().isoformat()}"


def name_this_run(name: str) -> None:
    """Rename the running flow run (its batch is known only once its files are read)."""
    if flow_run.id is None:
        return
    with get_client(sync_client=True) as client:
        client.update_flow_run(flow_run.id, name=name)


SERVICE_ACCOUNT_ENV = "SUBSIDY_SERVICE_ACCOUNT"


def service_account() -> str:
    """Who prepares a round no person named (SPEC §8): a deployment run is its deployment's
    service account (`SUBSIDY_SERVICE_ACCOUNT`, else `service:<deployment>`); any other run the
    machine's login user."""
    name = deployment.name
    if name:
        return os.environ.get(SERVICE_ACCOUNT_ENV) or f"service:{name}"
    return getpass.getuser()
