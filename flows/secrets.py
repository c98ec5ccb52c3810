"""Where the registry's address comes from (issue 13): a URL with a password is a secret, so it
is never a flow parameter (Prefect stores every run's parameters and shows them in the UI).

The address is, in order: the `registry` parameter when it holds no password (a SQLite path, a
PostgreSQL URL on trust or certificate authentication); the environment variable
`SUBSIDY_REGISTRY_URL`; the Prefect `Secret` block `subsidy-registry-url`; else the SQLite file in
the output folder. A parameter with a password is refused, saying where to put it instead.
"""

from __future__ import annotations

import os

from policy.refusal import Refusal

REGISTRY_ENV = "SUBSIDY_REGISTRY_URL"
REGISTRY_BLOCK = "subsidy-registry-url"
ALERT_BLOCK = "subsidy-alert-webhook"  # the alert robot's address (its key is a secret)
# The key shared with the partner province for paid-elsewhere hashes (SPEC §2), as agreed text.
PARTNER_ENV = "SUBSIDY_PARTNER_KEY"
PARTNER_BLOCK = "subsidy-partner-key"


class SecretInParameter(Refusal, ValueError):
    """A password typed into a run's parameters."""


def registry_address(given: str | None) -> str | None:
    """The registry URL a run uses, or None for the output folder's SQLite file."""
    if given:
        refuse_password(given)
        return given
    return configured(REGISTRY_ENV, REGISTRY_BLOCK) or None


def refuse_password(given: str | None, typed_on_command_line: bool = False) -> None:
    """Refuse a registry address that holds a password: a run's parameters are stored and shown
    in the UI, a command line is seen in `ps` and the shell's history. The `run` command checks
    before its flow run is created (which would store it)."""
    if not given or not _has_password(given):
        return
    if typed_on_command_line:
        raise SecretInParameter(
            "支付登记库地址中含有密码，不能写在命令行上（命令行会出现在进程列表和命令历史中）。"
            f"请由运维人员设置环境变量 {REGISTRY_ENV}，并省略 --registry"
        )
    raise SecretInParameter(
        "支付登记库地址中含有密码，不能作为运行参数填写（参数随每次运行保存并显示在界面上）。"
        f"请由运维人员设置环境变量 {REGISTRY_ENV} 或 Prefect Secret 块 {REGISTRY_BLOCK}，"
        "并将本参数留空"
    )


def _has_password(url: str) -> bool:
    """Whether a database URL (`postgresql+psycopg://user:secret@host/db`) carries a password,
    read as SQLAlchemy reads it: the user part runs to the first `@`, and a `:` in it starts
    the password (which may hold `/`, `?` or `#` unencoded). A path carries none (it is checked
    where it is opened)."""
    if "://" not in url:
        return False
    rest = url.split("://", 1)[1]
    return "@" in rest and ":" in rest.split("@", 1)[0]


def configured(variable: str, block: str) -> str:
    """A secret an operator set up: the environment variable, else the Prefect `Secret` block
    of that name; empty when neither is there."""
    if os.environ.get(variable):
        return os.environ[variable]
    from prefect.blocks.system import Secret

    try:
        return str(Secret.load(block).get())
    except ValueError:  # no such block
        return ""


class PartnerKeyTooShort(Refusal, ValueError):
    """A partner key too short to keep the IDs behind the hashes secret."""


def partner_key() -> bytes | None:
    """The key shared with the partner province (UTF-8 bytes of the agreed text), None when
    none is set up: the paid-elsewhere check is then not run, and the run says so."""
    from policy.paid_hashes import MIN_KEY_BYTES

    value = configured(PARTNER_ENV, PARTNER_BLOCK)
    if not value:
        return None
    key = value.encode()
    if len(key) < MIN_KEY_BYTES:
        raise PartnerKeyTooShort(
            f"与合作省份共同持有的核查密钥（{PARTNER_ENV} 或 Secret 块 {PARTNER_BLOCK}）"
            f"至少 {MIN_KEY_BYTES} 字节，当前不足，未运行"
        )
    return key
