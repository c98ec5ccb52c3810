"""Reading a run's workbooks in worker processes (`batch.parallel`), results in the order given.

Reading and cleaning hold the GIL for much of their time (calamine's cells become Python
objects, then pandas columns), so threads barely overlap and processes do: a province's 96
workbooks take 31 s in one process and 19 s in two on this project's two-core machines. A plain
process pool, not a Prefect task per workbook in processes: the task engine's own work per task
(its states, logs and result sent over the API) cost the province 11 s more.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import as_completed
from pathlib import Path

from batch.inputs import InputFile, read_input
from batch.parallel import process_pool

WORTH_PROCESSES = 20 * 1024 * 1024  # input bytes below which starting processes costs more


def worth_processes(paths: list[Path]) -> bool:
    return sum(p.stat().st_size for p in paths if p.exists()) >= WORTH_PROCESSES


def read_each(paths: list[Path]) -> Iterator[tuple[int, InputFile]]:
    """Each workbook read and validated, as (its position in `paths`, the file), in the order
    they finish: in worker processes, largest first so that no long file starts last, or here
    when the batch is too small to pay for them."""
    with process_pool(len(paths), worth_processes(paths)) as pool:
        if pool is None:
            yield from ((i, read_input(path)) for i, path in enumerate(paths))
            return
        order = sorted(range(len(paths)), key=lambda i: -paths[i].stat().st_size)
        futures = {pool.submit(read_input, paths[i]): i for i in order}
        for future in as_completed(futures):
            yield futures[future], future.result()


def read_inputs(paths: list[Path]) -> list[InputFile]:
    """Every workbook read and validated, in the order given."""
    done = dict(read_each(paths))
    return [done[i] for i in range(len(paths))]
