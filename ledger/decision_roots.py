"""The Merkle roots of a batch's decisions in its audit log (SPEC §4): made after each run from
the `decisions.csv` it published, recomputed by `verify`, and receipts for one decision.

A receipt is what a beneficiary keeps: one `decisions.csv` line, its salt, its round and the
sibling hashes up to its file's root. `check_receipt` needs only the receipt and the batch's
audit log: the root the path folds to must be the one the log recorded for that file and round.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ledger import audit, merkle
from ledger.outputs import safe_text
from policy.refusal import Refusal
from registry.database import Registry

SECRET_FILE = ".audit-secret"
DECISIONS = "decisions.csv"
ROUNDS = "rounds"


class ReceiptError(Refusal):
    """A receipt that cannot be made (no such row, no secret): the message says why, in Chinese."""


def batch_secret(batch_id: str, folder: Path, registry: Registry | None) -> bytes:
    """The batch's audit secret, kept in the registry. A run without one (a dry run) keeps it in
    its own folder, readable by its owner only: that folder holds the decisions in clear."""
    if registry is not None:
        found = registry.audit_secret(batch_id)
        assert found is not None  # made on first asking
        return found
    path = folder / SECRET_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "w", encoding="ascii") as handle:
            handle.write(os.urandom(32).hex())
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def known_secret(batch_id: str, folder: Path, registry: Registry | None) -> bytes | None:
    """The secret a batch's roots were made with, for checking: the registry's, else its
    folder's (a dry run); None when neither has one."""
    found = registry.audit_secret(batch_id, create=False) if registry is not None else None
    if found is not None:
        return found
    path = folder / SECRET_FILE
    return bytes.fromhex(path.read_text(encoding="ascii").strip()) if path.exists() else None


def file_roots(
    secret: bytes, decisions_csv: bytes, files: Iterable[tuple[str, str | None, str, str | None]]
) -> list[audit.FileRoot]:
    """Each input file's counts and root, for (name, programme, sha256, error) in input order;
    a file without decisions (unreadable, not chosen) has the root of nothing."""
    # Each file's lines are hashed and let go before the next file's are made.
    summed = {
        file: (len(own.data), own.counts, merkle.root(merkle.leaves(secret, own)))
        for file, own in merkle.each_file_lines(decisions_csv)
    }
    nothing = (0, {}, merkle.EMPTY_ROOT)
    return [
        audit.FileRoot(name, program, sha256, error, *summed.get(safe_text(name), nothing))
        for name, program, sha256, error in files
    ]


def round_decisions(folder: Path, round_number: int) -> Path:
    """The decisions a round published: its own copy, else the folder's (a batch without rounds)."""
    kept = folder / ROUNDS / str(round_number) / DECISIONS
    return kept if kept.exists() else folder / DECISIONS


def root_problems(folder: Path, log: Path, secret: bytes | None) -> list[str]:
    """Every root the (intact) log recorded against the roots recomputed from each round's
    `decisions.csv`, and every file there that no event covers."""
    recorded: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for number, event in audit.events_of(log, "input_file"):
        recorded.setdefault(int(event["round"]), []).append((number, event))
    if not recorded:
        if any(True for _ in audit.events_of(log, "decision")):
            return []  # written before Merkle roots: one chained event per decision
        return [f"审计日志 {log.name} 中没有任何输入文件的默克尔根，无法核对决定"]
    if secret is None:
        return ["登记库中没有该批次的审计密钥（或登记库地址不对），无法重算默克尔根"]
    problems = []
    for number_of_round, events in sorted(recorded.items()):
        path = round_decisions(folder, number_of_round)
        if not path.exists():
            problems.append(f"缺少第 {number_of_round} 轮的 {DECISIONS}，无法重算默克尔根")
            continue
        try:
            computed = merkle.roots(secret, path.read_bytes())
        except (ValueError, pd.errors.ParserError) as problem:
            problems.append(
                f"第 {number_of_round} 轮的 {path.relative_to(folder)} 无法逐行解析（{problem}），"
                "无法重算默克尔根：文件被改坏"
            )
            continue
        for number, event in events:
            wanted = computed.get(safe_text(str(event["file"])), (merkle.EMPTY_ROOT, 0))
            if event["merkle_root"] != wanted[0]:
                problems.append(
                    f"审计日志第 {number} 行：第 {number_of_round} 轮文件 {event['file']} 的决定"
                    f"与记录的默克尔根不符（{path.relative_to(folder)} 中该文件的行被修改、删除、"
                    "插入或调换）"
                )
        named = {safe_text(str(event["file"])) for _, event in events}
        for cell in sorted(computed.keys() - named):
            problems.append(
                f"第 {number_of_round} 轮 {DECISIONS} 中文件 {cell} 的决定没有记入审计日志"
            )
    return problems


