"""Formal checks (src/imsflow/formal/, formal/ims_formal_tb.v).

Proved for every depth by ABC's PDR (the jobs whose engine is pdr): each proof must report an
inductive invariant, and a mutant that breaks the job's rule must give a counterexample (so no
proof passes vacuously). yosys-smtbmc cross-checks: k-induction of the AXI and reset sets,
bounded checks from reset of the jobs whose engine is bmc, and the counterexample trace of a
broken mask rule, which names the rule.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from imsflow import formal, mutate, sim
from imsflow.core.proc import processes

RTL = sim.project_root() / "rtl"
# Message-safety BMC depth in the test suite: step 0 is reset and the first message of a
# freshly programmed entry can leave at step 8, so depth 10 checks the first two clocks in
# which messages can leave; z3 needs minutes per step beyond that (docs/formal.md). `make
# formal` defaults to 12; IMS_FORMAL_DEPTH=N raises this one.
BMC_DEPTH = int(os.environ.get("IMS_FORMAL_DEPTH", "10"))
PDR_JOBS = [j.name for j in formal.JOBS.values() if j.default and j.engine == "pdr"]
BMC_JOBS = [j.name for j in formal.JOBS.values() if j.default and j.engine == "bmc"] or ["episode"]


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


def test_parse_pdr_proved_failed_timeout() -> None:
    proved = (
        "  12 : 0 4 2 134 81 70 24 14 6 5 37 52 1017        5   401     13.85 sec\n"
        "Invariant F[12] : 1053 clauses with 337 flops (out of 7231) (cex = 0, ave = 99.10)\n"
        "Verification of invariant with 1053 clauses was successful.  Time =     0.04 sec\n"
        "Property proved.  Time =    15.13 sec\n"
    )
    assert formal.parse_pdr(proved) == (
        "PROVED",
        12,
        None,
        "1053 clauses over 337 of 7231 flip-flops",
    )
    cex = 'Output 0 of miter "model" was asserted in frame 9.  Time =     1.35 sec\n'
    assert formal.parse_pdr(cex) == ("FAILED", 9, 0, "")
    late = (
        "   4 : 0 10 45 276 343        33   190      4.22 sec\n"
        "Reached timeout (3 seconds) in frame 4.\n"
    )
    assert formal.parse_pdr(late + "Property UNDECIDED.  Time =     3.05 sec\n")[:2] == (
        "TIMEOUT",
        4,
    )
    assert formal.parse_pdr("")[0] == "UNKNOWN"


def test_every_job_names_existing_macros_and_groups() -> None:
    text = (sim.project_root() / "formal" / formal.WRAPPER).read_text()
    for job in formal.JOBS.values():
        for d in job.defines:
            name = d.split("=")[0]
            assert f"`ifdef {name}" in text, (job.name, d)
        for g in job.groups:
            assert g in formal.GROUPS, (job.name, g)
            assert f"// {g}" in text, (job.name, g)


def test_missing_solver_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda c: None if c == "z3" else real(c))
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
def test_pdr_proves_every_default_job_for_every_depth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default pdr jobs (message safety of a masked entry, of a PASID mismatch and of invalid
    handles, one message per pending episode, the AXI handshakes on both ports, reset): each
    proved for every depth, by PDR's inductive invariant or, for the k-induction jobs
    (episode, pasid), by ABC's `ind` and a base case of KIND_BASE frames from reset."""
    _need_tools()
    rc = formal.main(
        ["--jobs", ",".join(PDR_JOBS), "-j", "2", "--timeout", "900", "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    print(out)
    assert rc == 0, out
    for name in PDR_JOBS:
        row = [line for line in out.splitlines() if line.startswith(f"{name} ")]
        assert row and " PASS " in row[0] and " all " in row[0], (name, out)
        if formal.JOBS[name].kind:
            k = formal.JOBS[name].kind
            base = f"base case bmc3 to frame {formal.KIND_BASE}"
            assert f"proved for every depth: {k}-induction (ABC ind), {base}" in row[0], row
        else:
            assert "proved for every depth: PDR inductive invariant of" in row[0], row


@pytest.mark.formal
@pytest.mark.parametrize("name", ["reset"])
def test_kinduction_cross_check(name: str, tmp_path: Path) -> None:
    """yosys-smtbmc proves the reset set too, by k-induction (a second engine). (The AXI set
    needs a lemma on the DUT's held-B flag since IMS-087, which this flow cannot state: see
    docs/formal.md; PDR proves it.)"""
    _need_tools()
    res = formal.run_job(formal.JOBS[name], tmp_path / name, engine="bmc", timeout=900)
    assert res.status == "PASS", (res.status, res.detail, res.assertion, res.log)
    assert res.depth == 0 and "induction" in res.detail


@pytest.mark.formal
def test_message_safety_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bmc jobs, and episode by yosys-smtbmc: the proof of episode covers an IMS entry X
    (its lemmas leave the error-interrupt raise out), the bounded check keeps X free over all
    six entries, MSI-X too. No counterexample from reset within BMC_DEPTH steps."""
    _need_tools()
    rc = formal.main(
        [
            "--jobs",
            ",".join(BMC_JOBS),
            "--engine",
            "bmc",
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
    for name in BMC_JOBS:
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
    res = formal.run_job(formal.JOBS["mask"], tmp_path / "mask", rtl_dir=rtl)
    assert res.status == "FAIL", (res.status, res.detail, res.log)
    assert "PDR; trace replayed by yosys-smtbmc" in res.detail
    assert res.group == "P-MASK" and "IMS-043" in res.rules
    assert "assert(!msg_x)" in res.source
    assert res.step is not None and res.step >= 1  # not in the reset step
    assert res.trace is not None and res.trace.exists()
    vcd = res.trace.read_text()
    assert "$var" in vcd and "evt_valid" in vcd and "m_axil_wvalid" in vcd
    # the real RTL passes the same job: test_pdr_proves_every_default_job_for_every_depth


def _mutant_on(file: str, fragment: str, op: str) -> mutate.Mutant:
    """The one mutant `op` on the RTL line that holds `fragment` (found by text, not by line
    number, so an edit elsewhere in the file does not move it); within the fragment when the
    fragment holds one, so that more operators of that kind on the line do not make it ambiguous."""
    lines = (RTL / file).read_text().splitlines()
    hits = [no for no, line in enumerate(lines, start=1) if fragment in line]
    assert len(hits) == 1, f"{file}: {fragment!r} on lines {hits}: update this test"
    start = lines[hits[0] - 1].index(fragment)
    on_line = [
        m
        for m in mutate.enumerate_mutants(RTL)
        if m.file == file and m.line == hits[0] and m.op == op
    ]
    found = [m for m in on_line if start <= m.col < start + len(fragment)] or on_line
    assert len(found) == 1, f"{file}:{hits[0]}: {len(found)} {op} mutants: update this test"
    return found[0]


# One mutant per pdr job that breaks the job's rule: the proof of the real RTL is not vacuous.
RULE_MUTANTS = {
    # IMS-042/044: an MSI-X handle beyond the table is no longer an error
    "invalid": ("ims_core.v", "            if (!s1_inr) begin", "drop_not"),
    # IMS-014: a register write is accepted while its B is still waiting (one B is lost)
    "axi": ("ims_axil_slave.v", "(!s_axil_bvalid || s_axil_bready)", "drop_not"),
    # IMS-010: the slave's response registers are loaded instead of cleared in reset
    "reset": ("ims_axil_slave.v", "        if (!rst_n) begin", "drop_not"),
    # IMS-070: message WVALID while no message is queued, dropped again without WREADY
    "maxi": ("ims_msg_out.v", "wire w_pending  =", "ne_to_eq"),
    # IMS-040: the shared PASID compare (event PASID in s1_wdata) says "equal" on a mismatch
    "pasid": ("ims_core.v", "pasid_ne       = (merged[31:12]", "ne_to_eq"),
    # IMS-032/034: an unmask that sends the pending message no longer clears the pending bit
    "episode": (
        "ims_core.v",
        "pend_clr       = unmask_send || flush_send",
        "or_to_and",
    ),
}


@pytest.mark.formal
@pytest.mark.parametrize("name", sorted(RULE_MUTANTS))
def test_pdr_finds_a_broken_rule(name: str, tmp_path: Path) -> None:
    _need_tools()
    file, fragment, op = RULE_MUTANTS[name]
    rtl = tmp_path / "rtl"
    mutate.apply(_mutant_on(file, fragment, op), RTL, rtl)
    res = formal.run_job(formal.JOBS[name], tmp_path / name, rtl_dir=rtl, trace=False)
    assert res.status == "FAIL", (res.status, res.detail, res.log)
    found_by = "bmc3" if formal.JOBS[name].kind else "PDR"
    assert f"counterexample in {found_by} frame" in res.detail


def _processes(match: Callable[[list[bytes]], bool]) -> set[int]:
    """The pids of the running processes whose argv satisfies match."""
    return {p.pid for p in processes() if match(p.cmdline())}


def _mentioning(path: Path) -> Callable[[list[bytes]], bool]:
    return lambda argv: str(path).encode() in b" ".join(argv)


def _solvers_on(smt2: Path) -> set[int]:
    return _processes(lambda argv: argv[0].endswith(b"z3") or _mentioning(smt2)(argv))


@pytest.mark.formal
def test_timeout_reports_and_kills_the_solver(tmp_path: Path) -> None:
    """A check that outlives its wall-clock budget is a TIMEOUT with its last step, and
    neither yosys-smtbmc nor z3 survives it."""
    _need_tools()
    before = _solvers_on(tmp_path / "episode" / "model.smt2")
    t0 = time.monotonic()
    res = formal.run_job(
        formal.JOBS["episode"], tmp_path / "episode", engine="bmc", depth=40, timeout=25
    )
    assert time.monotonic() - t0 < 60
    assert res.status == "TIMEOUT", (res.status, res.detail)
    assert "no result in" in res.detail and res.step is not None
    time.sleep(0.5)
    left = _solvers_on(tmp_path / "episode" / "model.smt2") - before
    assert not left, f"processes left running: {left}"


@pytest.mark.formal
def test_pdr_timeout_is_reported_and_leaves_no_prover(tmp_path: Path) -> None:
    """The all-entries shadow-model set (msg) is beyond PDR in 45 s: TIMEOUT, and no yosys or
    yosys-abc of the job is left running."""
    _need_tools()
    t0 = time.monotonic()
    res = formal.run_job(formal.JOBS["msg"], tmp_path / "msg", engine="pdr", timeout=45)
    assert time.monotonic() - t0 < 90
    assert res.status == "TIMEOUT", (res.status, res.detail)
    time.sleep(0.5)
    left = _processes(_mentioning(tmp_path))
    assert not left, f"processes left running: {left}"
