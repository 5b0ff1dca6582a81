"""impl/fsm: the second, independent implementation of ims_ctrl (issue #14 item 3).

Lint-clean under ``verilator --lint-only -Wall`` at the three standard configurations (a single
warning fails), the parameter checks of IMS-001 reject out-of-range values at elaboration, and
every submodule is named ``ims_fsm_*`` so the file list never collides with ``rtl/``.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from imsflow import sim

FILELIST = sim.project_root() / "impl" / "fsm" / "ims_ctrl.f"
LINT_CONFIGS = ((64, 9), (1, 1), (2048, 256))


def _sources() -> list[Path]:
    return sim.read_filelist(FILELIST)


def _verilator(n: int, m: int) -> subprocess.CompletedProcess[str]:
    try:
        env_add = sim.check_simulator("verilator")
    except sim.SimulatorMissingError as exc:
        pytest.fail(str(exc))
    cmd = [
        "verilator",
        "--lint-only",
        "-Wall",
        "--top-module",
        "ims_ctrl",
        f"-GIMS_ENTRIES={n}",
        f"-GMSIX_ENTRIES={m}",
        *(str(p) for p in _sources()),
    ]
    env = {**os.environ, **env_add}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.mark.parametrize(("n", "m"), LINT_CONFIGS, ids=[f"{n}x{m}" for n, m in LINT_CONFIGS])
def test_lint_clean(n: int, m: int) -> None:
    r = _verilator(n, m)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "%Warning" not in out and "%Error" not in out, out


@pytest.mark.parametrize(("n", "m"), ((0, 9), (2049, 9), (64, 0), (64, 257)))
def test_out_of_range_parameters_fail_elaboration(n: int, m: int) -> None:
    r = _verilator(n, m)
    assert r.returncode != 0
    assert "ims_fsm_error_" in r.stdout + r.stderr


def test_one_module_per_file_prefixed() -> None:
    for src in _sources():
        text = src.read_text()
        modules = re.findall(r"^\s*module\s+(\w+)", text, flags=re.M)
        assert modules == [src.stem], f"{src.name}: modules {modules}"
        assert "`default_nettype none" in text, src.name
        if src.stem != "ims_ctrl":
            assert src.stem.startswith("ims_fsm_"), src.name
