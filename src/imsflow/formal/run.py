"""Run one formal job: compile with Yosys, prove with ABC (pdr, k-induction) or check with
yosys-smtbmc, replay a counterexample; every tool run under a wall-clock timeout."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from imsflow.core.paths import project_root
from imsflow.core.proc import kill_tree
from imsflow.formal.jobs import (
    DEFAULT_DEPTH,
    DEFAULT_TIMEOUT,
    ENGINES,
    KIND_BASE,
    KIND_BMC,
    WRAPPER,
    YOSYS_TIMEOUT,
    FormalJob,
    FormalResult,
)
from imsflow.formal.parse import group_of, parse_pdr, parse_smtbmc
from imsflow.formal.scripts import aiger_script, yosys_script


def _run(cmd: Sequence[str], log: Path, timeout: float, cwd: Path) -> int | None:
    """Run cmd with stdout+stderr to log; None when the wall-clock timeout killed it."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(cmd), stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
        )
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            return None
        except BaseException:
            kill_tree(proc)
            raise


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
    root = project_root()
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


def _run_pdr(
    job: FormalJob, out_dir: Path, rtl_dir: Path, timeout: float, rerun: str
) -> FormalResult:
    wrapper = project_root() / "formal" / WRAPPER
    aig, aim = out_dir / "model.aig", out_dir / "model.aim"
    t0 = time.monotonic()
    res = FormalResult(job.name, "ERROR", 0, 0.0, rerun=rerun, engine="pdr")
    script = aiger_script(job, sorted(rtl_dir.glob("*.v")), wrapper, aig, aim)
    if not _yosys(script, out_dir / "aiger", res, timeout):
        return res
    left = max(timeout - (time.monotonic() - t0), 1.0)
    # fold: the assumptions (AIGER invariant constraints) become part of every property, so a
    # counterexample is a trace on which every assumption holds up to the failing step
    script = f"read_aiger {aig}; fold; strash; scleanup; pdr -v -T {int(left)}"
    log, ilog = out_dir / "pdr.log", out_dir / "ind.log"
    if job.kind:
        # the inductive step first (seconds). Once it is proved, the base case needs k frames
        # from reset: bmc3 checks KIND_BASE; a deeper bmc3 could find nothing. When it is not
        # proved, bmc3 searches KIND_BMC frames for the counterexample (a mutant's). One output
        # (ind needs it).
        load = f"read_aiger {aig}; fold; orpos; strash; scleanup"
        rc = _run(
            ["yosys-abc", "-c", f"{load}; ind -F {job.kind} -T {int(left)}"],
            ilog,
            left + 10,
            out_dir,
        )
        step_ok = rc == 0 and "Networks are equivalent" in ilog.read_text(errors="replace")
        frames = max(KIND_BASE if step_ok else KIND_BMC, job.kind + 1)
        left = max(timeout - (time.monotonic() - t0), 1.0)
        script = f"{load}; bmc3 -F {frames} -T {int(left)}"
    rc = _run(["yosys-abc", "-c", script], log, left + 10, out_dir)
    res.log = log
    text = log.read_text(errors="replace")
    if job.kind:
        text += "\n" + ilog.read_text(errors="replace")
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
    wrapper = project_root() / "formal" / WRAPPER
    out_dir.mkdir(parents=True, exist_ok=True)
    smt2, trace = out_dir / "model.smt2", out_dir / "trace.vcd"
    trace.unlink(missing_ok=True)
    t0 = time.monotonic()
    res = FormalResult(job.name, "ERROR", depth, 0.0, rerun=rerun, engine="bmc")
    script = yosys_script(job, sorted(rtl_dir.glob("*.v")), wrapper, smt2)
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
        res.group = group_of(lines, n)
        res.trace = trace if trace is not None and trace.exists() else None
        res.detail = f"counterexample at step {step}"
    elif status == "UNSAT_ASSUMPTIONS":
        res.status = "ERROR"
        res.detail = f"assumptions unsatisfiable at step {step}: the set would pass vacuously"
    else:
        tail = " | ".join(text.strip().splitlines()[-3:])
        res.status, res.detail = "ERROR", f"yosys-smtbmc exit {rc}, status {status}: {tail}"
