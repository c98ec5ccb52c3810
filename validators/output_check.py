"""A frame this system is about to write, checked against its pandera schema first: a failure
is a defect in this system, never in the applications, and stops the step before a byte is
written (the batch's decisions and payments, a bank file's rows)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa


class OutputSchemaError(Exception):
    """A batch's own output broke its schema: nothing was written."""


def checked(frame: pd.DataFrame, schema: type[pa.DataFrameModel], what: str) -> pd.DataFrame:
    """The frame, or `OutputSchemaError` listing every failure (lazy validation). Only the
    schema's columns are checked (a frame-wide check reads no other): the decisions carry many
    more that no check reads, and a province has a million rows of them."""
    if frame.empty:
        return frame
    named = schema.to_schema().columns
    kept = frame[[c for c in frame.columns if c in named]]
    typed = kept.astype(
        {c: "int64" for c in ("row", "amount", "proposed") if c in kept}
        | {c: "str" for c in kept if _all_texts(kept[c], str(named[c].dtype))}
    )
    try:
        schema.validate(typed, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as problem:
        cases = getattr(problem, "failure_cases", None)
        shown = cases.head(10).to_string() if cases is not None else str(problem)
        raise OutputSchemaError(f"{what}未通过输出校验，未写出任何文件：\n{shown}") from problem
    return frame


def _all_texts(values: pd.Series, declared: str) -> bool:
    """A column of Python strings and nothing else (no blank) where the schema wants text: as
    pandas' text dtype its check is the dtype's, not one `isinstance` a row in Python (a
    province's three such columns took 1.9 s). Anything else is left for the schema to find."""
    return (
        declared.startswith("str")
        and values.dtype == object
        and pd.api.types.infer_dtype(values, skipna=False) == "string"
    )
