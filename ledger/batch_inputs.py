"""Find a recorded batch's input workbooks again, from its audit log, checked by sha256.

The manifest names each input and its sha256 but no path (it must repeat byte for byte); the
audit log's `run` events say where each input was read from, and the inbox's `inputs_archived`
events where it was moved. The latest place that still holds the same bytes wins.
"""

from __future__ import annotations

import json
from pathlib import Path

from ledger.manifest import Manifest
from ledger.outputs import file_sha256
from policy.refusal import Refusal


class MissingInputs(Refusal):
    """Some inputs of the batch are nowhere the audit log says, with the same content."""


def batch_inputs(batch: Path) -> list[Path]:
    """The batch's usable input workbooks, as recorded; raises `MissingInputs` (Chinese)."""
    manifest = Manifest.read(batch)
    wanted = {i.file: i.sha256 for i in manifest.inputs if not i.error}
    places: dict[str, list[str]] = {name: [] for name in wanted}
    with (batch / "audit.jsonl").open(encoding="utf-8") as log:
        for line in log:
            event = json.loads(line)
            files = event.get("inputs") if event.get("event") == "run" else event.get("files")
            if event.get("event") not in ("run", "inputs_archived") or not files:
                continue
            for item in files:
                if item.get("path") and item["file"] in places:
                    places[item["file"]].append(item["path"])
    found, missing = [], []
    for name, sha in sorted(wanted.items()):
        match = next((Path(p) for p in reversed(places[name]) if _holds(Path(p), sha)), None)
        if match is None:
            missing.append(name)
        else:
            found.append(match)
    if missing:
        raise MissingInputs(
            f"找不到批次 {manifest.batch_id} 的输入文件（或文件内容已改变）："
            + "、".join(missing)
            + "；请用 --inputs 指定原始申请文件"
        )
    return found


def _holds(path: Path, sha256: str) -> bool:
    return path.is_file() and file_sha256(path) == sha256
