"""The `subsidy` command as a clerk and an operator meet it (issue 22): `run` refuses a new batch
without 审核基准日, as the UI does, and ends with each programme's figures and the next step;
`secret` saves a Prefect Secret block from standard input; `alert-test` reaches the robot."""

from __future__ import annotations

import http.server
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from flows.cli import main
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def test_run__a_new_batch_without_as_of_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    command = ["run", str(SAMPLES), "--out", str(out), "--reference", str(SAMPLES / "reference")]
    assert main([*command, "--no-progress"]) == 1
    assert "审核基准日" in capsys.readouterr().err
    assert not [p for p in out.iterdir() if p.is_dir()]  # no batch


def test_run__ends_with_each_programmes_figures_and_the_next_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    command = ["run", str(SAMPLES), "--out", str(out), "--reference", str(SAMPLES / "reference")]
    assert main([*command, "--as-of", "2020-12-31", "--no-progress"]) == 0
    said = capsys.readouterr()
    folder = Path(said.out.strip())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    lines = said.err.splitlines()
    refund = manifest["programs"]["stabilization_refund"]
    [row] = [line for line in lines if line.startswith("失业保险稳岗返还")]
    counts = [refund[k] for k in ("input_rows", "approved", "rejected", "held")]
    assert row.split()[1:5] == [str(n) for n in counts]
    assert any(line.startswith("合计：现金") and "减免" in line for line in lines)
    assert any(f"subsidy approve {folder} --approver" in line for line in lines)


def test_secret__is_saved_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-only"
    monkeypatch.setattr("sys.stdin", io.StringIO(url + "\n"))
    assert main(["secret", "alert"]) == 0
    assert Secret.load("subsidy-alert-webhook").get() == url
    monkeypatch.setattr("sys.stdin", io.StringIO("not an address\n"))
    assert main(["secret", "registry"]) == 1  # refused, nothing saved


@contextmanager
def robot(answer: bytes) -> Iterator[tuple[str, list[dict]]]:
    """A group robot on 127.0.0.1 answering every post with `answer`: its URL (with a key, as
    企业微信's carry) and what it received."""
    received: list[dict] = []

    class Robot(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/send?key=the-secret-key", received
    finally:
        server.shutdown()


def test_alert_test__reaches_the_robot(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with robot(b'{"errcode": 0}') as (url, received):
        monkeypatch.setenv("SUBSIDY_ALERT_WEBHOOK", url)
        assert main(["alert-test"]) == 0
    [posted] = received
    assert "测试消息" in posted["text"]["content"]
    assert "已送达" in capsys.readouterr().out


def test_run__the_samples_never_enter_the_departments_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A worker set up for production (its registry from the environment), not the demo.
    monkeypatch.setenv("SUBSIDY_DEMO", "0")
    monkeypatch.setenv("SUBSIDY_REGISTRY_URL", f"sqlite:///{tmp_path / 'department.sqlite'}")
    command = ["run", str(SAMPLES), "--out", str(tmp_path / "out")]
    command += ["--reference", str(SAMPLES / "reference"), "--as-of", "2020-12-31", "--no-progress"]
    assert main(command) == 1
    assert "是本项目的示例数据" in capsys.readouterr().err
    assert not (tmp_path / "department.sqlite").exists()


def test_alert_test__a_robot_that_refuses_is_not_reported_as_reached(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 企业微信's answer to a wrong key: 200 with an errcode.
    with robot(b'{"errcode": 93000, "errmsg": "invalid webhook url"}') as (url, _):
        monkeypatch.setenv("SUBSIDY_ALERT_WEBHOOK", url)
        assert main(["alert-test"]) == 1
    said = capsys.readouterr().err
    assert "errcode 93000" in said and "the-secret-key" not in said
