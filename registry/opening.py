"""Where the registry is, and opening it: the one place that does both (issue 23).

The address a person or the environment gave wins (a URL, or a SQLite file's path); without one,
the `registry.sqlite` beside a batch's folder, or in the output folder, when it exists. A batch
run creates that file in its output folder; every other step needs it to exist, so that a
mistyped path is refused instead of opened as a new, empty registry. `flows.secrets` resolves
a typed parameter, the environment variable and the Prefect Secret block into the address.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from policy.refusal import Refusal
from registry.database import Registry, sqlite_url

REGISTRY_FILE = "registry.sqlite"


class RegistryUnusable(Refusal):
    """No registry named, or the one named cannot be opened (message in Chinese)."""


def registry_url(
    address: str | None, *, beside: Path | None = None, within: Path | None = None
) -> str | None:
    """The registry's URL: `address` (a URL or a SQLite path), else the existing
    `registry.sqlite` beside the batch folder `beside` or inside the output folder `within`;
    None when there is none."""
    if address:
        return address if "://" in address else sqlite_url(address)
    for folder in (beside.parent if beside else None, within):
        if folder is not None and (folder / REGISTRY_FILE).is_file():
            return sqlite_url(str(folder / REGISTRY_FILE))
    return None


def output_registry_url(out: Path) -> str:
    """The registry file a batch run writes in its output folder (made by its first batch)."""
    return sqlite_url(str(out / REGISTRY_FILE))


@contextmanager
def opened(url: str | None, *, create: bool = False) -> Iterator[Registry]:
    """The registry at `url`, closed when the block ends. Unless `create`, a SQLite file must
    exist; no address, an address that cannot be parsed or a database that cannot be reached
    is `RegistryUnusable`."""
    if not url:
        raise RegistryUnusable(
            "找不到支付登记库：请设置环境变量 SUBSIDY_REGISTRY_URL，或指定登记库"
        )
    try:
        parsed = make_url(url)
    except ArgumentError as problem:
        raise RegistryUnusable(
            "支付登记库地址无法识别：应为 sqlite:///路径 或 postgresql+psycopg://用户@主机/库名"
        ) from problem
    shown = parsed.render_as_string(hide_password=True)
    database = parsed.database or ":memory:"
    sqlite = parsed.get_backend_name() == "sqlite" and database != ":memory:"
    if sqlite and not create and not Path(database).is_file():
        raise RegistryUnusable(f"支付登记库 {shown} 不存在，请检查登记库地址")
    try:
        registry = Registry(url)
    except (ArgumentError, SQLAlchemyError, ImportError) as problem:
        raise RegistryUnusable(
            f"无法打开支付登记库 {shown}：地址有误、数据库未启动或网络不通，请检查登记库地址后重试"
        ) from problem
    with registry:
        yield registry


@contextmanager
def opened_if(url: str | None) -> Iterator[Registry | None]:
    """`opened(url)`, or None when there is no registry (a dry run, a search without one)."""
    if url is None:
        yield None
        return
    with opened(url) as registry:
        yield registry
