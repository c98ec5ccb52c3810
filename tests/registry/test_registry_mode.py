"""A SQLite registry holds IDs, accounts and the audit secrets: its owner's only (issue 21,
item 14)."""

from __future__ import annotations

import os
from pathlib import Path

from registry.database import Registry, sqlite_url


def test_registry__a_new_sqlite_file_is_created_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    previous = os.umask(0o022)
    try:
        with Registry(sqlite_url(str(path))) as registry:
            registry.audit_secret("b1")  # a secret written: the journal came and went
    finally:
        os.umask(previous)
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert [p.name for p in tmp_path.iterdir() if p.stat().st_mode & 0o077] == []


def test_registry__an_existing_readable_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    Registry(sqlite_url(str(path))).dispose()
    os.chmod(path, 0o644)
    Registry(sqlite_url(str(path))).dispose()
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
