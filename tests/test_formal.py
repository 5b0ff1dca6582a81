"""Formal checks (src/imsmodel/formal.py, formal/ims_formal_tb.v): yosys-smtbmc with z3.

Proved for every depth (k-induction): the AXI-Lite handshake/response/one-step properties and
the reset outputs. Bounded (BMC from reset): the per-rule message-safety sets; a deliberately
broken mask rule must give a counterexample trace that names the rule.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from imsmodel import formal, mutate, sim

RTL = sim.project_root() / "rtl"
# Message-safety BMC depth in the test suite: step 0 is reset and the first message of a
# freshly programmed entry can leave at step 8, so depth 10 checks the first two clocks in
# which messages can leave; z3 needs minutes per step beyond that (docs/formal.md). `make
# formal` defaults to 12; IMS_FORMAL_DEPTH=N raises this one.
BMC_DEPTH = int(os.environ.get("IMS_FORMAL_DEPTH", "10"))


def _need_tools() -> None:
    """A missing tool is a failure naming the install command, never a skip."""
    try:
        formal.check_tools("z3")
    except formal.ToolMissing as exc:
        pytest.fail(str(exc))


def test_parse_smtbmc_pass_fail_and_vacuous() -> None:
    ok = "##   0:00:00  Checking assertions in step 20..\n##   0:00:01  Status: PASSED\n"
    assert formal.parse_smtbmc(ok) == ("PASSED", 20, [])
    bad = (
        "##   0:00:03  Checking assertions in step 8..\n"
        "##   0:00:04  BMC failed!\n"
        "##   0:00:04  Assert failed in ims_formal_tb: /x/formal/ims_formal_tb.v:653.32-654.27 "
        "($assert$/x/formal/ims_formal_tb.v:653$761)\n"
        "##   0:00:05  Status: FAILED\n"
    )
    assert formal.parse_smtbmc(bad) == ("FAILED", 8, [("/x/formal/ims_formal_tb.v", 654)])
    vac = "##   0:00:00  Checking assumptions in step 3..\n##  Assumptions are unsatisfiable!\n"
    assert formal.parse_smtbmc(vac)[0] == "UNSAT_ASSUMPTIONS"
    assert formal.parse_smtbmc("")[0] == "UNKNOWN"


def test_every_job_names_existing_macros_and_groups() -> None:
    text = (sim.project_root() / "formal" / formal.WRAPPER).read_text()
    for job in formal.JOBS.values():
        for d in job.defines:
            assert f"`ifdef {d}" in text, (job.name, d)
        for g in job.groups:
            assert g in formal.GROUPS, (job.name, g)
            assert f"// {g}" in text, (job.name, g)


def test_missing_solver_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = formal.shutil.which
    monkeypatch.setattr(formal.shutil, "which", lambda c: None if c == "z3" else real(c))
    with pytest.raises(formal.ToolMissing, match="apt-get install -y z3"):
        formal.check_tools("z3")
    assert formal.main(["--jobs", "reset"]) == 2
    assert "apt-get install -y z3" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--jobs", "nosuchjob"],
        ["--depth", "1"],
        ["--timeout", "0"],
        ["-j", "0"],
        ["--solver", "cvc9"],
        ["--mutant", "ims_core.v:1:0:nosuchop"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        formal.main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.formal
@pytest.mark.parametrize("name", ["axi", "reset"])
def test_proved_for_every_depth(name: str, tmp_path: Path) -> None:
    """k-induction: the base case from reset and the induction step both pass."""
    _need_tools()
    res = formal.run_job(formal.JOBS[name], tmp_path / name, timeout=900)
    assert res.status == "PASS", (res.status, res.detail, res.assertion, res.log)
    assert res.depth == 0 and "induction" in res.detail


@pytest.mark.formal
def test_message_safety_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Masked entry, PASID mismatch, invalid handle / disabled table, one message per pending
    episode: no counterexample from reset within BMC_DEPTH steps (two jobs at a time)."""
    _need_tools()
    jobs = "mask,pasid,invalid,episode"
    rc = formal.main(
        [
            "--jobs",
            jobs,
            "--depth",
            str(BMC_DEPTH),
            "-j",
            "2",
            "--timeout",
            "1200",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    print(out)
    assert rc == 0, out
    for name in jobs.split(","):
        assert any(line.startswith(f"{name} ") and " PASS " in line for line in out.splitlines())


def _mask_mutant() -> mutate.Mutant:
    """IMS-043 broken: an IMS entry's MASK no longer stops its events (t_masked keeps only the
    MSI-X function mask)."""
    core = (RTL / "ims_core.v").read_text().splitlines()
    for no, line in enumerate(core, start=1):
        if "wire       t_masked = e_mask || " in line:
            return mutate.Mutant("ims_core.v", no, line.index("||"), "or_to_and", "||", "&&")
    raise AssertionError("the t_masked line of ims_core.v changed: update this test")


@pytest.mark.formal
def test_broken_mask_rule_gives_a_counterexample(tmp_path: Path) -> None:
    _need_tools()
    rtl = tmp_path / "rtl"
    mutate.apply(_mask_mutant(), RTL, rtl)
    res = formal.run_job(formal.JOBS["mask"], tmp_path / "mask", depth=10, rtl_dir=rtl)
    assert res.status == "FAIL", (res.status, res.detail, res.log)
    assert res.group == "P-MASK" and "IMS-043" in res.rules
    assert "assert(!msg_x)" in res.source
    assert res.step is not None and res.step >= 1  # not in the reset step
    assert res.trace is not None and res.trace.exists()
    vcd = res.trace.read_text()
    assert "$var" in vcd and "evt_valid" in vcd and "m_axil_wvalid" in vcd
    # the real RTL passes the same job: test_message_safety_bounded


def _solvers_on(smt2: Path) -> list[int]:
    pids = []
    for cmd in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmd.read_bytes().split(b"\0")
        except OSError:
            continue
        if (argv and argv[0].endswith(b"z3")) or str(smt2).encode() in b" ".join(argv):
            pids.append(int(cmd.parent.name))
    return pids


@pytest.mark.formal
def test_timeout_reports_and_kills_the_solver(tmp_path: Path) -> None:
    """A check that outlives its wall-clock budget is a TIMEOUT with its last step, and
    neither yosys-smtbmc nor z3 survives it."""
    _need_tools()
    before = set(_solvers_on(tmp_path / "episode" / "model.smt2"))
    t0 = time.monotonic()
    res = formal.run_job(formal.JOBS["episode"], tmp_path / "episode", depth=40, timeout=25)
    assert time.monotonic() - t0 < 60
    assert res.status == "TIMEOUT", (res.status, res.detail)
    assert "no result in" in res.detail and res.step is not None
    time.sleep(0.5)
    left = set(_solvers_on(tmp_path / "episode" / "model.smt2")) - before
    assert not left, f"processes left running: {left}"
