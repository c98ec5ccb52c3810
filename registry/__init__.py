"""The payment registry (SPEC §8): one database holding every claim granted, every payment and
what became of it. Only this package speaks SQL (SQLAlchemy Core); the money loop and the batch
call its named functions. Opened with `registry.opening.opened`, always in a `with`."""
