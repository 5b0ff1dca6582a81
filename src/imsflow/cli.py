"""ims: command line of the IMS/MSI-X controller kit.

* ``ims regress`` - the regression: tests x seeds x simulators x configurations, sign-off summary.
* ``ims run``     - one simulator run (the rerun command a failure prints).
* ``ims merge``   - combine the run folders of regression shards (``--shard K/N``) into one.
* ``ims formal``  - formal proofs and bounded checks of ims_ctrl (:mod:`imsflow.formal`).
* ``ims mutate``  - RTL mutation testing against a regression subset (:mod:`imsflow.mutate`).
* ``ims bench``   - benchmarks: model, RTL cycles, area, bench throughput (:mod:`imsflow.bench`).
* ``ims regmap``  - register-map artefacts from the SystemRDL source (:mod:`imsflow.regmap`).
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

import imsflow
from imsflow import regmap, regress, sim
from imsflow.bench import cli as bench_cli
from imsflow.formal import cli as formal_cli
from imsflow.mutate import cli as mutate_cli
from imsflow.regress import launchers, waves
from imsflow.regress.merge import merge_runs
from imsflow.regress.shard import Shard, select
from imsflow.signoff import metadata


def _sims(text: str) -> list[str]:
    try:
        return sim.parse_sims(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _one_sim(text: str) -> str:
    if text not in sim.SIMULATORS:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(sim.SIMULATORS)}")
    return text


def _configs(text: str) -> list[sim.Config]:
    try:
        return sim.parse_configs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _config(text: str) -> sim.Config:
    try:
        return sim.Config.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer seed") from None


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


LAUNCHER_NAMES = tuple(launchers.LAUNCHERS)


def _add_distributed_args(p: argparse.ArgumentParser) -> None:
    d = p.add_argument_group(
        "distributed runs (a shard is a deterministic slice of the job matrix)",
        "With --launcher the run folder gets shard-K/ (one per task), tasks/ (their output "
        "and exit status) and the merged results; -j is per task.",
    )
    d.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="run only slice K of N of the matrix (needs --seed); `ims merge` combines slices",
    )
    d.add_argument(
        "--launcher",
        choices=LAUNCHER_NAMES,
        help="run the matrix as --shards tasks, wait for them, merge: local (subprocesses) or "
        "slurm (one sbatch --array job; SLURM_CONF is honoured)",
    )
    d.add_argument("--shards", type=_positive, metavar="N", help="tasks for --launcher (default 2)")
    d.add_argument(
        "--task-timeout",
        type=_seconds,
        metavar="S",
        help="wall-clock limit of one task (default: builds + its jobs at --timeout each)",
    )
    d.add_argument(
        "--wait-timeout",
        type=_seconds,
        metavar="S",
        help="wall-clock limit of the whole wait, then the rest is cancelled (default: local: "
        "task limit + 2 min; slurm: N x task limit + 10 min, tasks may queue)",
    )
    d.add_argument(
        "--poll", type=_seconds, metavar="S", help="scheduler poll interval (slurm: 5 s)"
    )
    d.add_argument(
        "--sbatch-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra sbatch option, e.g. --sbatch-arg=--partition=sim (repeatable)",
    )


def _check_regress_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.shards and args.launcher is None:
        args.launcher = "local"
    if args.shard is not None:
        if args.launcher is not None:
            parser.error("--shard runs one slice itself: not with --launcher/--shards")
        if args.seed is None and not args.list:
            parser.error("--shard needs --seed BASE: every shard must run the same matrix")
    if args.launcher is None:
        for name in ("task_timeout", "wait_timeout", "poll"):
            if getattr(args, name) is not None:
                parser.error(f"--{name.replace('_', '-')} needs --launcher")
    if args.sbatch_arg and args.launcher != "slurm":
        parser.error("--sbatch-arg needs --launcher slurm")


def _add_design_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("design under test (default: rtl/*.v, top ims_ctrl, tests in tb/)")
    g.add_argument(
        "--filelist",
        "--rtl",
        type=Path,
        metavar="FILE.f",
        help="a .f file list of the RTL instead of rtl/*.v (another implementation with the "
        "ims_ctrl ports and parameters: same tests, same conformance matrix)",
    )
    g.add_argument("--top", default=sim.DEFAULT_TOPLEVEL, help="HDL toplevel (%(default)s)")
    g.add_argument(
        "--profile",
        choices=("ims_ctrl", "none"),
        help="does the DUT claim the ims_ctrl profile of docs/spec.md (exact step order, "
        "same-edge AW/W, one step per edge, ...)? Default: ims_ctrl for rtl/, none for --rtl. "
        "The device contract is checked either way (sets IMS_PROFILE for the bench)",
    )
    g.add_argument("--tb-dir", type=Path, help="folder of the cocotb test modules (tb/)")
    p.add_argument(
        "--timeout",
        type=_seconds,
        help=f"wall-clock limit of one simulator run in seconds ({sim.DEFAULT_RUN_TIMEOUT:g})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ims", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {imsflow.version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "regress",
        help="run the regression and print the sign-off summary",
        description="Build every simulator x configuration once, run tests x seeds on them in "
        "parallel, write build/regress/<run-id>/ (logs, results.xml, summary.txt, report.html, "
        "report.md) and print the sign-off summary with the spec-conformance matrix of the "
        "testplan. Exit status 1 when any job fails or a sign-off goal of the testplan is "
        "missed (see docs/signoff.md).",
    )
    p.add_argument(
        "--sim",
        type=_sims,
        default=list(sim.SIMULATORS),
        metavar="{icarus,verilator,all}",
        help="simulator(s), comma-separated (default: all)",
    )
    p.add_argument("--seeds", type=_positive, default=1, metavar="N", help="seeds per test (1)")
    p.add_argument("--seed", type=_seed, metavar="BASE", help="base seed (default: random)")
    p.add_argument(
        "--tests",
        metavar="PATTERN",
        help="comma-separated shell patterns on module.test, module or test (default: all)",
    )
    p.add_argument(
        "--config",
        type=_configs,
        default=list(sim.ALL_CONFIGS),
        metavar="LIST",
        help="configurations IMSxMSIX, comma-separated, or 'all' (default: "
        + ",".join(c.name for c in sim.ALL_CONFIGS)
        + ")",
    )
    p.add_argument(
        "-j", "--jobs", type=_positive, metavar="N", help="parallel jobs (default: CPU count)"
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="run folder (build/regress/<run-id>)")
    p.add_argument("--list", action="store_true", help="print the job matrix and exit")
    p.add_argument(
        "--waves",
        action="store_true",
        help="every job records waves (separate -waves builds); the summary names each file",
    )
    p.add_argument(
        "--waves-on-fail",
        action="store_true",
        help="after the matrix, rerun each failed job (same seed) with waves; prints each file",
    )
    s = p.add_argument_group("sign-off (docs/signoff.md)")
    s.add_argument(
        "--coverage",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Verilator jobs on --coverage builds: line/toggle coverage in the report (on)",
    )
    s.add_argument(
        "--testplan",
        type=Path,
        metavar="FILE.hjson",
        help="testplan to sign off against (default: docs/testplan.hjson when the tests are tb/'s)",
    )
    s.add_argument(
        "--waivers",
        type=Path,
        metavar="FILE.hjson",
        help="code coverage waivers (default: docs/coverage_waivers.hjson)",
    )
    s.add_argument(
        "--goals",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="evaluate the testplan's sign-off goals (a miss fails the run); default: only on the "
        "full default matrix, a subset (--tests/--sim/--config) is NOT EVALUATED",
    )
    _add_distributed_args(p)
    _add_design_args(p)

    r = sub.add_parser(
        "run",
        help="run one cocotb module or test on one simulator and configuration",
        description="Build if needed and run one cocotb test module (or one test of it). "
        "This is the rerun command a failing regression job prints.",
    )
    r.add_argument("--sim", type=_one_sim, required=True, metavar="{icarus,verilator}")
    r.add_argument("--config", type=_config, default=sim.DEFAULT_CONFIG, help="IMSxMSIX (64x9)")
    r.add_argument("--module", required=True, help="cocotb test module, e.g. test_regs")
    r.add_argument("--testcase", help="one test of the module (default: all)")
    r.add_argument("--seed", type=_seed, help="random seed (default: random)")
    r.add_argument("--waves", action="store_true", help="record waveforms (separate build)")
    r.add_argument(
        "--coverage", action="store_true", help="Verilator --coverage build (coverage.dat)"
    )
    _add_design_args(r)

    m = sub.add_parser(
        "merge",
        help="combine the run folders of regression shards into one",
        description="Combine run folders of the same matrix (e.g. of `ims regress --shard K/N`) "
        "into one: results.xml, summary.txt and the sign-off summary, every job once. A job "
        "without a result (its shard died or is not given) or with an unreadable one is a "
        "failure with its seed and rerun command; duplicates are reported and counted once. "
        "Exit status 1 when any job failed or has no result.",
    )
    m.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="run folders to merge")
    m.add_argument("--out", type=Path, required=True, metavar="DIR", help="merged run folder")

    # the tools with their own argument parsers: each parser is handed to its tool's runner
    tools = (
        ("formal", "formal proofs and bounded checks of ims_ctrl", formal_cli.description(),
         formal_cli.configure),
        ("mutate", "RTL mutation testing against a regression subset", mutate_cli.DESCRIPTION,
         mutate_cli.configure),
        ("bench", "benchmarks: model, RTL cycles, area, bench throughput", bench_cli.DESCRIPTION,
         bench_cli.configure),
        ("regmap", "regenerate the register-map artefacts from docs/regmap/ims_ctrl.rdl",
         regmap.DESCRIPTION, regmap.configure),
    )  # fmt: skip
    for name, text, description, configure in tools:
        tp = sub.add_parser(name, help=text, description=description)
        configure(tp)
        tp.set_defaults(tool_parser=tp)
    return parser


TOOLS = ("formal", "mutate", "bench", "regmap")
"""Subcommands that run as they did as their own programs (their errors and Ctrl-C are theirs)."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _set_profile(args: argparse.Namespace) -> None:
    if getattr(args, "profile", None):
        os.environ["IMS_PROFILE"] = args.profile


