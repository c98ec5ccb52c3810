"""The one base of every refusal a person is shown (issue 23).

A `Refusal` says, in one Chinese sentence, why a step was not done: what was given cannot be
used, or a rule forbids it. Nothing was changed. A flow ends Failed with the message and no
traceback (`flows.failures`); the CLI prints it and exits 1. Anything else is a fault of the
system and keeps its traceback for IT staff.
"""

from __future__ import annotations


class Refusal(Exception):
    """A step refused with a message for the person who asked (Chinese); nothing was changed."""
