"""The nightly inbox never fails silently (issue 13, SPEC §3): a missing inbox fails the run
naming the folder; files that cannot be processed are named, with why, on the nightly run's own
page (state message, log, artifact); new files of which none can be used make no batch."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from flows.inbox import InboxMissing, NothingProcessed, nightly_inbox
from ledger.manifest import Manifest
from tests.conftest import SAMPLES
from tests.flows.ui import run_page

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
REFERENCE = str(SAMPLES / "reference")


def truncated(path: Path) -> None:
    data = (SAMPLES / "稳岗返还申请.xlsx").read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_nightly__a_missing_inbox_fails_the_run_naming_the_folder(tmp_path: Path) -> None:
    inbox = tmp_path / "未挂载的共享目录"
    with pytest.raises(InboxMissing, match=f"收件箱文件夹 {inbox} 不存在或未挂载"):
        nightly_inbox(inbox=str(inbox), reference=REFERENCE, out=str(tmp_path / "out"))
    page = run_page(inbox=str(inbox))
    state, logs = page.run.state, page.logs
    assert state.is_failed() and state.message.startswith(f"收件箱文件夹 {inbox} 不存在或未挂载")
    # A user error: its message on the run page, no traceback for a clerk to read.
    assert any(line.startswith(f"收件箱文件夹 {inbox}") for line in logs)
    assert not any("Traceback" in line or "Error:" in line for line in logs)


def test_nightly__new_files_none_usable_fail_the_run_and_make_no_batch(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    truncated(inbox / "稳岗返还申请.xlsx")
    (inbox / "说明.docx").write_bytes(b"PK")
    with pytest.raises(NothingProcessed, match="均未能处理，未生成批次"):
        nightly_inbox(inbox=str(inbox), reference=REFERENCE, out=str(out))
    assert [p for p in out.iterdir() if p.is_dir()] == []  # no batch, no archive
    assert not (inbox / "archive").exists()
    page = run_page(inbox=str(inbox))
    state, logs = page.run.state, page.logs
    assert state.is_failed() and "均未能处理" in state.message
    assert any("稳岗返还申请.xlsx" in line and "UNREADABLE_FILE" in line for line in logs)
    listed = {row["文件"]: row["原因代码"] for row in page.table("unprocessed-files")}
    assert listed == {"稳岗返还申请.xlsx": "UNREADABLE_FILE", "说明.docx": "UNSUPPORTED_FILE"}


def test_nightly__files_not_processed_are_named_on_the_nightly_run_itself(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    (inbox / "青岛").mkdir(parents=True)
    shutil.copy(SAMPLES / "鲁渝劳务协作补贴.xlsx", inbox / "青岛")
    truncated(inbox / "稳岗返还申请.xlsx")
    (inbox / "名单.csv").write_text("a\n", encoding="utf-8")
    [batch] = nightly_inbox(inbox=str(inbox), reference=REFERENCE, out=str(out))
    page = run_page(inbox=str(inbox))
    state, logs = page.run.state, page.logs
    assert state.is_completed() and "2 个文件未处理" in state.message
    assert any("名单.csv" in line and "UNSUPPORTED_FILE" in line for line in logs)
    listed = {row["文件"]: row["原因代码"] for row in page.table("unprocessed-files")}
    assert listed == {"稳岗返还申请.xlsx": "UNREADABLE_FILE", "名单.csv": "UNSUPPORTED_FILE"}
    assert "batch-summary" in page.artifacts  # the batch's summary on the nightly page too
    manifest = Manifest.read(Path(batch))
    errors = {i.file: i.error for i in manifest.inputs}
    assert errors["名单.csv"] == "UNSUPPORTED_FILE" and errors["鲁渝劳务协作补贴.xlsx"] is None
    # The usable file is archived; the others stay where they were.
    archived = sorted(p.name for p in (inbox / "archive" / Path(batch).name).rglob("*.xlsx"))
    assert archived == ["鲁渝劳务协作补贴.xlsx"]
    assert (inbox / "稳岗返还申请.xlsx").exists() and (inbox / "名单.csv").exists()


def test_nightly__a_failed_run_posts_its_reason_to_the_department_robot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[dict] = []

    class Robot(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"errcode":0}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test"
        monkeypatch.setenv("SUBSIDY_ALERT_WEBHOOK", url)
        inbox = tmp_path / "未挂载"
        with pytest.raises(InboxMissing):
            nightly_inbox(inbox=str(inbox), reference=REFERENCE, out=str(tmp_path / "out"))
    finally:
        server.shutdown()
    [posted] = received
    assert posted["msgtype"] == "text"
    content = posted["text"]["content"]
    assert content.startswith("【稳就业补贴审核系统】nightly-inbox 运行未成功（Failed）")
    assert f"收件箱文件夹 {inbox} 不存在或未挂载" in content


def test_deployments__nightly_and_manual_runs_queue_one_at_a_time() -> None:
    from flows.serve import deployments

    nightly, manual, *_ = deployments()
    for deployment in (nightly, manual):
        assert deployment.concurrency_limit == 1
        assert deployment.concurrency_options.collision_strategy == "ENQUEUE"


def test_nightly__an_unreadable_return_is_reported_set_aside_and_the_rest_runs(
    tmp_path: Path,
) -> None:
    from registry.database import Registry
    from registry.tables import bank_returns

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    (inbox / "回盘").mkdir(parents=True)
    shutil.copy(SAMPLES / "稳岗返还申请.xlsx", inbox)
    (inbox / "回盘" / "0-损坏.xlsx").write_bytes(b"not a workbook")  # sorted before the good one
    (inbox / "回盘" / "1-工行回盘.csv").write_text(
        "付款编号,账号,户名,金额,结果,失败原因\nPUNKNOWN,6222000000000001,张三,1.00,成功,\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{out / 'registry.sqlite'}"
    state = nightly_inbox(
        inbox=str(inbox),
        reference=REFERENCE,
        out=str(out),
        technical={"registry": url},
        return_state=True,
    )
    assert state.is_completed() and "1 个文件未处理" in state.message
    [batch] = state.result()
    assert Path(batch).is_dir()  # the night's applications were decided
    assert (inbox / "archive" / "回盘" / "1-工行回盘.csv").exists()  # the good return applied
    assert not (inbox / "回盘" / "0-损坏.xlsx").exists()
    assert (inbox / "回盘" / "未处理" / "0-损坏.xlsx").read_bytes() == b"not a workbook"
    with Registry(url) as registry, registry.engine.connect() as connection:
        names = [r.file_name for r in connection.execute(bank_returns.select())]
    assert names == ["1-工行回盘.csv"]
    page = run_page(inbox=str(inbox))
    listed = {row["文件"]: row["原因代码"] for row in page.table("unprocessed-files")}
    assert listed == {"回盘/0-损坏.xlsx": "RETURN_UNREADABLE"}
    # Set aside, it is not tried again the next night.
    again = nightly_inbox(
        inbox=str(inbox), reference=REFERENCE, out=str(out), technical={"registry": url}
    )
    assert again == []