def cmd_regress(args: argparse.Namespace) -> int:
    _set_profile(args)
    opts = regress.RegressOptions(
        sims=args.sim,
        configs=args.config,
        seeds=args.seeds,
        base_seed=args.seed,
        tests=args.tests,
        jobs=args.jobs or 0,
        out=args.out,
        tb_dir=args.tb_dir,
        filelist=args.filelist,
        toplevel=args.top,
        timeout=args.timeout,
        coverage=args.coverage,
        testplan=args.testplan,
        waivers=args.waivers,
        goals=args.goals,
        waves=args.waves,
        waves_on_fail=args.waves_on_fail,
    )
    opts.shard = args.shard
    tb_dir = args.tb_dir or sim.default_tb_dir(sim.project_root())
    found = regress.discover_tests(tb_dir)
    if found:  # an empty folder is the regression's own error (exit 1)
        regress.check_patterns(found, args.tests, tb_dir)  # before any build: exit 2
    if args.list:
        tests = regress.select_tests(found, args.tests)
        seeds = regress.seeds_for(args.seed or 0, args.seeds)
        matrix = regress.make_matrix(tests, seeds, args.sim, args.config)
        for job in select(matrix, args.shard) if args.shard else matrix:
            print(job.id)
        return 0
    if args.launcher is not None:
        return cmd_launch(args, opts)
    reg = regress.run_regression(opts)
    if args.waves_on_fail:
        waves.rerun_failures_with_waves(reg, opts, sys.stdout)
    waves.print_waves(reg.results, sys.stdout)
    return 0 if reg.signed_off else 1


