"""Columns whose equal texts share one string object (a province's million rows, a few
distinct values), so that a frame costs a pointer a row instead of a string a row."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def shared_values(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with equal texts in a column sharing one string object.

    A workbook's cells arrive as one Python string each, so a province's 1.27M rows hold a
    million copies of 16 city names, of one period, of each enterprise's code and name (a
    column's equal values measured at up to 90 MiB). Shared, they cost one pointer a row, and
    a frame sent between processes is pickled with each distinct string once. Only columns of
    texts (and blanks) are touched, never one that mixes in numbers (1, 1.0 and True are
    equal to pandas but not the same cell); values, dtypes and blanks are unchanged; a column
    of mostly distinct texts is left as it is.
    """
    shared = frame.copy(deep=False)
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
            continue
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            continue
        codes, uniques = pd.factorize(values)
        if not len(uniques) or len(uniques) * 2 > len(values):
            continue
        objects = np.asarray(uniques, dtype=object)[codes]
        blank = codes == -1  # a blank keeps its own kind (None, NaN, NA)
        if blank.any():
            objects[blank] = values.to_numpy(dtype=object)[blank]
        shared.isetitem(position, pd.Series(objects, index=values.index, dtype=values.dtype))
    return shared


def rendered_once(values: pd.Series, render: Callable[[pd.Index], object]) -> pd.Series:
    """`render` (an Index → texts, such as `strftime`) applied to the column's distinct values
    only, each row given its value's one text: a million rows of eleven months make eleven
    strings (and eleven calls to `strftime`, not a million). Blanks stay blank (NaN)."""
    codes, distinct = pd.factorize(values)
    texts = np.append(np.asarray(render(pd.Index(distinct)), dtype=object), np.nan)
    return pd.Series(texts[codes], index=values.index, dtype="str")
