"""The kit checks the device contract, not ims_ctrl's micro-architecture (issue #14).

impl/fsm is a second, independent implementation (AW and W taken apart, reads buffered, steps
of several clocks, a background flush). It runs the whole bench through `ims regress --rtl`
without claiming the ims_ctrl profile: every job passes, every contract rule PASSES and every
profile rule is NOT CLAIMED. Claimed by force, the profile fails at once; a contract bug planted
in it is caught. IMS_SIM restricts the simulators (`make test SIM=...`).

The base seed is 1 unless IMS_SEED gives another (`make test` stays reproducible); it is
printed with every failure. `make regress RTL=impl/fsm/ims_ctrl.f` runs every configuration and
simulator with a fresh seed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from imsflow import sim
from imsflow.mutate import mutants, run

ROOT = Path(__file__).resolve().parents[1]
FSM = ROOT / "impl" / "fsm" / "ims_ctrl.f"
SIMS = sim.parse_sims(os.environ.get("IMS_SIM"))
MODULES = ",".join(p.stem for p in sorted((ROOT / "tb").glob("test_*.py")))

pytestmark = pytest.mark.sim


def _regress(tmp_path: Path, simulator: str, *extra: str) -> tuple[int, str, str]:
    seed = os.environ.get("IMS_SEED") or "1"
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "imsflow.cli", "regress", "--rtl", str(FSM)]
    cmd += ["--sim", simulator, "--config", "64x9", "--seed", seed, "--no-coverage"]
    cmd += ["-j", "2", "--out", str(out), *extra]
    env = {k: v for k, v in os.environ.items() if k != "IMS_PROFILE"}
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800, env=env, check=False
    )
    report = (out / "report.md").read_text() if (out / "report.md").is_file() else ""
    return proc.returncode, proc.stdout + proc.stderr, report


@pytest.mark.parametrize("simulator", SIMS)
def test_fsm_passes_the_contract_and_does_not_claim_the_profile(
    simulator: str, tmp_path: Path
) -> None:
    rc, out, report = _regress(tmp_path, simulator, "--tests", MODULES)
    tail = out[-3000:]
    assert rc == 0, tail
    m = re.search(r"JOBS: PASS \((\d+)/(\d+) jobs passed\)", out)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) >= 40, tail
    assert "(ims_ctrl profile not claimed)" in report.splitlines()[0], report[:300]
    # the layers section: contract rules all PASS (or WAIVED), profile rules all NOT CLAIMED
    rows = dict(re.findall(r"^\| (IMS-\d{3}) \| ([A-Z ]+?) \|", report, re.M))
    assert rows, report[:2000]
    spec = (ROOT / "docs" / "spec.md").read_text()
    layer = dict(re.findall(r"^\| (IMS-\d{3}) \| \[(contract|profile)\]", spec, re.M))
    passed = 0
    for rule, status in rows.items():
        if layer[rule] == "profile":
            assert status == "NOT CLAIMED", (rule, status)
            continue
        assert status in ("PASS", "WAIVED"), (rule, layer[rule], status)
        passed += status == "PASS"
    assert passed >= 30, rows


@pytest.mark.parametrize("simulator", SIMS[:1])
def test_fsm_claiming_the_profile_fails_on_a_profile_rule(simulator: str, tmp_path: Path) -> None:
    """The profile checks are live: forced on, AW a clock before W is an IMS-015 failure."""
    rc, out, _ = _regress(
        tmp_path, simulator, "--tests", "test_smoke.reserved_bits_and_strobes", "--profile=ims_ctrl"
    )
    assert rc != 0 and "IMS-015" in out, out[-3000:]


@pytest.mark.parametrize("simulator", SIMS[:1])
def test_a_contract_bug_in_fsm_is_caught(simulator: str, tmp_path: Path) -> None:
    """A planted bug of the second implementation (the event's PASID check dropped, IMS-040) is
    killed by the contract checks alone (profile not claimed)."""
    engine = (FSM.parent / "ims_fsm_engine.v").read_text().splitlines()
    check = [no for no, line in enumerate(engine, 1) if "e_pasid != " in line]
    assert len(check) == 1, "the PASID check of impl/fsm moved: update this test"
    pasid = [
        m
        for m in mutants.enumerate_mutants(FSM)
        if m.file == "ims_fsm_engine.v" and m.line == check[0] and m.op == "drop_and_operand"
    ]
    assert pasid, "no drop_and_operand mutant on the PASID check: update this test"
    res = run.run_mutant(
        pasid[0],
        FSM,
        tmp_path,
        simulator,
        sim.Config(64, 9),
        ["test_smoke"],
        1,
        600.0,
        "none",
    )
    assert res.status == "killed", res
