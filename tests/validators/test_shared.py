"""Equal texts in a column share one string object; values, dtypes and blanks are unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from validators.shared import rendered_once, shared_values


def test_equal_texts_share_one_object_and_nothing_else_changes() -> None:
    index = [10, 11, 12, 13, 14, 15]
    city = ["济南", "青岛", "济南", None, "济南", "青岛"]
    frame = pd.DataFrame(
        {
            "city": pd.Series(city, index=index, dtype=object),
            "period": pd.Series(["2020", np.nan, "2020", "2020", "2020", "2020"], index, "str"),
            "code": pd.Series(["A", "A", None, "A", "B", "A"], index, "string"),
            "amount": pd.Series([1, 2, 3, 4, 5, 6], index),
        }
    )
    frame.loc[14, "city"] = "".join(["济", "南"])  # an equal text, another object
    assert frame["city"][10] is not frame["city"][14]
    shared = shared_values(frame)
    pd.testing.assert_frame_equal(shared, frame)
    assert shared["city"][10] is shared["city"][14] is shared["city"][12] == "济南"
    assert shared["city"][13] is None  # a blank keeps its own kind
    assert shared["code"][12] is pd.NA
    assert np.isnan(shared["period"][11])
    assert len({id(v) for v in shared["period"].dropna()}) == 1


def test_a_column_of_mostly_distinct_values_is_left_as_it_is() -> None:
    keys = pd.Series([f"9137{i:014d}" for i in range(10)], dtype=object)
    frame = pd.DataFrame({"key": keys})
    assert shared_values(frame)["key"] is not None
    assert shared_values(frame)["key"].tolist() == keys.tolist()
    assert shared_values(pd.DataFrame({"key": pd.Series([], dtype=object)})).empty


def test_rendered_once_is_the_same_text_as_rendering_every_row() -> None:
    months = pd.Series(pd.to_datetime(["2020-02-01", "2020-03-01", None, "2020-02-01"]))
    shown = rendered_once(months, lambda distinct: distinct.strftime("%Y-%m"))
    pd.testing.assert_series_equal(shown, months.dt.strftime("%Y-%m"))
    assert shown[0] is shown[3]
    years = months.fillna(pd.Timestamp("2020-12-31")).dt.year
    pd.testing.assert_series_equal(
        rendered_once(years, lambda distinct: distinct.astype(str)), years.astype(str)
    )


def test_numbers_and_odd_labels_are_left_as_they_are() -> None:
    mixed = pd.Series([1, 1.0, True, "1", 1, 1.0, True, "1"], dtype=object)
    frame = pd.DataFrame({0: mixed, "text": ["甲"] * 8})
    frame.columns = [0, 0]  # a label twice, and not a text
    shared = shared_values(frame)
    assert [type(v) for v in shared.iloc[:, 0]] == [type(v) for v in mixed]
    assert shared.iloc[2, 1] is shared.iloc[5, 1]
