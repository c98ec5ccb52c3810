"""Runs that pay into one registry take turns (issue 13): the nightly run never overlaps itself
or a manual run on the department's registry, and batches of other registries (other provinces
of a national run, SPEC-wide benchmarks) run beside them.

Each deployment's own concurrency limit queues its runs one at a time, but a manual `disburse`
and the night's `nightly-inbox` are two deployments. Both therefore hold, for the whole of a
deployment run, the one slot of the global concurrency limit of the registry they pay into,
`subsidy-payments-<12 hex digits of its address>` (limit 1); a run that finds it taken says so in
its log and waits its turn, and is never dropped. The limit is created with limit 1 the first
time it is missing. Its name carries a digest, never the address (which may hold a password).

A run started in-process (the CLI, the tests) or a subflow (the nightly run's batches, which run
inside its turn) takes no slot: the registry's unique constraints and locks keep those safe.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.runtime import deployment, flow_run

from batch.run import run_registry_url
from flows.config import DEFAULT_OUT
from flows.secrets import registry_address

PAYMENT_RUNS = "subsidy-payments"
Flow = TypeVar("Flow", bound=Callable[..., Any])


def turn_of(arguments: Mapping[str, Any]) -> str:
    """The limit a run with these parameters takes its turn under: one per payment registry
    (the `technical.registry` address, else the configured one, else `out`'s SQLite file)."""
    technical = arguments.get("technical")
    given = (
        technical.get("registry")
        if isinstance(technical, Mapping)
        else getattr(technical, "registry", "")
    )
    out = Path(str(arguments.get("out") or DEFAULT_OUT)).resolve()
    url = run_registry_url(registry_address(given or None), out)
    return f"{PAYMENT_RUNS}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def ensure_limit(name: str) -> None:
    """Create the global limit `name` (one slot) unless it exists."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with contextlib.suppress(ObjectAlreadyExists):  # another run created it meanwhile
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )


def takes_turns(body: Flow) -> Flow:
    """Under `@flow`: a deployment run holds its registry's slot while its body runs."""
    signature = inspect.signature(body, eval_str=True)

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        if deployment.id is None or flow_run.parent_flow_run_id:
            return body(*args, **kwargs)
        logger = get_run_logger()
        bound = signature.bind_partial(*args, **kwargs)
        bound.apply_defaults()
        turn = turn_of(bound.arguments)
        ensure_limit(turn)
        logger.info(
            "等待支付类运行的名额（全局并发限制 %s：同一支付登记库同一时间只运行一个）", turn
        )
        with concurrency(turn, occupy=1, strict=True):
            logger.info("已轮到本运行（全局并发限制 %s）", turn)
            return body(*args, **kwargs)

    run.__signature__ = signature  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]
