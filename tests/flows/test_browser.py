"""A clerk's path in a real browser: the served deployments in the Prefect UI, a custom run of
`disburse` started from the deployment page, and its summary on the run page.

Starts `scripts/serve.sh` (server + deployments) on a free port, drives Debian's Chromium with
Playwright, and keeps screenshots in `test-output/browser/`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"gave up waiting for {what}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    home = tmp_path_factory.mktemp("prefect-home")
    env = {
        **os.environ,
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_HOME": str(home),
        "BIN": str(Path(sys.executable).parent),
    }
    env.pop("PREFECT_API_URL", None)
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w")
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "serve.sh")],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"

    def deployments_ready() -> bool:
        request = urllib.request.Request(
            f"{api}/deployments/filter", data=b"{}", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.read().count(b'"name"') >= 2

    try:
        wait_for(deployments_ready, 120, "the served deployments")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a served run still shutting down: stop it hard
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def field(page, title: str):  # type: ignore[no-untyped-def]
    """The text box of the form's field titled `title`."""
    pattern = re.escape(title) + r"( \(Optional\))?$"
    label = page.locator("span.schema-form-property__label").filter(
        has_text=re.compile("^" + pattern)
    )
    return page.locator(".p-label").filter(has=label).locator("textarea").first


def custom_run_form(page, served: str, deployment: str):  # type: ignore[no-untyped-def]
    page.goto(f"{served}/deployments")
    page.get_by_role("link", name=deployment, exact=True).first.click()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Custom run", exact=True).click()


