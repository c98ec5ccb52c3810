"""Turn the raw cells of messy applications into typed columns, vectorised.

Every cleaner takes a Series of raw cell values (str, float, int, bool, date, or None) and
returns a `Cleaned` pair: the typed values and a mask of cells that held something but could not
be understood. A mask hit becomes `INVALID_VALUE`; an empty cell stays missing and becomes
`MISSING_VALUE` where the column is required. Accepted forms follow SPEC §3.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel counts days up to 9999-12-31; pandas holds dates to 2262. Later serials are unreadable.
LAST_SERIAL = (pd.Timestamp("2261-12-31") - EXCEL_EPOCH).days
LARGEST = 2**62  # fen, ppm or a count beyond this is nonsense and would overflow int64
_UNIT_SUFFIX = re.compile(r"[（(][^（）()]*[)）]$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%Y.%m.%d")
# A month in text: 2020-03, 2020/3, 2020年3月 (a day after it, 2020-03-15 or 2020年3月15日, is
# allowed and dropped); six digits alone (202003) are year and month. No `.`: 2020.1 and
# 2020.10 are one number once typed, so a dotted month is never guessed.
_MONTH_PATTERN = re.compile(
    r"^(\d{4})\s*[-/年]\s*(\d{1,2})\s*(?:月|[-/]\s*\d{1,2}|月\s*\d{1,2}\s*日)?$"
)
_SIX_DIGIT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
YES_WORDS = frozenset({"是", "Y", "YES", "1", "TRUE", "√"})
NO_WORDS = frozenset({"否", "N", "NO", "0", "FALSE", "×"})
# Parts per million: every statutory rate (0.2%, 0.7%, 8.5%…) is a whole number of ppm, and
# base-in-fen × ppm stays far inside int64 for any real contribution base.
RATE_SCALE = 1_000_000


@dataclass(frozen=True)
class Cleaned:
    """Typed values of one column, and the cells that held text that could not be understood."""

    values: pd.Series
    unreadable: pd.Series


def normalize_header(header: object) -> str:
    """Header key: NFKC (full-width → half-width), no white space, no unit suffix, no `*`."""
    text = unicodedata.normalize("NFKC", str(header if header is not None else ""))
    text = re.sub(r"\s+", "", text).replace("*", "")
    return _UNIT_SUFFIX.sub("", text)


NUMERIC_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "decimal"})


def cell_kind(raw: pd.Series) -> str:
    """What a column holds, as `pandas.api.types.infer_dtype` names it ("string", "floating",
    "mixed"…), found in C; the cleaners take a fast path for the usual single-kind columns."""
    return str(pd.api.types.infer_dtype(raw, skipna=True))


def blank_cells(raw: pd.Series) -> pd.Series:
    """Cells that hold nothing: empty, or only white space."""
    missing = raw.isna()
    if cell_kind(raw) not in ("string", "mixed", "mixed-integer"):
        return missing
    spaces = [v.__class__ is str and not v.strip() for v in raw.to_numpy(dtype=object)]
    return missing | pd.Series(spaces, index=raw.index, dtype=bool)


def date_cells(raw: pd.Series) -> pd.Series:
    """Cells holding a date or date-time value."""
    kind = cell_kind(raw)
    if kind in ("date", "datetime", "datetime64"):
        return raw.notna()
    if kind == "string" or kind in NUMERIC_KINDS or kind == "empty":
        return pd.Series(False, index=raw.index)
    return pd.Series([isinstance(v, dt.date) for v in raw.to_numpy(dtype=object)], index=raw.index)


def numeric_cells(raw: pd.Series) -> pd.Series:
    """Cells holding a number (int or float, not a bool)."""
    if cell_kind(raw) in NUMERIC_KINDS:
        return raw.notna()
    flags = [v.__class__ is float or v.__class__ is int for v in raw.to_numpy(dtype=object)]
    return pd.Series(flags, index=raw.index, dtype=bool) & raw.notna()


def clean_text(raw: pd.Series) -> Cleaned:
    """Plain text: NFKC-normalised (full-width digits and letters become ASCII), trimmed."""
    blank = blank_cells(raw)
    values = raw.to_numpy(dtype=object)
    text = [None if gone else _text_of(v) for v, gone in zip(values, blank.to_numpy(), strict=True)]
    return Cleaned(
        pd.Series(text, index=raw.index, dtype="string"), pd.Series(False, index=raw.index)
    )


# Line breaks, tabs and other control characters in a cell are typing slips (Alt+Enter, a paste):
# removed on read, so that no name carries them into a bank file (SPEC §3).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _text_of(value: object) -> str:
    if value.__class__ is str:
        text: str = value  # type: ignore[assignment]
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        if not text.isprintable():
            text = _CONTROL.sub("", text)
        return text.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an ID typed as a number must not become "3.7e17" or "123.0"
    return unicodedata.normalize("NFKC", str(value)).strip()


def clean_code(raw: pd.Series) -> Cleaned:
    """Identifiers (credit codes, ID numbers): no inner spaces, upper case (`x` → `X`).

    A code that lost digits when typed as a number is unreadable (see `lost_digits`)."""
    text = clean_text(raw).values.str.replace(r"\s+", "", regex=True).str.upper()
    damaged = lost_digits(raw, text)
    return Cleaned(text.where(~damaged), damaged)


def clean_account(raw: pd.Series) -> Cleaned:
    """Bank accounts and card numbers: spaces and hyphens removed.

    An account that lost digits when typed as a number is unreadable (see `lost_digits`):
    converting it to text would pay another account (SPEC §3)."""
    text = clean_text(raw).values.str.replace(r"[\s\-]+", "", regex=True)
    damaged = lost_digits(raw, text)
    return Cleaned(text.where(~damaged), damaged)


# Excel keeps 15 significant digits of a number: a longer number typed into a number cell had
# its last digits replaced by zeros before anyone saved it, and shows in exponent form.
EXCEL_DIGITS = 15
# As Excel shows such a number (6.217E+18, 6E+18); a credit code may hold an E between digits.
_EXPONENT_FORM = r"[+-]?(?:\d+\.\d*[eE][+-]?\d+|\d+[eE]\+\d+)"
LOST_DIGITS_MESSAGE = "超过15位的数字在Excel中会丢失末尾数字，请将该单元格设为文本后重新填写"


def lost_digits(raw: pd.Series, text: pd.Series) -> pd.Series:
    """Cells of an identifier or account column whose digits cannot be trusted (SPEC §3): a
    number with more than 15 digits, a fraction or a sign, or text in exponent form (`6.217E+18`,
    `text` being the cells as cleaned text). Such a value is refused, never turned into text."""
    exponent = text.str.fullmatch(_EXPONENT_FORM).fillna(False).astype(bool)
    numbers = numeric_cells(raw)
    if not numbers.any():
        return exponent
    values = pd.to_numeric(raw[numbers].astype(object), errors="coerce").astype(float)
    whole = np.isfinite(values) & (values == np.floor(values))
    # A sign is no part of an account or code: `-8475135000495` is not 8475135000495.
    damaged = ~whole | (values.abs() >= 10**EXCEL_DIGITS) | (values < 0)
    return exponent | damaged.reindex(raw.index, fill_value=False)


def clean_insurances(raw: pd.Series) -> Cleaned:
    """Insurances separated by 、 , ， ; or spaces → `养老,失业` (the schema checks the names)."""
    text = clean_text(raw).values.str.replace(r"[、,;；/\s]+", ",", regex=True).str.strip(",")
    return Cleaned(text.where(text != ""), pd.Series(False, index=raw.index))


def clean_city(raw: pd.Series) -> Cleaned:
    """City names with or without the trailing 市."""
    text = clean_text(raw).values.str.replace(r"市$", "", regex=True)
    return Cleaned(text, pd.Series(False, index=raw.index))


def clean_choice(raw: pd.Series) -> Cleaned:
    """A value from a closed list (企业规模, 单位类型…): trimmed text; the schema checks it."""
    return clean_text(raw)


def clean_date(raw: pd.Series) -> Cleaned:
    """Dates as real Excel dates, serial numbers, or text in the accepted forms."""
    blank = blank_cells(raw)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    is_date = date_cells(raw)
    in_range = is_date & raw.map(_representable, na_action="ignore").fillna(False).astype(bool)
    parsed[in_range] = pd.to_datetime(raw[in_range].map(_as_datetime))
    is_number = numeric_cells(raw)
    numbers = pd.to_numeric(raw[is_number], errors="coerce")
    yyyymmdd = numbers.between(19000101, 21001231)
    parsed[yyyymmdd[yyyymmdd].index] = pd.to_datetime(
        numbers[yyyymmdd].astype("int64").astype(str), format="%Y%m%d", errors="coerce"
    )
    serial = numbers[~yyyymmdd & numbers.between(1, LAST_SERIAL)]
    parsed[serial.index] = EXCEL_EPOCH + pd.to_timedelta(serial.round(), unit="D")
    text_rows = ~blank & ~is_date & ~is_number
    if text_rows.any():
        text = clean_text(raw[text_rows]).values
        parsed[text_rows] = _parse_date_text(text)
    return Cleaned(parsed, ~blank & parsed.isna())


def _representable(value: object) -> bool:
    """A date pandas can hold (years 1678–2261); others are unreadable, not a crash."""
    return isinstance(value, dt.date) and 1678 <= value.year <= 2261


def _as_datetime(value: dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day)


def _parse_date_text(text: pd.Series) -> pd.Series:
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        todo = result.isna()
        if not todo.any():
            break
        result[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    return result


def clean_month(raw: pd.Series) -> Cleaned:
    """A contribution month (所属期, SPEC §3): `2020-03`, `2020/3`, `2020年3月`, `202003` as text
    or as a number, or a date cell in that month.

    A month never goes through a day-level parser: six digits are always year and month
    (`202011` is November 2020, not 2020-01-01 read as `%Y%m%d`). Any other number (`2020.1`,
    an unformatted serial) and any text in no accepted form is unreadable (`INVALID_VALUE`).
    """
    blank = blank_cells(raw)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    dates = date_cells(raw) & ~blank
    if dates.any():
        representable = raw[dates].map(_representable).astype(bool)
        kept = representable[representable].index
        parsed[kept] = (
            pd.to_datetime(raw[kept].map(_as_datetime)).dt.to_period("M").dt.to_timestamp()
        )
    numbers = numeric_cells(raw) & ~blank
    if numbers.any():
        values = pd.to_numeric(raw[numbers], errors="coerce")
        whole = values[(values == values.round()) & values.between(100001, 999912)]
        parsed[whole.index] = _year_months(
            whole.astype("int64") // 100, whole.astype("int64") % 100
        )
    text_rows = ~blank & ~dates & ~numbers
    if text_rows.any() and cell_kind(raw) == "string":
        # The template's own form, `2020-03`, in one pass; the other forms below.
        typed = pd.to_datetime(raw[text_rows].str.strip(), format="%Y-%m", errors="coerce")
        parsed[typed.notna()[typed.notna()].index] = typed.dropna()
        text_rows &= parsed.isna()
    if text_rows.any():
        text = pd.Series([_text_of(v) for v in raw[text_rows]], index=raw[text_rows].index)
        parts = text.str.extract(_MONTH_PATTERN)
        six = text.str.extract(_SIX_DIGIT_MONTH)
        years = pd.to_numeric(parts[0].fillna(six[0]), errors="coerce")
        months = pd.to_numeric(parts[1].fillna(six[1]), errors="coerce")
        found = years.notna() & months.notna()
        parsed[found[found].index] = _year_months(years[found], months[found])
    return Cleaned(parsed, ~blank & parsed.isna())


def _year_months(years: pd.Series, months: pd.Series) -> pd.Series:
    """The first day of each (year, month); a month outside 1–12 or a year outside pandas'
    range is NaT (unreadable), never a neighbouring month."""
    good = months.between(1, 12) & years.between(1900, 2200)
    stamps = pd.Series(pd.NaT, index=years.index, dtype="datetime64[ns]")
    text = years[good].astype("int64").astype(str) + "-" + months[good].astype("int64").astype(str)
    stamps[good[good].index] = pd.to_datetime(text + "-01", format="%Y-%m-%d")
    return stamps


def clean_yes_no(raw: pd.Series) -> Cleaned:
    """是/否, Y/N, 1/0 (and true/false) as a nullable boolean."""
    blank = blank_cells(raw)
    words = raw.where(~blank).map(_yes_no_word, na_action="ignore")
    values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    values[words.isin(YES_WORDS)] = True
    values[words.isin(NO_WORDS)] = False
    return Cleaned(values, ~blank & values.isna())


def _yes_no_word(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return _text_of(value).upper()


def clean_money_fen(raw: pd.Series) -> Cleaned:
    """Money in yuan → integer fen, rounded half-up to the fen on read (SPEC §3)."""
    return _scaled_integer(raw, 100)


def clean_rate_ppm(raw: pd.Series) -> Cleaned:
    """A rate as a fraction (`0.005`) or a percentage (`0.5%`) → integer parts per million."""
    blank = blank_cells(raw)
    numeric = numeric_cells(raw) & ~blank
    scaled = _scaled_integer(raw.where(numeric), RATE_SCALE).values
    typed = ~blank & ~numeric
    if typed.any():
        text = pd.Series([_text_of(v) for v in raw[typed]], index=typed[typed].index)
        percent = text.str.endswith("%")
        fractions = _scaled_integer(text.where(~percent), RATE_SCALE).values
        percentages = _scaled_integer(text.where(percent).str.rstrip("%"), RATE_SCALE // 100)
        scaled[typed] = fractions.where(~percent, percentages.values)
    return Cleaned(scaled, ~blank & scaled.isna())


def clean_count(raw: pd.Series) -> Cleaned:
    """Whole numbers (head counts, months, days); a fraction is unreadable."""
    blank = blank_cells(raw)
    numeric = numeric_cells(raw) & ~blank
    if numeric.sum() == (~blank).sum():
        numbers = raw[numeric].astype("float64")
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers.abs() < 2**53)
        values = pd.Series(pd.NA, index=raw.index, dtype="Int64")
        values[whole[whole].index] = numbers[whole].astype("int64")
        return Cleaned(values, ~blank & values.isna())
    numbers = _to_decimal_text(raw.where(~blank))
    whole = numbers.map(
        lambda d: d == d.to_integral_value() and abs(d) < LARGEST, na_action="ignore"
    )
    whole = whole.astype("boolean").fillna(False).astype(bool)
    values = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    values[whole] = numbers[whole].map(int).astype("int64")
    return Cleaned(values, ~blank & values.isna())


def _to_decimal_text(raw: pd.Series) -> pd.Series:
    return raw.map(_decimal_of, na_action="ignore")


def _decimal_of(value: object) -> Decimal | None:
    if isinstance(value, bool | dt.date):
        return None
    try:
        text = repr(value) if isinstance(value, float) else _text_of(value).replace(",", "")
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _scaled_integer(raw: pd.Series, scale: int) -> Cleaned:
    """Numbers × scale rounded half-up to an integer, exact for any decimal input.

    Floats that already carry no more places than the scale (the usual case) are converted
    vectorised; the rest go through `Decimal` so that 0.125 yuan rounds up to 0.13, never down.
    """
    blank = blank_cells(raw)
    values = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    floats = raw[numeric_cells(raw) & ~blank].astype("float64")
    with np.errstate(invalid="ignore", over="ignore"):  # inf and nan are simply not exact
        product = floats.to_numpy() * scale
        nearest = np.rint(product)
        exact = (
            np.isfinite(product) & (np.abs(product - nearest) < 1e-6) & (np.abs(nearest) < 2**62)
        )
    values[floats.index[exact]] = nearest[exact].astype("int64")
    rest = ~blank & values.isna()
    rest[floats.index[exact]] = False
    if rest.any():
        # Numbers typed as text ("1,234.50", "0.5" before a stripped "%"): same exact path.
        text = pd.Series([_text_of(v).replace(",", "") for v in raw[rest]], index=rest[rest].index)
        with np.errstate(invalid="ignore", over="ignore"):
            parsed = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64") * scale
            nearest = np.rint(parsed)
            exact = (
                np.isfinite(parsed) & (np.abs(parsed - nearest) < 1e-6) & (np.abs(nearest) < 2**62)
            )
        values[text.index[exact]] = nearest[exact].astype("int64")
        rest[text.index[exact]] = False
    decimals = _to_decimal_text(raw[rest]).dropna()
    # A number too large for any real amount is unreadable, not an overflow.
    decimals = decimals[decimals.map(lambda d: abs(d) * scale < LARGEST)]
    quantum = Decimal(1)
    scaled = decimals.map(lambda d: int((d * scale).quantize(quantum, rounding=ROUND_HALF_UP)))
    values[scaled.index] = scaled.astype("int64")
    return Cleaned(values, ~blank & values.isna())