def latest_round(log: Path) -> int:
    rounds = [int(e["round"]) for _, e in audit.events_of(log, "input_file")]
    if not rounds:
        raise ReceiptError(f"审计日志 {log} 中没有默克尔根，无法出具回执")
    return max(rounds)


def receipt(
    folder: Path, file: str, sheet: str, row: int, secret: bytes, round_number: int | None = None
) -> dict[str, Any]:
    """One decision's receipt: its line, salt, round and Merkle path."""
    log = folder / audit.AUDIT
    chosen = latest_round(log) if round_number is None else round_number
    path = round_decisions(folder, chosen)
    data = path.read_bytes()
    try:
        lines = merkle.lines_by_file(data).get(safe_text(file))
    except (ValueError, pd.errors.ParserError) as problem:
        raise ReceiptError(f"{path} 无法逐行解析（{problem}）") from problem
    name = merkle.name_of(safe_text(file), sheet, row)
    if lines is None or name not in lines.names:
        raise ReceiptError(f"第 {chosen} 轮的 {DECISIONS} 中没有 {file} {sheet} 第 {row} 行")
    index = lines.names.index(name)
    bottom = merkle.leaves(secret, lines)
    header = data.split(b"\n", 1)[0].decode("utf-8").removeprefix("\ufeff").rstrip("\r")
    return {
        "batch_id": audit.batch_of(log),
        "round": chosen,
        "file": file,
        "sheet": sheet,
        "row": row,
        "header": header,
        "line": lines.data[index].decode("utf-8"),
        "salt": merkle.Salts(secret)(name).hex(),
        "leaf_index": index,
        "leaves": len(bottom),
        "path": [{"left": s.left, "hash": s.digest} for s in merkle.path(bottom, index)],
        "merkle_root": merkle.root(bottom),
    }


def check_receipt(found: dict[str, Any], log: Path) -> tuple[str, list[str]]:
    """What the receipt proves, or why it does not: the log's chain must hold, the line must
    name the receipt's row, and its path must fold to the root the log recorded for its file
    and round in this batch."""
    broken = audit.verify(log)
    if broken is not None:
        return "", [f"审计日志第 {broken.line} 行：{broken.problem}"]
    try:
        line = str(found["line"])
        steps = [merkle.Step(bool(s["left"]), str(s["hash"])) for s in found["path"]]
        computed = merkle.root_of_path(bytes.fromhex(found["salt"]), line.encode(), steps)
        named = (safe_text(str(found["file"])), str(found["sheet"]), str(int(found["row"])))
    except (KeyError, TypeError, ValueError) as problem:
        return "", [f"回执不完整或格式不对（{problem}）"]
    cells = merkle.cells_of(line)
    if tuple(cells[merkle.FILE : merkle.ROW + 1]) != named:
        return "", ["回执中的决定行与其所称的文件、工作表、行号不一致"]
    for number, event in audit.events_of(log, "input_file"):
        if (
            event.get("batch_id") == found.get("batch_id")
            and int(event["round"]) == int(found["round"])
            and safe_text(str(event["file"])) == named[0]
            and event["merkle_root"] == computed
        ):
            outcome, amount = cells[merkle.OUTCOME], cells[-1]
            return (
                f"回执核对通过：批次 {event['batch_id']} 第 {event['round']} 轮，"
                f"{found['file']} {found['sheet']} 第 {found['row']} 行的决定（{outcome}，"
                f"{amount} 元）载于审计日志第 {number} 行记录的默克尔根 {computed[:12]}…"
            ), []
    return "", [
        f"回执推算出的默克尔根 {computed[:12]}… 不是审计日志为批次 {found.get('batch_id')} "
        f"第 {found.get('round')} 轮 {found.get('file')} 记录的根（决定行或路径被改动，"
        "或回执不属于该批次）"
    ]