def run_ids(served: str) -> set[str]:
    """Every flow run the served API knows that is not a subflow."""
    request = urllib.request.Request(
        f"{served}/api/flow_runs/filter",
        data=json.dumps({"limit": 200}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return {
            run["id"] for run in json.loads(response.read()) if not run.get("parent_task_run_id")
        }


def submit(page, served: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Submit the run form; the runs there were before, so that the new one is told from an
    earlier run (the deployment page lists those too)."""
    before = run_ids(served)
    page.get_by_role("button", name="Submit").click()
    return before


def new_run_href(served: str, before: set[str]) -> str:
    """The page of the run just submitted, once the server has it."""
    wait_for(lambda: run_ids(served) - before, 60, "the submitted run")
    [fresh] = run_ids(served) - before
    return f"/runs/flow-run/{fresh}"


def open_artifact_of_run(page, served: str, key: str, before: set[str]):  # type: ignore[no-untyped-def]
    """Follow the new run's link, wait for the run to finish, and show its artifact `key`."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.goto(served + new_run_href(served, before))
    artifact = page.get_by_text(key, exact=True)
    # "Completed" may be a task's state while the flow still runs: reload until the flow's
    # artifacts are there (a busy CI machine takes longer).
    # On a loaded two-core machine the run page itself may take long to draw its tabs, so
    # a missing tab is waited for the same way as a missing artifact.
    deadline = time.monotonic() + 240
    while True:
        try:
            page.get_by_text("Artifacts", exact=True).click(timeout=15_000)
            expect(artifact).to_be_visible(timeout=5_000)
            return artifact
        except (AssertionError, PlaywrightTimeout):
            if time.monotonic() > deadline:
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SHOTS / f"failed-{key}-run.png", full_page=True)
                raise
            page.reload()


def test_browser__custom_run_from_the_deployment_page_shows_its_summary(
    served: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "ui-out"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)

        page.goto(f"{served}/deployments")
        expect(page.get_by_text("At 02:00 AM every day")).to_be_visible()
        page.screenshot(path=SHOTS / "1-deployments.png")

        custom_run_form(page, served, "disburse")
        # The clerk's fields by their Chinese titles, in order, technical ones grouped last.
        expect(page.get_by_text("申请工作簿或所在文件夹的路径（可多个）")).to_be_visible()
        titles = [t.removesuffix(" (Optional)") for t in page.locator("label").all_inner_texts()]
        clerk = ["申请工作簿或文件夹", "审核基准日", "项目（可多选）", "参考名单文件夹", "输出目录"]
        assert titles[1 : 1 + len(clerk)] == clerk, titles
        assert titles.index("技术设置（信息科填写，一般留空）") > titles.index("政策参数文件夹")
        assert not [t for t in titles if "_" in t]  # no snake_case parameter names
        expect(page.get_by_text("Property is type None")).to_have_count(0)
        expect(page.get_by_text("失业保险稳岗返还").first).to_be_visible()  # programmes in Chinese
        expect(page.locator("textarea").first).to_have_value(str(SAMPLES))  # the list's item
        field(page, "输出目录").fill(str(out))
        field(page, "审核基准日").fill("2020-12-31")  # typed: no date picker
        page.screenshot(path=SHOTS / "2-custom-run.png", full_page=True)
        before = submit(page, served)

        summary = open_artifact_of_run(page, served, "disbursement-summary", before)
        expect(page.get_by_text("本批次审核结果汇总")).to_be_visible()
        page.screenshot(path=SHOTS / "3-run-artifacts.png", full_page=True)

        summary.click()
        expect(page.get_by_text("失业保险稳岗返还").first).to_be_visible()
        expect(page.get_by_text("审核结果").first).to_be_visible()
        page.screenshot(path=SHOTS / "4-summary.png", full_page=True)

        # The approver releases the round from the UI: another person than the service
        # account that prepared it; the bank files appear under bank/.
        [batch] = [p for p in out.iterdir() if p.is_dir()]
        custom_run_form(page, served, "approve")
        field(page, "批次输出目录").fill(str(batch))
        field(page, "审批人").fill("审批员乙")
        field(page, "审批的复核轮次").fill("0")  # the round the approver looked at
        # 审批结论 has no default: the box is empty until the approver types 批准 or 退回.
        page.screenshot(path=SHOTS / "7-approve-form.png", full_page=True)
        # The service account that prepared the round approving it: refused with a message,
        # the run named after what it tried, its log without a traceback.
        field(page, "审批人").fill("service:disburse")
        field(page, "审批结论").fill("批准")
        page.goto(served + new_run_href(served, submit(page, served)))
        expect(page.get_by_text("不能审批自己经办的拨付").first).to_be_visible(timeout=120_000)
        expect(page.get_by_text(f"approve-{batch.name}-r0-未完成").first).to_be_visible()
        expect(page.get_by_text("Traceback")).to_have_count(0)
        page.screenshot(path=SHOTS / "9-refused-run.png", full_page=True)
        custom_run_form(page, served, "approve")
        field(page, "批次输出目录").fill(str(batch))
        field(page, "审批人").fill("审批员乙")
        field(page, "审批的复核轮次").fill("0")
        field(page, "审批结论").fill("批准")
        page.screenshot(path=SHOTS / "7b-approve-form-chosen.png", full_page=True)
        approval = open_artifact_of_run(page, served, "approval", submit(page, served))
        approval.click()
        expect(page.get_by_text("已由 审批员乙 批准").first).to_be_visible()
        page.screenshot(path=SHOTS / "8-approval.png", full_page=True)
        browser.close()

    assert (batch / "ledger.xlsx").exists()
    written = sorted(p.name.removeprefix(f"{batch.name}-r0-") for p in (batch / "bank").iterdir())
    # Enterprises by their fund source's payer bank (ICBC's fixed layout for 失业保险基金, CCB's
    # workbook for 就业补助资金), persons by their 社保卡's bank (a rural bank's core).
    assert written == [
        "fixed_gb18030-corporate-uif-01.txt",
        "rural_core-personal-esf-01.txt",
        "xlsx_template-corporate-esf-01.xlsx",
        "拨付审批单.xlsx",
    ]


def test_browser__the_nightly_run_page_carries_its_batch_summary_and_unprocessed_files(
    served: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    shutil.copy(SAMPLES / "稳岗返还申请.xlsx", inbox)
    (inbox / "说明.docx").write_bytes(b"not a workbook")
    out = tmp_path / "nightly-out"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        custom_run_form(page, served, "nightly-inbox")
        field(page, "收件箱文件夹").fill(str(inbox))
        field(page, "输出目录").fill(str(out))
        before = submit(page, served)

        summary = open_artifact_of_run(page, served, "batch-summary", before)
        expect(page.get_by_text("unprocessed-files", exact=True)).to_be_visible()
        page.screenshot(path=SHOTS / "5-nightly-artifacts.png", full_page=True)
        summary.click()
        expect(page.get_by_text("失业保险稳岗返还").first).to_be_visible()
        page.screenshot(path=SHOTS / "6-nightly-summary.png", full_page=True)
        browser.close()
    assert [p.name for p in (inbox / "archive").iterdir()] == [
        p.name for p in out.iterdir() if p.is_dir()
    ]
