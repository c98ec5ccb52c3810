"""`scripts/serve.sh` refuses, before starting anything, a credential that is no credential and
a UI pointed at an address no browser can call (issue 21, item 15)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """`prefect` and `python` that only note they were started; the health check (python's
    `urlopen`) answers once the server was started, as a real server does (else, on a busy
    machine, the script's exit stopped the server before it had noted its start)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    started = tmp_path / "started"
    health = (
        'case "$*" in *urlopen*) for _ in $(seq 1 100); do '
        f'grep -q "server start" "{started}" 2>/dev/null && exit 0; sleep 0.1; done; exit 1;; esac\n'
    )
    for name in ("prefect", "python"):
        program = folder / name
        program.write_text(
            f'#!/bin/sh\necho "$0 $*" >> "{started}"\n' + (health if name == "python" else "")
        )
        program.chmod(0o755)
    return folder


def serve(fake_bin: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("API_AUTH_STRING") and not k.startswith("SUBSIDY_")
    }
    return subprocess.run(
        [str(ROOT / "scripts" / "serve.sh")],
        env={
            **env,
            "BIN": str(fake_bin),
            "PREFECT_HOME": str(fake_bin.parent / "home"),
            **settings,
        },
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("credential", ["admin", "admin:", ":", ":secret", "admin: ", " :pw"])
def test_serve__refuses_a_credential_without_user_and_password(
    fake_bin: Path, credential: str
) -> None:
    done = serve(
        fake_bin,
        SUBSIDY_SERVER_HOST="10.0.0.5",
        SUBSIDY_PUBLIC_URL="https://subsidy.example.gov.cn",
        PREFECT_SERVER_API_AUTH_STRING=credential,
    )
    assert done.returncode == 2, done.stderr
    assert "拒绝启动" in done.stderr and "用户名:密码" in done.stderr
    assert not (fake_bin.parent / "started").exists()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]"])
def test_serve__on_every_address_requires_the_public_url(fake_bin: Path, host: str) -> None:
    done = serve(
        fake_bin,
        SUBSIDY_SERVER_HOST=host,
        PREFECT_SERVER_API_AUTH_STRING="renshe-admin:correct horse battery",
    )
    assert done.returncode == 2, done.stderr
    assert "拒绝启动" in done.stderr and "SUBSIDY_PUBLIC_URL" in done.stderr
    assert not (fake_bin.parent / "started").exists()


def test_serve__a_good_credential_starts_with_the_public_url_for_the_ui(fake_bin: Path) -> None:
    done = serve(
        fake_bin,
        SUBSIDY_SERVER_HOST="0.0.0.0",
        SUBSIDY_PUBLIC_URL="https://subsidy.example.gov.cn",
        PREFECT_SERVER_API_AUTH_STRING="renshe-admin:correct horse battery",
        PREFECT_SERVER_API_PORT="4321",
    )
    assert "拒绝启动" not in done.stderr
    started = (fake_bin.parent / "started").read_text()
    assert "server start --host 0.0.0.0 --port 4321" in started
    assert "Prefect UI: https://subsidy.example.gov.cn" in done.stdout
