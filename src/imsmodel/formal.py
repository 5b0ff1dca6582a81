"""Formal checks of ims_ctrl: `python -m imsmodel.formal` (`make formal`).

Each property set ("job") of formal/ims_formal_tb.v is checked by one of two engines:

* pdr: Yosys bit-blasts the wrapper to AIGER (`-DIMS_FORMAL_AIGER`, every memory mapped to
  flip-flops, uninitialised flip-flops start free, assumptions folded into the properties) and
  ABC's `pdr` (IC3, `yosys-abc` from Debian's yosys package) proves the set for every depth with
  an inductive invariant, or finds a counterexample, which yosys-smtbmc replays from reset to
  name the failing assertion and write the VCD trace. A job with `kind = k` (episode) is proved
  by k-induction in ABC on the same model instead: `bmc3` from reset to KIND_BMC frames (base
  case and counterexamples), then `ind -F k`; its strengthening lemmas name DUT internals that
  the job's `probes` connect after `flatten`.
* bmc: Yosys compiles the wrapper to SMT-LIB (flatten, the message queue's small register files
  mapped to flip-flops, the entry RAMs kept as SMT arrays) and `yosys-smtbmc` with z3 checks
  DEPTH steps after the reset step (step 0 has rst_n = 0), plus k-induction for the jobs that
  have it. `--unroll` is required (z3 expands Yosys' `define-fun` macros without sharing and
  never reaches the first check otherwise); `--presat` makes every step check that the
  assumptions are satisfiable, so a contradictory environment fails instead of passing
  vacuously. Debian's boolector 1.5.118 rejects `set-option` and cannot be driven here.

Why two (measured here; docs/formal.md): BMC from reset stops scaling at about step 11 on this
design, so the depth-20 requirement is met by proofs; smtbmc gives traces and cross-checks.

Results: one row per job (PASS / FAIL / TIMEOUT / ERROR) with the failing assertion, its
property group and rules, the step and the counterexample trace (VCD, build/formal/<job>/...).
Exit status 0 when every job passes (or, with --expect-fail, when every job fails with a
counterexample). Every Yosys, ABC and smtbmc run has a wall-clock timeout; a timed-out run is
killed with its solver.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from imsmodel import mutate

__all__ = [
    "JOBS",
    "FormalJob",
    "FormalResult",
    "check_tools",
    "main",
    "parse_pdr",
    "parse_smtbmc",
    "run_job",
]

DEFAULT_DEPTH = 12  # BMC steps incl. the reset step 0 (see docs/formal.md for runtimes)
DEFAULT_TIMEOUT = 1200.0
KIND_BMC = 20  # bmc3 frames of the base case of a k-induction job (FormalJob.kind)
YOSYS_TIMEOUT = 300.0
SOLVERS = ("z3", "boolector", "yices", "bitwuzla")
ENGINES = ("pdr", "bmc")
_INSTALL = {
    "yosys": "apt-get install -y yosys",
    "yosys-smtbmc": "apt-get install -y yosys",
    "yosys-abc": "apt-get install -y yosys",
    "z3": "apt-get install -y z3",
    "boolector": "apt-get install -y boolector",
    "yices": "apt-get install -y yices2",
    "bitwuzla": "build bitwuzla from https://github.com/bitwuzla/bitwuzla",
}
WRAPPER = "ims_formal_tb.v"
TOP = "ims_formal_tb"


@dataclass(frozen=True)
class PropertyGroup:
    """A group of assertions in the wrapper, marked by a `// P-NAME` comment."""

    name: str
    rules: str
    meaning: str


GROUPS = {
    "P-MSG": PropertyGroup(
        "P-MSG",
        "IMS-031..036, IMS-040..045, IMS-060/061",
        "no message for a masked entry, a PASID mismatch, an invalid handle or a disabled "
        "table; at most one message per pending episode",
    ),
    "P-AXI": PropertyGroup(
        "P-AXI",
        "IMS-013, IMS-070",
        "VALID held with a stable payload until READY; message AWPROT/AWADDR/WSTRB format",
    ),
    "P-WR": PropertyGroup("P-WR", "IMS-012", "AW and W of a register write at the same edge"),
    "P-RSP": PropertyGroup("P-RSP", "IMS-014", "one B and one R outstanding, none lost"),
    "P-STEP": PropertyGroup("P-STEP", "IMS-081", "at most one step per edge"),
    "P-RST": PropertyGroup("P-RST", "IMS-010", "valid/ready outputs 0 in reset"),
    "P-MASK": PropertyGroup("P-MASK", "IMS-031, IMS-043", "no message from a masked entry"),
    "P-PASID": PropertyGroup("P-PASID", "IMS-040, IMS-041", "no message on a PASID mismatch"),
    "P-INVALID": PropertyGroup(
        "P-INVALID",
        "IMS-042, IMS-044, IMS-045",
        "no message for an invalid handle or a disabled table",
    ),
    "P-EPISODE": PropertyGroup(
        "P-EPISODE", "IMS-032, IMS-034, IMS-043", "at most one message per pending episode"
    ),
}


@dataclass(frozen=True)
class FormalJob:
    """One property set: the wrapper macros that select its assertions and environment."""

    name: str
    defines: tuple[str, ...]
    groups: tuple[str, ...]
    what: str
    induction: int = 0  # k > 0: with --engine bmc, also prove by k-induction
    default: bool = True  # part of the default job list
    engine: str = "pdr"  # pdr: proved for every depth by ABC's PDR; bmc: yosys-smtbmc to --depth
    # AIGER flow only: (wrapper wire, DUT signal after flatten/memory_map) pairs joined with
    # `connect -set`, so that the wrapper's lemmas can name DUT internals
    probes: tuple[tuple[str, str], ...] = ()
    # AIGER flow only: assertions, like assumptions, check the cycle they name (chformal -early)
    # instead of through the activation flip-flop Yosys adds; the prover then sees lemmas about
    # the current state, which is what makes them strengthen the invariant
    early_asserts: bool = False
    # k > 0: the pdr engine proves the job by k-induction in ABC instead of PDR: bmc3 from reset
    # to KIND_BMC frames (base case, and counterexamples), then `ind -F k` (inductive step).
    # For assertion sets that are k-inductive but not compact as clauses (PDR stalls on them)
    kind: int = 0


_CORE = "dut.u_core"
# DUT internals that the P-EPISODE lemmas name (formal/ims_formal_tb.v, IMS_FORMAL_EPISODE_LEMMAS)
EPISODE_PROBES: tuple[tuple[str, str], ...] = (
    ("h_flg0", f"{_CORE}.u_flg.mem[0]"),
    ("h_flg1", f"{_CORE}.u_flg.mem[1]"),
    ("h_flg_we", f"{_CORE}.u_flg.we"),
    ("h_flg_waddr", f"{_CORE}.u_flg.waddr"),
    ("h_flg_wdata", f"{_CORE}.u_flg.wdata"),
    ("h_grp_init", f"{_CORE}.grp_init"),
    ("h_tab0", f"{_CORE}.u_tab.mem[0]"),
    ("h_tab1", f"{_CORE}.u_tab.mem[1]"),
    ("h_tab64", f"{_CORE}.u_tab.mem[64]"),
    ("h_tab65", f"{_CORE}.u_tab.mem[65]"),
    ("h_tab66", f"{_CORE}.u_tab.mem[66]"),
    ("h_tab67", f"{_CORE}.u_tab.mem[67]"),
    ("h_tab_we", f"{_CORE}.u_tab.we"),
    ("h_tab_waddr", f"{_CORE}.u_tab.waddr"),
    ("h_tab_wdata", f"{_CORE}.u_tab.wdata"),
    ("h_ctrl_reg", f"{_CORE}.ctrl_reg"),
    ("h_ctrl_next", f"{_CORE}.ctrl_next"),
    ("h_wr_ctrl_reg", f"{_CORE}.wr_ctrl_reg"),
    ("h_push", f"{_CORE}.s1_push"),
    ("h_push_data", f"{_CORE}.push_data"),
    ("h_s1_flush", f"{_CORE}.s1_flush"),
    ("h_flush_first_g", f"{_CORE}.flush_first_g"),
    ("h_flush_last_g", f"{_CORE}.flush_last_g"),
    ("h_walk_active", f"{_CORE}.u_flush.active"),
    ("h_walk_cur_valid", f"{_CORE}.u_flush.cur_valid"),
    ("h_walk_cur_g", f"{_CORE}.u_flush.cur_g"),
    ("h_walk_cur_b", f"{_CORE}.u_flush.cur_b"),
    ("h_walk_last_g", f"{_CORE}.u_flush.last_g"),
    ("h_walk_held_valid", f"{_CORE}.u_flush.held_valid"),
    ("h_walk_held_g", f"{_CORE}.u_flush.held_g"),
    ("h_is_flush", f"{_CORE}.is_flush"),
    ("h_s1_g", f"{_CORE}.s1_g"),
    ("h_s1_valid", f"{_CORE}.s1_valid"),
    ("h_s1_op", f"{_CORE}.s1_op"),
    ("h_q0", "dut.u_msg.q_data[0]"),
    ("h_q1", "dut.u_msg.q_data[1]"),
    ("h_q2", "dut.u_msg.q_data[2]"),
    ("h_q3", "dut.u_msg.q_data[3]"),
    ("h_q_wr", "dut.u_msg.q_wr"),
    ("h_q_w", "dut.u_msg.q_w"),
    ("h_q_aw", "dut.u_msg.q_aw"),
    ("h_q_cpl", "dut.u_msg.q_cpl"),
)

JOBS: dict[str, FormalJob] = {
    job.name: job
    for job in (
        FormalJob(
            "axi",
            ("IMS_FORMAL_HS", "IMS_FORMAL_M_READY", "IMS_FORMAL_B_OKAY"),
            ("P-AXI", "P-WR", "P-RSP", "P-STEP"),
            "register-port handshakes and responses, message format, one step per edge "
            "(message port always ready, every B OKAY)",
            induction=3,
        ),
        FormalJob(
            "reset",
            ("IMS_FORMAL_RESET",),
            ("P-RST",),
            "reset asserted at any clock: every valid/ready output 0 while rst_n = 0",
            induction=2,
        ),
        FormalJob(
            "mask",
            ("IMS_FORMAL_X", "IMS_FORMAL_FORBID_MASK"),
            ("P-MASK",),
            "no message from an entry that stays masked (symbolic entry)",
        ),
        FormalJob(
            "pasid",
            # X pinned to IMS entry 0: with X free as well, PDR stalled at frame 4 (docs/formal.md)
            ("IMS_FORMAL_X", "IMS_FORMAL_FORBID_PASID", "IMS_FORMAL_XFIX=2"),
            ("P-PASID",),
            "no message from IMS entry 0 while its events all carry no PASID or one that "
            "differs in a (free) bit",
        ),
        FormalJob(
            "invalid",
            ("IMS_FORMAL_FORBID_INVALID",),
            ("P-INVALID",),
            "no message when every event has an invalid handle or a disabled table",
        ),
        FormalJob(
            "episode",
            ("IMS_FORMAL_X", "IMS_FORMAL_EPISODE", "IMS_FORMAL_EPISODE_LEMMAS"),
            ("P-EPISODE",),
            "at most one message per pending episode of a symbolic IMS entry",
            probes=EPISODE_PROBES,
            early_asserts=True,
            kind=2,
        ),
        FormalJob(
            "msg",
            ("IMS_FORMAL_MSG",),
            ("P-MSG",),
            "every message allowed by a step of the spec, all entries (shadow model)",
            default=False,
            engine="bmc",
        ),
        FormalJob(
            "maxi",
            ("IMS_FORMAL_HS", "IMS_FORMAL_B_OKAY", "IMS_FORMAL_NO_READS"),
            ("P-AXI",),
            "message port VALID/payload stable until READY under backpressure "
            "(every B OKAY, no register reads)",
        ),
    )
}


@dataclass
class FormalResult:
    job: str
    status: str  # PASS | FAIL | TIMEOUT | ERROR
    depth: int
    seconds: float
    step: int | None = None  # the step of a counterexample
    assertion: str = ""  # file:line of the failing assertion
    source: str = ""  # its source text
    group: str = ""  # its property group (P-MSG, ...)
    trace: Path | None = None
    detail: str = ""
    log: Path | None = None
    rerun: str = ""
    engine: str = "pdr"

    @property
    def rules(self) -> str:
        g = GROUPS.get(self.group)
        return g.rules if g else ""


class ToolMissing(RuntimeError):
    """A tool the formal flow needs is not installed."""


def check_tools(solver: str = "z3") -> dict[str, str]:
    """The paths of yosys, yosys-smtbmc, yosys-abc and the SMT solver; ToolMissing naming the
    install command."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}: choose one of {', '.join(SOLVERS)}")
    exe = {"yices": "yices-smt2"}.get(solver, solver)
    found: dict[str, str] = {}
    missing: list[str] = []
    tools = (("yosys", "yosys"), ("yosys-smtbmc", "yosys-smtbmc"), ("yosys-abc", "yosys-abc"))
    for tool, cmd in (*tools, (solver, exe)):
        path = shutil.which(cmd)
        if path is None:
            missing.append(f"{cmd} (install it with: {_INSTALL[tool]})")
        else:
            found[tool] = path
    if missing:
        raise ToolMissing("formal checks need " + "; ".join(missing))
    return found