def cmd_launch(args: argparse.Namespace, opts: regress.RegressOptions) -> int:
    make: Callable[[Path], launchers.Launcher]
    if args.launcher == "slurm":
        make = functools.partial(
            launchers.SlurmLauncher, sbatch_args=args.sbatch_arg, poll=args.poll or 5.0
        )
    else:
        make = functools.partial(launchers.LocalLauncher, poll=args.poll or 0.2)
    run = launchers.run_launched(
        opts,
        make,
        args.shards or 2,
        jobs=args.jobs,
        task_timeout=args.task_timeout,
        wait_timeout=args.wait_timeout,
    )
    return 0 if run.ok else 1


def cmd_merge(args: argparse.Namespace) -> int:
    reg, _ = merge_runs(args.dirs, args.out)
    return 0 if reg.signed_off else 1


def cmd_run(args: argparse.Namespace) -> int:
    _set_profile(args)
    spec = sim.make_build(
        args.sim,
        args.config,
        filelist=args.filelist,
        toplevel=args.top,
        waves=args.waves,
        coverage=args.coverage,
    )
    tb_dir = args.tb_dir or sim.default_tb_dir(sim.project_root())
    regress.check_test(tb_dir, args.module, args.testcase)  # before the build: exit 2
    print(f"ims run: building {spec.name} in {spec.build_dir} ...", flush=True)
    result = sim.run_test(
        spec,
        args.module,
        testcase=args.testcase,
        seed=args.seed,
        tb_dir=args.tb_dir,
        timeout=args.timeout,
    )
    print(result.describe())
    for case in result.testcases:
        print(f"  {case.status:<7} {case.name}  sim {case.sim_time_ns:g} ns")
    if spec.waves and result.waves is None:  # describe() names the file when there is one
        print(f"  waves: no waveform file written in {result.log.parent}")
    return 0 if result.ok else 1


def _tool(args: argparse.Namespace, argv: list[str]) -> int:
    """``ims formal|mutate|bench``: the tool's own run, with its own error handling."""
    sub: argparse.ArgumentParser = args.tool_parser  # reports the tool's usage errors
    if args.command == "formal":
        return formal_cli.run(sub, args)
    if args.command == "mutate":
        return mutate_cli.run(sub, args)
    if args.command == "regmap":
        return regmap.run(args)
    return bench_cli.run(sub, args, argv[argv.index("bench") + 1 :])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    metadata.note_command(argv)  # the report's "command line"
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in TOOLS:
        return _tool(args, argv)
    if args.command == "regress":
        _check_regress_args(parser, args)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        if args.command == "regress":
            return cmd_regress(args)
        if args.command == "merge":
            return cmd_merge(args)
        return cmd_run(args)
    except regress.UnknownTestError as exc:
        print(f"ims: error: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"ims: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ims: interrupted; running simulators killed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
