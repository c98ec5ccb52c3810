"""`sample_inputs/` is what the generator script makes, byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SAMPLES


def test_make_sample_inputs__reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample_inputs.py"), str(tmp_path)],
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.xlsx"))
    committed = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*.xlsx"))
    assert made == committed and len(made) == 14
    for relative in made:
        assert (tmp_path / relative).read_bytes() == (SAMPLES / relative).read_bytes(), relative
