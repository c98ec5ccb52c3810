"""Runs that pay take turns (issue 13): the nightly run never overlaps itself or a manual run.

Each deployment's own concurrency limit queues its runs one at a time, but a manual `disburse`
and the night's `nightly-inbox` are two deployments. Both therefore hold one slot of the global
concurrency limit `subsidy-payments` (limit 1) for the whole of a deployment run; a run that finds
it taken says so in its log and waits its turn, and is never dropped. The limit is created with
limit 1 the first time it is missing (`make serve` and a worker's first run alike).

A run started in-process (the CLI, the tests) or a subflow (the nightly run's batches, which run
inside its turn) takes no slot: the registry's unique constraints and locks keep those safe.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.runtime import deployment, flow_run

PAYMENT_RUNS = "subsidy-payments"
Flow = TypeVar("Flow", bound=Callable[..., Any])


def ensure_limit() -> None:
    """Create the global limit `subsidy-payments` (one slot) unless it exists."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(PAYMENT_RUNS)
        except ObjectNotFound:
            with contextlib.suppress(ObjectAlreadyExists):  # another run created it meanwhile
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=PAYMENT_RUNS, limit=1)
                )


def takes_turns(body: Flow) -> Flow:
    """Under `@flow`: a deployment run holds the payment runs' slot while its body runs."""

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        if deployment.id is None or flow_run.parent_flow_run_id:
            return body(*args, **kwargs)
        logger = get_run_logger()
        ensure_limit()
        logger.info("等待支付类运行的名额（全局并发限制 %s，同一时间只运行一个）", PAYMENT_RUNS)
        with concurrency(PAYMENT_RUNS, occupy=1, strict=True):
            logger.info("已轮到本运行（全局并发限制 %s）", PAYMENT_RUNS)
            return body(*args, **kwargs)

    run.__signature__ = inspect.signature(body, eval_str=True)  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]
