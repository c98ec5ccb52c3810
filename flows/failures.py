"""A run that cannot go on because of what it was given ends Failed with a Chinese message and
no traceback on its page (issue 13): a wrong path, a missing date or reference list, a paid
batch re-decided without `topup_of`, a password in a parameter, an outdated registry. The caller
(the CLI, the nightly run, a test) still receives the exception. Anything else is a fault of
the system and keeps its traceback for IT staff.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from pathlib import PurePath
from typing import Any, TypeVar

from prefect import get_run_logger
from prefect.states import Failed

from policy.refusal import Refusal


class InboxMissing(Refusal):
    """The inbox folder is not there: not created, or a share not mounted."""


class NothingProcessed(Refusal):
    """New files arrived and none could be processed: the night's run fails, saying which."""


# Every refusal a person is shown derives from `Refusal`: this module imports no use-case.
USER_ERRORS: tuple[type[Exception], ...] = (Refusal,)
Flow = TypeVar("Flow", bound=Callable[..., Any])


STEMS = {"disburse": "disburse", "nightly_inbox": "nightly", "approve_round": "approve"}


def tried_name(function: str, arguments: dict[str, Any]) -> str:
    """A refused run's name: the flow and what it was given — a batch folder (named by its
    batch id) and round, else the day — so the UI's run list says what failed instead of
    Prefect's random words. Never an input's file name, which an applicant chose and may hold
    a name or an ID number."""
    from flows.config import today

    stem = STEMS.get(function, function.replace("_", "-"))
    parts = [stem]
    if arguments.get("batch"):
        parts.append(PurePath(str(arguments["batch"])).name)
    else:
        parts.append(today().isoformat())
    if arguments.get("round") is not None:
        parts.append(f"r{arguments['round']}")
    return "-".join([*parts, "未完成"])


def _name_after_what_it_tried(function: str, arguments: dict[str, Any]) -> None:
    from flows.naming import name_this_run

    try:
        name_this_run(tried_name(function, arguments))
    except Exception:
        get_run_logger().debug("运行未能改名", exc_info=True)


class _QuietUserErrors(logging.Filter):
    """A deployment's run process hands the Failed state's exception back to Prefect's engine,
    which logs it again on the run's page with its traceback ("Engine execution exited with
    unexpected exception"). A user error was logged once already, in Chinese: that second
    record is dropped. Faults of the system keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        problem = record.exc_info[1] if record.exc_info else None
        if not isinstance(problem, USER_ERRORS):
            return True
        # A user error raised from a fault (an unreadable file, a missing key) keeps the
        # fault's traceback for IT staff.
        cause = problem.__cause__
        return cause is not None and not isinstance(cause, USER_ERRORS)


QUIET_USER_ERRORS = _QuietUserErrors()
for _name in ("prefect.flow_runs", "prefect.engine", "prefect.flow_engine"):
    logging.getLogger(_name).addFilter(QUIET_USER_ERRORS)


def reports_user_errors(body: Flow) -> Flow:
    """Under `@flow`: a user error becomes the run's Failed state with its message (logged once,
    without a traceback); the state carries the exception, so a caller still gets it raised."""

    signature = inspect.signature(body)

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except USER_ERRORS as problem:
            get_run_logger().error("%s", problem)
            given = signature.bind_partial(*args, **kwargs).arguments
            _name_after_what_it_tried(body.__name__, dict(given))
            return Failed(message=str(problem), data=problem)

    # The signature with its annotations resolved in the flow's own module: Prefect builds the
    # parameters' model from it, resolving names in the wrapper's module otherwise.
    run.__signature__ = inspect.signature(body, eval_str=True)  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]
