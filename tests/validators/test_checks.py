"""Check digits and identifier checks (GB 32100, GB 11643, Luhn), vectorised."""

from __future__ import annotations

import pandas as pd

from validators import checks


def series(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype="string")


def test_credit_code_valid__accepts_correct_check_character_and_rejects_others() -> None:
    result = checks.credit_code_valid(
        series(
            "91370502283FEFC638",
            "913701029GAHH9GDH9",
            "91370302C18A48C390",
            "9137050228",
            "91370502283FEFC63I",
            None,
        )
    )
    assert result.tolist() == [True, True, False, False, False, True]


def test_resident_id_valid__check_digit_x_and_birth_date() -> None:
    result = checks.resident_id_valid(
        series(
            "370202197408116939",
            "50023019720224840X",
            "371002198312113350",
            "370202197402306930",  # 30 February: no such birth date
            "37020219740811693",
            "３７０２０２１９７４０８１１６９３９",
            None,
        )
    )
    assert result.tolist() == [True, True, False, False, False, False, True]


def test_luhn_valid__known_cards() -> None:
    result = checks.luhn_valid(
        series("6223137206402109673", "6266413785666942200", "79927398713", "abc", "")
    )
    assert result.tolist() == [True, False, True, False, False]


def test_digits_between__enterprise_accounts_8_to_32_digits() -> None:
    result = checks.digits_between(
        series("12345678", "1234567", "1" * 32, "1" * 33, "1234-5678"), 8, 32
    )
    assert result.tolist() == [True, False, True, False, False]


def test_is_shandong_city__sixteen_cities_only() -> None:
    assert len(checks.SHANDONG_CITIES) == 16
    result = checks.is_shandong_city(series("济南", "菏泽", "莱芜", "北京"))
    assert result.tolist() == [True, True, False, False]


def test_is_chongqing_id__division_code_50() -> None:
    assert checks.is_chongqing_id(series("500235197612191954", "510104197412198344")).tolist() == [
        True,
        False,
    ]
