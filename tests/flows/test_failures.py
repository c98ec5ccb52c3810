"""User errors on a run's page (issue 22): the engine's repeat of a user error is dropped, unless
a fault of the system caused it; a refused run's name never carries an applicant's file name."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from flows.failures import QUIET_USER_ERRORS, tried_name
from policy.parameters import PolicyError


def record_of(problem: BaseException) -> logging.LogRecord:
    try:
        raise problem
    except BaseException:
        info = sys.exc_info()
    return logging.LogRecord("prefect.flow_runs", logging.ERROR, "", 0, "x", None, info)


def test_filter__drops_a_user_errors_repeat_and_keeps_a_faults_traceback() -> None:
    assert not QUIET_USER_ERRORS.filter(record_of(PolicyError("参数缺失")))
    try:
        try:
            {}["rate"]
        except KeyError as fault:
            raise PolicyError("参数缺失") from fault
    except PolicyError as wrapped:
        assert QUIET_USER_ERRORS.filter(record_of(wrapped))
    assert QUIET_USER_ERRORS.filter(record_of(ValueError("a fault of the system")))


def test_tried_name__says_the_batch_and_round_never_an_input_file_name() -> None:
    assert tried_name("approve_round", {"batch": "/out/3239abcd", "round": 1}) == (
        "approve-3239abcd-r1-未完成"
    )
    name = tried_name("disburse", {"inputs": ["/收件箱/张三370102199001011234.xlsx"]})
    assert name.startswith("disburse-") and "张三" not in name and "3701" not in name


@pytest.mark.parametrize(
    "address",
    [
        "postgresql+psycopg://subsidy:s3cret@db/registry",
        "postgresql+psycopg://subsidy:sec/ret@db/registry",  # SQLAlchemy reads `sec/ret`
        "postgresql+psycopg://subsidy:a?b#c@db/registry",
    ],
)
def test_secrets__a_password_in_an_address_is_refused_however_it_is_spelled(address: str) -> None:
    from flows.secrets import SecretInParameter, refuse_password

    with pytest.raises(SecretInParameter, match="含有密码"):
        refuse_password(address)
    refuse_password("postgresql+psycopg://subsidy@db/registry")  # certificate or trust: fine
    refuse_password("/srv/subsidy/registry.sqlite")


def test_verify_audit__a_registry_that_is_not_there_is_one_chinese_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import main

    log = tmp_path / "b1" / "audit.jsonl"
    log.parent.mkdir()
    log.write_text("", encoding="utf-8")
    missing = f"sqlite:///{tmp_path / 'missing.sqlite'}"
    assert main(["verify-audit", str(log), "--registry", missing]) == 1
    said = capsys.readouterr().err
    assert said.startswith("未核对：支付登记库") and "不存在" in said and "Traceback" not in said
    assert not (tmp_path / "missing.sqlite").exists()  # never created by a check
