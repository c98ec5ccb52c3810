"""Named points of a run where the crash test kills the process (`kill -9`, no clean-up).

`SUBSIDY_CRASH_AT=<point>` makes the run send itself SIGKILL on reaching that point; unset (as in
every real run) a point costs one dictionary look-up. The points sit on each side of every
commit: the registry transaction, staging, publishing and the audit append.
"""

from __future__ import annotations

import os
import signal

CRASH_AT = "SUBSIDY_CRASH_AT"
POINTS = (
    "read",
    "claimed",
    "staging",
    "staged",
    "committed",
    "publishing",
    "published",
    "audited",
)
# The money loop's commands: after the registry commit, before the files and audit event.
MONEY_POINTS = (
    "approve-committed",
    "reissue-committed",
    "sent-committed",
    "return-committed",
    "settle-committed",
)


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