def _project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _aiger_script(job: FormalJob, rtl: Sequence[Path], wrapper: Path, aig: Path, aim: Path) -> str:
    """The bit-level model for ABC: every memory mapped to flip-flops, uninitialised flip-flops
    (the entry RAMs) start from free values (-zinit adds an input for each), assumptions apply
    in the cycle they name (chformal -early), undefined (x) bits are free inputs. Keep
    the passes as they are: PDR's runtime depends on the exact netlist (docs/formal.md)."""
    defines = " ".join(f"-D{d}" for d in ("FORMAL", "IMS_FORMAL_AIGER", *job.defines))
    files = " ".join(str(p) for p in (*rtl, wrapper))
    return "\n".join(
        (
            f"read_verilog -formal {defines} {files}",
            f"prep -top {TOP}",
            "flatten",
            "memory_map",
            *(f"connect -set {w} {sig}" for w, sig in job.probes),
            "opt -fast",
            "async2sync",
            "chformal -early" if job.early_asserts else "chformal -assume -early",
            "setundef -anyseq",
            "opt -keepdc -fast",
            "techmap",
            "opt -fast",
            "dffunmap",
            "abc -g AND -fast",
            "opt_clean",
            f"write_aiger -zinit -map {aim} {aig}",
            "",
        )
    )


