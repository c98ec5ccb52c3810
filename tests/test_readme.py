"""The README a newcomer reads (issue 22): at most 250 lines, links that work inside a clone, and
its ten-minute walkthrough run as written — `make demo`, approval, the bank files sent, the
shipped bank return (one failure), `verify` — in a copy of the project's files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from prefect.settings import PREFECT_API_URL

from tests.conftest import ROOT

README = ROOT / "README.md"
COPIED = ("Makefile", "pyproject.toml", "constraints.txt", "sample_inputs", "sample_returns")


def walkthrough() -> str:
    """The shell block under the README's walkthrough marker."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- walkthrough[^>]*-->\s*```sh\n(.*?)```", text, re.S)
    assert found, "the README has no walkthrough block"
    return found.group(1)


def test_readme__is_short_and_links_only_inside_the_clone() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    links = re.findall(r"\]\(([^)#]+)", text)
    assert links and all(not link.startswith(("../", "/")) for link in links), links
    assert all((ROOT / link).exists() for link in links if "://" not in link), links
    # One spelling of the command in the commands a reader types.
    typed = [line for line in walkthrough().splitlines() if "subsidy " in line]
    assert typed and all(".venv/bin/subsidy " in line for line in typed)


def test_readme__the_walkthrough_runs_as_written(tmp_path: Path, prefect_harness: None) -> None:
    """On the session's Prefect server (as a department's machine runs against its own): an
    embedded server per command would cost seconds each, and the commands are what is tested."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy2(source, tmp_path / name)
            os.utime(tmp_path / name, (0, 0))  # older than the venv: make installs nothing
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / ".prefect")
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-3000:]
    assert re.search(r"台账 \(ledger\): out/\w+/ledger\.xlsx", said)
    assert "下一步：打开" in said  # the run's summary and next step
    assert "第 0 轮已由 王五 批准" in said
    assert "已登记报送银行" in said
    assert "成功 18 笔，失败 1 笔" in said  # the shipped return matches the demo batch
    assert "核对通过" in said and "含支付登记库" in said


def layout_rows() -> dict[str, str]:
    """The README's layout table: each folder it names (a row may name two) → the row's text."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first, rest = line.split("|")[1], "|".join(line.split("|")[2:])
        for folder in re.findall(r"`([\w.-]+)/`", first):
            rows[folder] = rest
    return rows


def test_readme__the_layout_names_every_folder_of_the_tree_and_modules_that_exist() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    folders = {path.split("/")[0] for path in tracked if "/" in path and not path.startswith(".")}
    rows = layout_rows()
    assert set(rows) == folders
    missing = [
        f"{folder}/{module}"
        for folder, text in rows.items()
        for module in re.findall(r"`([\w/]+\.py)`", text)
        if not (ROOT / folder / module).exists()
    ]
    assert missing == []
