"""Formal checks of ims_ctrl: `ims formal` (`make formal`).

Each property set ("job") of formal/ims_formal_tb.v is checked by one of two engines:

* pdr: Yosys bit-blasts the wrapper to AIGER (`-DIMS_FORMAL_AIGER`, every memory mapped to
  flip-flops, uninitialised flip-flops start free, assumptions folded into the properties) and
  ABC's `pdr` (IC3, `yosys-abc` from Debian's yosys package) proves the set for every depth with
  an inductive invariant, or finds a counterexample, which yosys-smtbmc replays from reset to
  name the failing assertion and write the VCD trace. A job with `kind = k` (episode, pasid) is
  proved by k-induction in ABC on the same model instead: `ind -F k` (the inductive step), then
  `bmc3` from reset, KIND_BASE frames (the base case) when the step is proved, else KIND_BMC
  frames (the counterexample); its strengthening lemmas name DUT internals that the job's
  `probes` connect after `flatten`.
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
import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from imsflow.core.paths import project_root, rel
from imsflow.core.rerun import formal_command
from imsflow.formal.jobs import DEFAULT_DEPTH, DEFAULT_TIMEOUT, ENGINES, JOBS, SOLVERS, FormalResult
from imsflow.formal.run import run_job
from imsflow.formal.status import write_status
from imsflow.formal.tools import ToolMissing, check_tools
from imsflow.mutate.mutants import Mutant, apply, enumerate_mutants


def render(results: Sequence[FormalResult], root: Path) -> str:
    rows = [f"{'job':<8} {'engine':<6} {'status':<7} {'depth':>5} {'time':>7}  detail"]
    for r in results:
        detail = r.detail
        if r.status == "FAIL":
            where = f"{r.assertion} " if r.assertion else ""
            detail = (
                f"{where}[{r.group or '?'}: {r.rules or '?'}] {r.source}  {r.detail}; "
                f"trace {rel(r.trace, root) if r.trace else '(none)'}"
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


def _parse_mutant(text: str) -> Mutant:
    """FILE:LINE:COL:OP as listed by `ims mutate --list`."""
    root = project_root()
    for m in enumerate_mutants(root / "rtl"):
        if m.id == text:
            return m
    raise ValueError(f"no mutant {text!r} (list them with: ims mutate --list)")


def description() -> str:
    return (
        "Formal checks of ims_ctrl (IMS_ENTRIES=4, MSIX_ENTRIES=2): proofs for "
        "every depth with ABC's PDR or k-induction (yosys-abc), bounded model checking and "
        "k-induction with yosys-smtbmc. Jobs: "
        + "; ".join(f"{j.name}: {j.what}" for j in JOBS.values())
    )


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of `ims formal`."""
    root = project_root()
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
        "(FILE:LINE:COL:OP of ims mutate --list)",
    )
    p.add_argument(
        "--expect-fail",
        action="store_true",
        help="exit 0 only if every job fails with a counterexample (broken-RTL demo)",
    )


def run(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """`ims formal` with parsed arguments (``p`` reports usage errors)."""
    root = project_root()
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
        apply(m, root / "rtl", rtl_dir)
        print(f"mutant {m.id}: '{m.before}' -> '{m.after}'")

    def one(name: str) -> FormalResult:
        engine = JOBS[name].engine if args.engine == "auto" else args.engine
        options = ["--jobs", name, "--engine", engine]
        if engine == "bmc":
            options += ["--depth", str(args.depth), "--solver", args.solver]
        if args.mutant:
            options += ["--mutant", args.mutant]
        rerun = formal_command(root, options)
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
    if not (args.mutant or args.expect_fail):  # the sign-off report's formal section
        write_status(out, results, root)
    print(
        f"formal: {sum(r.status == 'PASS' for r in results)}/{len(results)} passed in "
        f"{time.monotonic() - t0:.0f} s; logs in {rel(out, root)}/<job>/"
    )
    if args.expect_fail:
        return 0 if all(r.status == "FAIL" for r in results) else 1
    return 0 if all(r.status == "PASS" for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="ims formal", description=description())
    configure(p)
    return run(p, p.parse_args(argv))
