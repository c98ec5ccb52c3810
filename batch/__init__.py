"""The use cases, told top to bottom in plain Python: no Prefect, no Excel opened here.

`run.py` is one disbursement run from input files to published outputs; `finds.py` is "policy
finds people"; `whatif.py` prices a parameter change. `flows/` wraps these in Prefect flows and
tasks (retries, caching, logging, artifacts) and adds nothing to what they decide.
"""
