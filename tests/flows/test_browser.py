"""A clerk's path in a real browser: the served deployments in the Prefect UI, a custom run of
`disburse` started from the deployment page, and its summary on the run page.

Starts `scripts/serve.sh` (server + deployments) on a free port, drives Debian's Chromium with
Playwright, and keeps screenshots in `test-output/browser/`.
"""

from __future__ import annotations

import os
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
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a served run still shutting down: stop it hard
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


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

        page.get_by_role("link", name="disburse", exact=True).first.click()
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text("Custom run", exact=True).click()
        expect(page.get_by_text("申请工作簿或所在文件夹的路径（可多个）")).to_be_visible()
        inputs = page.locator("textarea").nth(0)
        expect(inputs).to_have_value(str(SAMPLES))
        page.locator("textarea").nth(2).fill(str(out))
        page.locator("textarea").nth(3).fill("2020-12-31")  # 审核基准日, typed
        page.screenshot(path=SHOTS / "2-custom-run.png", full_page=True)
        page.get_by_role("button", name="Submit").click()

        run_link = page.locator("a[href*='/runs/flow-run/']").first
        run_link.wait_for()
        page.goto(served + run_link.get_attribute("href"))
        expect(page.get_by_text("Completed").first).to_be_visible(timeout=120_000)
        summary = page.get_by_text("disbursement-summary", exact=True)
        # "Completed" may be a task's state while the flow still runs: reload until the flow's
        # artifacts are there (a busy CI machine takes longer).
        deadline = time.monotonic() + 120
        while True:
            page.get_by_text("Artifacts", exact=True).click()
            try:
                expect(summary).to_be_visible(timeout=5_000)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                page.reload()
        expect(page.get_by_text("本批次审核结果汇总")).to_be_visible()
        page.screenshot(path=SHOTS / "3-run-artifacts.png", full_page=True)

        summary.click()
        expect(page.get_by_text("失业保险稳岗返还").first).to_be_visible()
        expect(page.get_by_text("审核结果").first).to_be_visible()
        page.screenshot(path=SHOTS / "4-summary.png", full_page=True)
        browser.close()

    batches = [p for p in out.iterdir() if p.is_dir()]
    assert len(batches) == 1 and (batches[0] / "ledger.xlsx").exists()