def _yosys_script(job: FormalJob, rtl: Sequence[Path], wrapper: Path, smt2: Path) -> str:
    defines = " ".join(f"-D{d}" for d in ("FORMAL", *job.defines))
    files = " ".join(str(p) for p in (*rtl, wrapper))
    return "\n".join(
        (
            f"read_verilog -formal {defines} {files}",
            f"prep -top {TOP}",
            "flatten",
            "memory -nomap",
            # the message queue's register files have asynchronous reads that feed their own
            # write enables through the queue counters: as SMT arrays they form a logic loop
            f"memory_map {TOP}/*u_msg*",
            "opt",
            "async2sync",
            "dffunmap",
            "opt_clean",
            f"write_smt2 -wires {smt2}",
            "",
        )
    )


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (z3 runs in its own process group under yosys-smtbmc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    for pid in [*_descendants(proc.pid), proc.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()


def _run(cmd: Sequence[str], log: Path, timeout: float, cwd: Path) -> int | None:
    """Run cmd with stdout+stderr to log; None when the wall-clock timeout killed it."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(cmd), stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
        )
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            return None
        except BaseException:
            _kill_tree(proc)
            raise


_STATUS = re.compile(r"Status: (PASSED|FAILED)")
# "file.v:653.32-654.27": the span of the assertion statement; its last line holds the assert
_ASSERT = re.compile(r"Assert failed in \S+: (\S+?\.v):(\d+)(?:\.\d+-(\d+))?")
_STEP = re.compile(r"Checking (?:assertions|assumptions) in step (\d+)")
_UNSAT = re.compile(r"Assumptions are unsatisfiable")


def parse_smtbmc(text: str) -> tuple[str, int | None, list[tuple[str, int]]]:
    """(status, last step, failing assertions as (file, line)) from a yosys-smtbmc log.

    status: PASSED, FAILED, UNSAT_ASSUMPTIONS (vacuous: --presat found no trace) or UNKNOWN."""
    steps = [int(m) for m in _STEP.findall(text)]
    step = steps[-1] if steps else None
    asserts = [(f, int(end or n)) for f, n, end in _ASSERT.findall(text)]
    if _UNSAT.search(text):
        return "UNSAT_ASSUMPTIONS", step, asserts
    m = _STATUS.findall(text)
    return (m[-1] if m else "UNKNOWN"), step, asserts


def _group_of(lines: Sequence[str], line_no: int) -> str:
    """The property group of the assertion at line_no: the nearest `// P-...` above it."""
    for no in range(min(line_no, len(lines)) - 1, -1, -1):
        m = re.search(r"//\s*(P-[A-Z]+)", lines[no])
        if m:
            return m.group(1)
    return ""


def run_job(
    job: FormalJob,
    out_dir: Path,
    *,
    engine: str | None = None,
    depth: int = DEFAULT_DEPTH,
    rtl_dir: Path | None = None,
    solver: str = "z3",
    timeout: float = DEFAULT_TIMEOUT,
    rerun: str = "",
    trace: bool = True,
) -> FormalResult:
    """Compile and check one property set; never raises for a failing or hanging check.

    engine pdr (the job's default unless it says bmc): ABC's PDR proves the set for every depth
    or finds a counterexample, which yosys-smtbmc then replays from reset to name the failing
    assertion and write its trace (trace=False skips the replay). engine bmc: yosys-smtbmc
    checks `depth` steps from reset (and k-induction for jobs that have it)."""
    engine = engine or job.engine
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    root = _project_root()
    rtl_dir = rtl_dir or root / "rtl"
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    if engine == "bmc":
        res = _run_bmc(job, out_dir, depth, rtl_dir, solver, timeout, rerun)
    else:
        res = _run_pdr(job, out_dir, rtl_dir, timeout, rerun)
        if res.status == "FAIL" and trace and res.step is not None:
            _replay(res, job, out_dir, rtl_dir, solver, timeout - (time.monotonic() - t0))
    res.seconds = time.monotonic() - t0
    return res


def _yosys(script: str, stem: Path, res: FormalResult, timeout: float) -> bool:
    """Write stem.ys and run Yosys on it (log stem.log) under a wall-clock timeout; on failure
    fill res (TIMEOUT or ERROR, naming the log) and return False."""
    ys, ylog = stem.with_suffix(".ys"), stem.with_suffix(".log")
    ys.write_text(script)
    rc = _run(
        ["yosys", "-q", "-l", str(ylog), str(ys)],
        stem.with_suffix(".out"),
        min(YOSYS_TIMEOUT, timeout),
        stem.parent,
    )
    if rc == 0:
        return True
    res.status = "TIMEOUT" if rc is None else "ERROR"
    res.detail = f"yosys {'timed out' if rc is None else f'exit {rc}'}: see {ylog}"
    res.log = ylog
    return False


_PDR_PROVED = re.compile(r"Property proved")
_PDR_INV = re.compile(r"Invariant F\[(\d+)\] : (\d+) clauses with (\d+) flops \(out of (\d+)\)")
_PDR_CEX = re.compile(r"Output (\d+) of miter \S+ was asserted in frame (\d+)")
_PDR_FRAME = re.compile(r"^\s*(\d+) :", re.M)
_PDR_TIMEOUT = re.compile(r"Reached timeout \(\d+ seconds\) in frame (\d+)")


def parse_pdr(text: str) -> tuple[str, int | None, int | None, str]:
    """(status, frame, failing output, invariant) from an ABC `pdr -v` log.

    status: PROVED, FAILED, TIMEOUT (its own -T limit) or UNKNOWN; frame: the counterexample's
    frame, else the last frame reached; invariant: "N clauses over M of T flip-flops"."""
    m = _PDR_CEX.search(text)
    if m:
        return "FAILED", int(m.group(2)), int(m.group(1)), ""
    frames = [int(f) for f in _PDR_FRAME.findall(text)]
    frame = frames[-1] if frames else None
    t = _PDR_TIMEOUT.search(text)
    if t:
        return "TIMEOUT", int(t.group(1)), None, ""
    if _PDR_PROVED.search(text):
        inv = _PDR_INV.search(text)
        what = (
            f"{inv.group(2)} clauses over {inv.group(3)} of {inv.group(4)} flip-flops"
            if inv
            else ""
        )
        return "PROVED", frame, None, what
    return "UNKNOWN", frame, None, ""


def _run_pdr(
    job: FormalJob, out_dir: Path, rtl_dir: Path, timeout: float, rerun: str
) -> FormalResult:
    wrapper = _project_root() / "formal" / WRAPPER
    aig, aim = out_dir / "model.aig", out_dir / "model.aim"
    t0 = time.monotonic()
    res = FormalResult(job.name, "ERROR", 0, 0.0, rerun=rerun, engine="pdr")
    script = _aiger_script(job, sorted(rtl_dir.glob("*.v")), wrapper, aig, aim)
    if not _yosys(script, out_dir / "aiger", res, timeout):
        return res
    left = max(timeout - (time.monotonic() - t0), 1.0)
    # fold: the assumptions (AIGER invariant constraints) become part of every property, so a
    # counterexample is a trace on which every assumption holds up to the failing step
    script = f"read_aiger {aig}; fold; strash; scleanup; pdr -v -T {int(left)}"
    if job.kind:
        # one output (ind needs it); the base case bmc3 is deeper than k so that it also finds
        # the counterexamples of a mutant
        script = (
            f"read_aiger {aig}; fold; orpos; strash; scleanup; "
            f"bmc3 -F {max(KIND_BMC, job.kind + 1)} -T {int(left)}; "
            f"ind -F {job.kind} -T {int(left)}"
        )
    log = out_dir / "pdr.log"
    rc = _run(["yosys-abc", "-c", script], log, left + 10, out_dir)
    res.log = log
    text = log.read_text(errors="replace")
    status, frame, output, inv = parse_pdr(text)
    if job.kind and status == "UNKNOWN":
        base = re.search(r"No output asserted in (\d+) frames", text)
        # sound only with a base case of at least k frames from reset
        if base and int(base.group(1)) >= job.kind and "Networks are equivalent" in text:
            status, inv = "PROVED", ""
            frame = int(base.group(1))
    res.step = frame
    if rc is None or status == "TIMEOUT":
        res.status, res.detail = "TIMEOUT", f"no verdict in {left:.0f} s (PDR frame {frame})"
    elif status == "PROVED" and rc == 0:
        res.status = "PASS"
        res.detail = (
            f"proved for every depth: {job.kind}-induction (ABC ind), "
            f"base case bmc3 to frame {frame}"
            if job.kind
            else f"proved for every depth: PDR inductive invariant of {inv}"
        )
    elif status == "FAILED":
        res.status = "FAIL"
        res.depth = (frame or 0) + 1
        res.group = job.groups[0] if len(job.groups) == 1 else ""
        res.detail = (
            f"counterexample in {_abc_engine(job)} frame {frame} (property output {output})"
        )
    else:
        tail = " | ".join(text.strip().splitlines()[-3:])
        res.detail = f"yosys-abc exit {rc}, no verdict: {tail}"
    return res


def _abc_engine(job: FormalJob) -> str:
    """The ABC engine that finds a counterexample of the job: bmc3 for k-induction jobs."""
    return "bmc3" if job.kind else "PDR"


def _replay(
    res: FormalResult,
    job: FormalJob,
    out_dir: Path,
    rtl_dir: Path,
    solver: str,
    timeout: float,
) -> None:
    """Replay a PDR counterexample with yosys-smtbmc (BMC to its step): the failing
    assertion, its property group and a VCD trace."""
    assert res.step is not None
    bmc = _run_bmc(job, out_dir / "replay", res.step + 2, rtl_dir, solver, timeout, "", False)
    if bmc.status == "FAIL":
        res.assertion, res.source, res.group = bmc.assertion, bmc.source, bmc.group
        res.trace, res.step, res.depth = bmc.trace, bmc.step, bmc.depth
        res.detail = (
            f"counterexample at step {bmc.step} ({_abc_engine(job)}; trace replayed by "
            "yosys-smtbmc)"
        )
    else:
        res.detail += f"; yosys-smtbmc replay: {bmc.status} {bmc.detail}".rstrip()


def _run_bmc(
    job: FormalJob,
    out_dir: Path,
    depth: int,
    rtl_dir: Path,
    solver: str,
    timeout: float,
    rerun: str,
    induction: bool = True,
) -> FormalResult:
    wrapper = _project_root() / "formal" / WRAPPER
    out_dir.mkdir(parents=True, exist_ok=True)
    smt2, trace = out_dir / "model.smt2", out_dir / "trace.vcd"
    trace.unlink(missing_ok=True)
    t0 = time.monotonic()
    res = FormalResult(job.name, "ERROR", depth, 0.0, rerun=rerun, engine="bmc")
    script = _yosys_script(job, sorted(rtl_dir.glob("*.v")), wrapper, smt2)
    if not _yosys(script, out_dir / "model", res, timeout):
        res.seconds = time.monotonic() - t0
        return res
    lines = wrapper.read_text().splitlines()
    k = job.induction if induction else 0
    base = k + 1 if k else depth
    res.depth = base
    _check(
        res,
        solver,
        ["--presat", "-t", str(base), "--dump-vcd", str(trace)],
        smt2,
        out_dir / "smtbmc.log",
        timeout - (time.monotonic() - t0),
        lines,
        trace,
    )
    if res.status == "PASS" and k:
        # the induction step: k steps that satisfy every assertion are followed by one more
        _check(
            res,
            solver,
            ["-i", "-t", str(k)],
            smt2,
            out_dir / "induction.log",
            timeout - (time.monotonic() - t0),
            lines,
            None,
        )
        if res.status == "PASS":
            res.depth = 0
            res.detail = f"proved for every depth: {k}-induction (base case depth {base})"
        elif res.status == "FAIL":
            res.status = "ERROR"
            res.detail = (
                f"induction step fails at {res.assertion} (not a counterexample "
                "from reset: the property needs a strengthening lemma)"
            )
    res.seconds = time.monotonic() - t0
    return res


def _check(
    res: FormalResult,
    solver: str,
    opts: Sequence[str],
    smt2: Path,
    log: Path,
    timeout: float,
    lines: Sequence[str],
    trace: Path | None,
) -> None:
    """One yosys-smtbmc run; fills res (status, step, failing assertion, detail)."""
    cmd = ["yosys-smtbmc", "-s", solver, "--unroll", *opts]
    if solver == "z3":
        cmd += ["--timeout", str(int(max(timeout, 1)) + 5)]  # z3 stops by itself as well
    rc = _run([*cmd, str(smt2)], log, max(timeout, 1.0), smt2.parent)
    res.log = log
    text = log.read_text(errors="replace")
    status, step, asserts = parse_smtbmc(text)
    res.step = step
    if rc is None:
        res.status, res.detail = "TIMEOUT", f"no result in {timeout:.0f} s (last step {step})"
    elif status == "PASSED" and rc == 0:
        res.status, res.detail = "PASS", ""
    elif status == "FAILED" and asserts:
        res.status = "FAIL"
        f, n = asserts[0]
        res.assertion = f"{Path(f).name}:{n}"
        res.source = lines[n - 1].strip() if 0 < n <= len(lines) else ""
        res.group = _group_of(lines, n)
        res.trace = trace if trace is not None and trace.exists() else None
        res.detail = f"counterexample at step {step}"
    elif status == "UNSAT_ASSUMPTIONS":
        res.status = "ERROR"
        res.detail = f"assumptions unsatisfiable at step {step}: the set would pass vacuously"
    else:
        tail = " | ".join(text.strip().splitlines()[-3:])
        res.status, res.detail = "ERROR", f"yosys-smtbmc exit {rc}, status {status}: {tail}"


def render(results: Sequence[FormalResult], root: Path) -> str:
    rows = [f"{'job':<8} {'engine':<6} {'status':<7} {'depth':>5} {'time':>7}  detail"]
    for r in results:
        detail = r.detail
        if r.status == "FAIL":
            where = f"{r.assertion} " if r.assertion else ""
            detail = (
                f"{where}[{r.group or '?'}: {r.rules or '?'}] {r.source}  {r.detail}; "
                f"trace {_rel(r.trace, root) if r.trace else '(none)'}"
            )
        elif r.status == "PASS":
            job = JOBS.get(r.job)
            what = f"{', '.join(job.groups) if job else ''}"
            detail = f"{what}: {r.detail}" if r.detail else f"{what}: no counterexample"
        depth = "all" if r.depth == 0 else str(r.depth)
        rows.append(
            f"{r.job:<8} {r.engine:<6} {r.status:<7} {depth:>5} {r.seconds:>6.1f}s  {detail}"
        )
        if r.status != "PASS" and r.rerun:
            rows.append(f"{'':<8} rerun: {r.rerun}")
    return "\n".join(rows)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _parse_mutant(text: str) -> mutate.Mutant:
    """FILE:LINE:COL:OP as listed by `python -m imsmodel.mutate --list`."""
    root = _project_root()
    for m in mutate.enumerate_mutants(root / "rtl"):
        if m.id == text:
            return m
    raise ValueError(f"no mutant {text!r} (list them with: python -m imsmodel.mutate --list)")


def main(argv: list[str] | None = None) -> int:
    root = _project_root()
    p = argparse.ArgumentParser(
        prog="python -m imsmodel.formal",
        description="Formal checks of ims_ctrl (IMS_ENTRIES=4, MSIX_ENTRIES=2): proofs for "
        "every depth with ABC's PDR or k-induction (yosys-abc), bounded model checking and "
        "k-induction with yosys-smtbmc. Jobs: "
        + "; ".join(f"{j.name}: {j.what}" for j in JOBS.values()),
    )
    default_jobs = ",".join(j.name for j in JOBS.values() if j.default)
    p.add_argument(
        "--jobs", default=default_jobs, help=f"comma-separated, or 'all' (default: {default_jobs})"
    )
    p.add_argument(
        "--depth",
        type=int,
        default=DEFAULT_DEPTH,
        help=f"bmc engine: steps incl. the reset step (default {DEFAULT_DEPTH}; at least 2)",
    )
    p.add_argument(
        "--engine",
        default="auto",
        choices=("auto", *ENGINES),
        help="auto: each job's own (pdr: proof for every depth; bmc: yosys-smtbmc to --depth); "
        "pdr or bmc: that engine for every job (default auto)",
    )
    p.add_argument(
        "--no-trace",
        action="store_true",
        help="do not replay a PDR counterexample with yosys-smtbmc (no VCD, no assertion line)",
    )
    p.add_argument("--solver", default="z3", choices=SOLVERS, help="SMT solver of yosys-smtbmc")
    p.add_argument(
        "-j",
        "--jobs-parallel",
        type=int,
        default=1,
        dest="parallel",
        help="property sets checked at once (default 1)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"wall-clock seconds per job (default {DEFAULT_TIMEOUT:.0f})",
    )
    p.add_argument("--out", type=Path, default=root / "build" / "formal")
    p.add_argument(
        "--mutant",
        help="check a copy of rtl/ with this mutant applied "
        "(FILE:LINE:COL:OP of python -m imsmodel.mutate --list)",
    )
    p.add_argument(
        "--expect-fail",
        action="store_true",
        help="exit 0 only if every job fails with a counterexample (broken-RTL demo)",
    )
    args = p.parse_args(argv)
    names = [n.strip() for n in args.jobs.split(",") if n.strip()]
    if names == ["all"]:
        names = list(JOBS)
    unknown = [n for n in names if n not in JOBS]
    if unknown or not names:
        p.error(f"unknown job(s) {', '.join(unknown) or '(none)'}: choose from {', '.join(JOBS)}")
    if args.depth < 2:
        p.error("--depth must be at least 2 (step 0 is the reset step)")
    if args.timeout <= 0 or args.parallel < 1:
        p.error("--timeout must be > 0 and -j at least 1")
    try:
        check_tools(args.solver)
    except ToolMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rtl_dir = root / "rtl"
    out = args.out.resolve()
    if args.mutant:
        try:
            m = _parse_mutant(args.mutant)
        except ValueError as exc:
            p.error(str(exc))
        rtl_dir = out / "mutant" / "rtl"
        if rtl_dir.exists():
            shutil.rmtree(rtl_dir)
        mutate.apply(m, root / "rtl", rtl_dir)
        print(f"mutant {m.id}: '{m.before}' -> '{m.after}'")

    def one(name: str) -> FormalResult:
        engine = JOBS[name].engine if args.engine == "auto" else args.engine
        rerun = (
            f".venv/bin/python -m imsmodel.formal --jobs {name} --engine {engine}"
            + (f" --depth {args.depth} --solver {args.solver}" if engine == "bmc" else "")
            + (f" --mutant {args.mutant}" if args.mutant else "")
        )
        return run_job(
            JOBS[name],
            out / name,
            engine=engine,
            depth=args.depth,
            rtl_dir=rtl_dir,
            solver=args.solver,
            timeout=args.timeout,
            rerun=rerun,
            trace=not args.no_trace,
        )

    t0 = time.monotonic()
    print(
        f"formal: {len(names)} job(s), engine {args.engine} (bmc depth {args.depth}, step 0 = "
        f"reset, solver {args.solver}), -j {args.parallel}, timeout {args.timeout:.0f} s each",
        flush=True,
    )
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        results = list(pool.map(one, names))
    print(render(results, root))
    print(
        f"formal: {sum(r.status == 'PASS' for r in results)}/{len(results)} passed in "
        f"{time.monotonic() - t0:.0f} s; logs in {_rel(out, root)}/<job>/"
    )
    if args.expect_fail:
        return 0 if all(r.status == "FAIL" for r in results) else 1
    return 0 if all(r.status == "PASS" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
