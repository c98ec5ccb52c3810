"""The money loop's use-cases (SPEC §8), beside `batch/`: approval and send-back
(`approval`), re-issue and account corrections (`reissue`), bank returns (`reconcile`), amounts
owed back (`recovery`), the budget at approval (`budget`), completing a step killed after its
commit (`completion`), the proof (`proof`) and checking an output folder (`verification`).
Each reads top to bottom: named steps, one registry transaction, crash points around its
commit. The SQL they need is in `registry/`."""
