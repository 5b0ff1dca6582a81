"""`ims mutate` (`make mutate`): run mutants against a regression subset, score, report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from imsflow.core.defaults import SIMULATORS
from imsflow.core.paths import project_root
from imsflow.core.types import Config
from imsflow.mutate.analysis import load_analysis, render, stale_analysis
from imsflow.mutate.mutants import (
    FAMILIES,
    GROUPS,
    MutantResult,
    enumerate_mutants,
    resolve_operators,
    select,
)
from imsflow.mutate.run import run_mutant
from imsflow.mutate.summary import write_summary
from imsflow.sim.tools import check_simulator

DESCRIPTION = "Mutation testing of the RTL: does the bench find bugs? (`make mutate`, `ims mutate`)"


def configure(ap: argparse.ArgumentParser) -> None:
    """The arguments of `ims mutate`."""
    ap.add_argument("--sim", choices=SIMULATORS, default="icarus")
    ap.add_argument("--config", default="64x9", type=Config.parse)
    ap.add_argument(
        "--modules",
        default="test_smoke",
        help="comma-separated tb modules run against each mutant (%(default)s)",
    )
    ap.add_argument(
        "--count",
        type=int,
        default=60,
        help="mutants to run, spread evenly over all (0: all; %(default)s)",
    )
    ap.add_argument("--only", help="regex on mutant ids (file:line:col:op)")
    ap.add_argument(
        "--operators",
        default="",
        help="comma-separated operator families ("
        + ", ".join(FAMILIES)
        + "), groups ("
        + ", ".join(GROUPS)
        + ") or single operators (and_to_or, swap_branches, ...); default: all",
    )
    ap.add_argument(
        "--rtl",
        "--filelist",
        dest="rtl",
        type=Path,
        help="mutate another implementation, given as a .f file list (default: rtl/*.v)",
    )
    ap.add_argument(
        "--analysis",
        type=Path,
        help="survivor analysis (default: docs/mutation_analysis.hjson for rtl/; for --rtl "
        "FILE.f, mutation_analysis.hjson beside FILE.f if there is one)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300.0, help="per simulation (s)")
    ap.add_argument("--target", type=float, default=95.0, help="required score (%%)")
    ap.add_argument("--list", action="store_true", help="list the selected mutants and exit")
    ap.add_argument("--out", type=Path, default=project_root() / "build" / "mutate")


def run(ap: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """`ims mutate` with parsed arguments (``ap`` reports usage errors)."""
    if args.count < 0 or args.jobs < 1 or args.timeout <= 0:
        ap.error("--count must be >= 0, --jobs >= 1 and --timeout > 0")
    try:
        operators = resolve_operators(args.operators)
    except ValueError as exc:
        ap.error(str(exc))
    root = project_root()
    if args.rtl is not None and not args.rtl.is_file():
        ap.error(f"--rtl {args.rtl}: no such file list")
    rtl_dir = args.rtl.resolve() if args.rtl is not None else root / "rtl"
    problems: list[str] = []
    try:
        every = enumerate_mutants(rtl_dir, operators, problems)
    except (OSError, ValueError) as exc:
        ap.error(f"cannot read the sources: {exc}")
    for p in problems:
        print(f"design operators skip: {p}", file=sys.stderr)
    chosen = select(every, args.count, args.only)
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.family:13}  {m.describe()}")
        per_family = {f: sum(m.family == f for m in chosen) for f in FAMILIES}
        summary = ", ".join(f"{f} {n}" for f, n in per_family.items() if n)
        print(f"{len(chosen)} mutants: {summary}", file=sys.stderr)
        return 0
    if not chosen:
        ap.error("no mutant selected")
    check_simulator(args.sim)
    modules = [m.strip() for m in args.modules.split(",") if m.strip()]
    analysis: dict[str, dict[str, str]] = {}
    analysis_path = args.analysis
    if analysis_path is not None and not analysis_path.is_file():
        ap.error(f"--analysis {analysis_path}: no such file")
    if analysis_path is None and args.rtl is None:
        analysis_path = root / "docs" / "mutation_analysis.hjson"
    elif analysis_path is None:  # another implementation: its analysis sits beside its .f
        beside = Path(args.rtl).resolve().parent / "mutation_analysis.hjson"
        analysis_path = beside if beside.is_file() else None
    if analysis_path is not None:  # the repository's analysis names mutants of rtl/ only
        stale = stale_analysis(analysis_path, rtl_dir)
        for mid, why in stale.items():
            print(f"stale survivor analysis, not applied: {mid}: {why}", file=sys.stderr)
        analysis = {k: v for k, v in load_analysis(analysis_path).items() if k not in stale}
    args.out.mkdir(parents=True, exist_ok=True)
    # our RTL claims the ims_ctrl profile; another implementation only the contract (as in
    # ims regress), unless IMS_PROFILE says otherwise
    profile = os.environ.get("IMS_PROFILE") or ("ims_ctrl" if args.rtl is None else "none")
    results: list[MutantResult] = []
    t0 = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="ims-mutants-") as tmp,
        ThreadPoolExecutor(max_workers=args.jobs) as pool,
    ):
        futures = [
            pool.submit(
                run_mutant,
                m,
                rtl_dir,
                Path(tmp),
                args.sim,
                args.config,
                modules,
                args.seed,
                args.timeout,
                profile,
            )
            for m in chosen
        ]
        for i, fut in enumerate(futures, start=1):
            r = fut.result()
            results.append(r)
            print(
                f"[{i}/{len(chosen)}] {r.status:8} {r.mutant.id} "
                f"({r.seconds:.0f} s) {r.first_failure[:90]}",
                flush=True,
            )
    text, pct = render(results, analysis, args.target)
    (args.out / "report.md").write_text(text)
    (args.out / "results.json").write_text(
        json.dumps(
            [
                {
                    **asdict(r.mutant),
                    "id": r.mutant.id,
                    "family": r.mutant.family,
                    "status": r.status,
                    "first_failure": r.first_failure,
                    "rerun": r.rerun,
                }
                for r in results
            ],
            indent=1,
        )
    )
    setup = {"sim": args.sim, "config": args.config.name, "modules": modules, "seed": args.seed}
    write_summary(args.out, results, analysis, pct, args.target, root, setup)  # for the report
    unanalysed = [
        r.mutant.id for r in results if r.status == "survived" and r.mutant.id not in analysis
    ]
    print(
        f"\nmutation score {pct:.1f}% (target {args.target:.0f}%) over {len(results)} mutants "
        f"in {time.monotonic() - t0:.0f} s; report: {args.out / 'report.md'}"
    )
    for mid in unanalysed:
        print(f"  survivor not analysed: {mid}")
    return 0 if pct >= args.target else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ims mutate", description=DESCRIPTION)
    configure(ap)
    return run(ap, ap.parse_args(argv))
