"""The bank side of the money loop (SPEC §8): bank formats, the bank files written at approval,
and the return files (回盘) read back. Pure: the registry's side is `money.approval` and
`money.reconcile`."""
