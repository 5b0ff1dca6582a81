"""Regression runner: tests x seeds x simulators x configurations, in parallel.

Each cocotb test (a function decorated with ``@cocotb.test`` in ``tb/test_*.py``, found by reading
the source) is one job per seed, simulator and configuration. Every (simulator, configuration) is
built once before any job runs. Jobs run in parallel (``jobs`` workers), each simulator process
with a wall-clock timeout. Results go to ``build/regress/<run-id>/``: ``logs/<job>.log``,
``results.xml`` (JUnit, one testcase per job with seed/sim/config properties) and ``summary.txt``,
plus ``manifest.json`` (the whole matrix) and ``results/<job>.json`` (each job as it finishes),
which :mod:`imsmodel.shard` merges; ``RegressOptions.shard`` runs one slice of the matrix.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from imsmodel import report, signoff, sim
from imsmodel.conformance import Conformance, JobResult
from imsmodel.shard import (
    Shard,
    make_manifest,
    options_record,
    save_result,
    select,
    write_manifest,
)
from imsmodel.sim import BuildResult, BuildSpec, Config, RunResult


class RegressError(RuntimeError):
    """The regression cannot start (nothing to run, bad input)."""


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True, order=True)
class TestRef:
    """A cocotb test: ``module.name``; ``name`` None means the whole module."""

    __test__ = False  # not a pytest class

    module: str
    name: str | None = None

    @property
    def fullname(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


def _is_cocotb_test(dec: ast.expr) -> ast.Call | bool:
    """True (or the Call) when ``dec`` is ``@cocotb.test`` / ``@cocotb.test(...)``, or pyuvm's
    ``@pyuvm.test(...)`` on a test class (cocotb 2 names that test after the class)."""
    target = dec.func if isinstance(dec, ast.Call) else dec
    name = ast.unparse(target)
    if name not in ("cocotb.test", "pyuvm.test", "test"):
        return False
    return dec if isinstance(dec, ast.Call) else True


def module_tests(path: Path) -> list[str] | None:
    """Names of the enabled cocotb tests in a module, or None when it must run as a whole.

    A module that generates tests (``TestFactory``) or cannot be parsed runs as a whole.
    Tests marked ``skip=True`` are left out (a test filter would make cocotb run them).
    """
    try:
        source = path.read_text()
        tree = ast.parse(source, str(path))
    except (OSError, SyntaxError):
        return None
    if "TestFactory" in source:
        return None
    names: list[str] = []
    for node in tree.body:
        if not isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef | ast.ClassDef):
            continue
        name: str | None = None
        skip = False
        for dec in node.decorator_list:
            found = _is_cocotb_test(dec)
            if not found:
                continue
            name = node.name
            if isinstance(found, ast.Call):
                for kw in found.keywords:
                    if kw.arg == "skip" and isinstance(kw.value, ast.Constant):
                        skip = bool(kw.value.value)
                    elif kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        name = str(kw.value.value)
        if name and not skip:
            names.append(name)
    return names


def discover_tests(tb_dir: Path) -> list[TestRef]:
    """All tests of the cocotb modules ``tb_dir/test_*.py``, in file order."""
    refs: list[TestRef] = []
    for path in sorted(Path(tb_dir).glob("test_*.py")):
        names = module_tests(path)
        if names is None:
            refs.append(TestRef(path.stem))
        else:
            refs.extend(TestRef(path.stem, n) for n in names)
    return refs


def select_tests(tests: Sequence[TestRef], patterns: str | None) -> list[TestRef]:
    """Tests matching any comma-separated shell pattern (on ``module.test``, module or test)."""
    if not patterns:
        return list(tests)
    pats = [p.strip() for p in patterns.split(",") if p.strip()]
    return [
        t
        for t in tests
        if any(
            fnmatch.fnmatchcase(t.fullname, p)
            or fnmatch.fnmatchcase(t.module, p)
            or (t.name is not None and fnmatch.fnmatchcase(t.name, p))
            for p in pats
        )
    ]


# --------------------------------------------------------------------------- matrix


@dataclass(frozen=True)
class Job:
    sim: str
    config: Config
    test: TestRef
    seed: int

    @property
    def id(self) -> str:
        safe = self.test.fullname.replace("/", "_")
        return f"{self.sim}-{self.config.name}-{safe}-s{self.seed}"


def seeds_for(base_seed: int, count: int) -> list[int]:
    return [(base_seed + i) & 0x7FFFFFFF for i in range(count)]


def make_matrix(
    tests: Sequence[TestRef], seeds: Sequence[int], sims: Sequence[str], configs: Sequence[Config]
) -> list[Job]:
    """Every test x seed x simulator x configuration; slow configurations are not reordered."""
    return [Job(s, c, t, seed) for t in tests for seed in seeds for s in sims for c in configs]


# --------------------------------------------------------------------------- running


@dataclass
class RegressOptions:
    sims: list[str] = field(default_factory=lambda: list(sim.SIMULATORS))
    configs: list[Config] = field(default_factory=lambda: list(sim.ALL_CONFIGS))
    seeds: int = 1
    base_seed: int | None = None
    tests: str | None = None
    jobs: int = 0  # 0: number of CPUs
    out: Path | None = None
    tb_dir: Path | None = None
    filelist: Path | None = None
    toplevel: str = sim.DEFAULT_TOPLEVEL
    timeout: float | None = None
    root: Path | None = None
    shard: Shard | None = None  # run only this slice of the matrix (needs base_seed)
    coverage: bool = True  # Verilator jobs on --coverage builds (code coverage in the report)
    testplan: Path | None = None  # default docs/testplan.hjson when the tests are tb/'s
    waivers: Path | None = None  # default docs/coverage_waivers.hjson
    goals: bool = True  # a missed sign-off goal of the testplan fails the run


@dataclass
class Regression:
    run_dir: Path
    base_seed: int
    jobs: int
    results: list[RunResult]
    builds: list[BuildResult]
    elapsed: float
    conformance: Conformance | None = None  # the testplan sign-off, when a testplan applies

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def signed_off(self) -> bool:
        """Every job passed and, when a testplan was evaluated, its sign-off passed."""
        return self.ok and (self.conformance is None or self.conformance.ok)


@dataclass
class Plan:
    """What a regression runs: the whole matrix (before any sharding) and its builds."""

    root: Path
    tb_dir: Path
    tests: list[TestRef]
    base_seed: int
    matrix: list[Job]
    specs: dict[tuple[str, Config], BuildSpec]

    def reruns(self) -> dict[str, str]:
        """Job id -> the command that reruns it."""
        return {
            j.id: sim.rerun_command(
                self.specs[(j.sim, j.config)], j.test.module, j.test.name, j.seed, self.tb_dir
            )
            for j in self.matrix
        }


def plan(opts: RegressOptions) -> Plan:
    """Discover and select the tests, fix the base seed, make the matrix and the build specs.

    Raises :class:`RegressError` when there is nothing to run.
    """
    root = (opts.root or sim.project_root()).resolve()
    tb_dir = (opts.tb_dir or root / "tb").resolve()
    tests = select_tests(discover_tests(tb_dir), opts.tests)
    if not tests:
        what = f" matching {opts.tests!r}" if opts.tests else ""
        raise RegressError(f"no cocotb tests{what} in {tb_dir}/test_*.py")
    base_seed = sim.new_seed() if opts.base_seed is None else opts.base_seed
    matrix = make_matrix(tests, seeds_for(base_seed, opts.seeds), opts.sims, opts.configs)
    specs = {
        (s, c): sim.make_build(
            s,
            c,
            filelist=opts.filelist,
            toplevel=opts.toplevel,
            coverage=opts.coverage and s == "verilator",
            root=root,
        )
        for s in opts.sims
        for c in opts.configs
    }
    return Plan(root, tb_dir, tests, base_seed, matrix, specs)


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def new_run_dir(root: Path) -> Path:
    base = root / "build" / "regress"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        run_dir = base / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            run_dir.mkdir(parents=True)
            return run_dir
        except FileExistsError:
            continue
    raise RegressError(f"cannot create a run folder under {base}")


def _not_run(spec: BuildSpec, job: Job, tb_dir: Path, log: Path, message: str) -> RunResult:
    return RunResult(
        sim=job.sim,
        config=job.config,
        module=job.test.module,
        testcase=job.test.name,
        seed=job.seed,
        status="build_failed",
        message=message,
        rerun=sim.rerun_command(spec, job.test.module, job.test.name, job.seed, tb_dir),
        log=log,
        results_xml=log.with_suffix(".xml"),
    )


def run_regression(opts: RegressOptions, out: TextIO | None = None) -> Regression:
    """Build, run the matrix in parallel, write logs + JUnit + summary. Returns the results.

    Raises :class:`RegressError` when there is nothing to run and
    :class:`imsmodel.sim.SimulatorMissingError` when a simulator is missing.
    """
    out = out or sys.stdout
    for s in opts.sims:
        sim.check_simulator(s)
    p = plan(opts)
    tests, base_seed, tb_dir, matrix = p.tests, p.base_seed, p.tb_dir, p.matrix
    if opts.shard is not None:
        try:
            matrix = select(p.matrix, opts.shard)
        except ValueError as exc:
            raise RegressError(str(exc)) from None
    workers = opts.jobs or cpu_count()
    run_dir = opts.out.resolve() if opts.out else new_run_dir(p.root)
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    if opts.shard is None:
        _link_latest(run_dir)
    for stale in (run_dir / "results").glob("*.json"):  # from an earlier run in this folder
        stale.unlink()
    record = options_record(opts, p.root, tb_dir)
    manifest = make_manifest(p.matrix, p.reruns(), base_seed, opts.shard, workers, options=record)
    write_manifest(run_dir, manifest)

    needed = {(j.sim, j.config) for j in matrix}
    specs = {key: spec for key, spec in p.specs.items() if key in needed}
    slice_ = f", shard {opts.shard}: {len(matrix)} of them" if opts.shard else ""
    print(
        f"ims regress: {len(tests)} tests x {opts.seeds} seeds x {len(opts.sims)} simulators x "
        f"{len(opts.configs)} configurations = {len(p.matrix)} jobs{slice_}, -j {workers}, "
        f"base seed {base_seed}\n  run folder: {run_dir}",
        file=out,
        flush=True,
    )
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            builds = _build_all(pool, list(specs.values()), out)
            results = _run_all(pool, matrix, specs, builds, tb_dir, run_dir, opts, out, start)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            sim.kill_running()
            raise
    reg = Regression(run_dir, base_seed, workers, results, builds, time.monotonic() - start)
    # a shard is signed off after the merge, on the whole matrix
    sources = None if opts.shard is not None else signoff_sources(opts, p.root, tb_dir)
    write_reports(reg, out, sources=sources, goals=opts.goals)
    manifest.elapsed = reg.elapsed  # marks the run finished
    write_manifest(run_dir, manifest)
    return reg


def signoff_sources(opts: RegressOptions, root: Path, tb_dir: Path) -> signoff.Sources | None:
    """Testplan, spec and waivers of the sign-off; None when no testplan applies (tests from
    another --tb-dir and no --testplan)."""
    if opts.testplan is None and tb_dir.resolve() != (root / "tb").resolve():
        return None
    name = opts.toplevel if opts.filelist is None else f"{opts.toplevel} ({opts.filelist.name})"
    return signoff.Sources(
        root, testplan=opts.testplan, waivers=opts.waivers, title=f"{name} sign-off"
    )


def write_reports(
    reg: Regression,
    out: TextIO,
    preamble: str = "",
    *,
    sources: signoff.Sources | None = None,
    goals: bool = True,
    coverage_dirs: Sequence[Path] | None = None,
) -> None:
    """Write the reports of a finished run folder (``results.xml``, ``summary.txt``) and print
    the sign-off summary. ``ims merge`` and the launchers call this too, on merged results:
    every report a run folder gets belongs here.

    With ``sources`` also the testplan sign-off (:mod:`imsmodel.signoff`): coverage merged from
    ``coverage_dirs`` (default the run folder's ``jobs/``), ``report.html``, ``report.md``, and
    ``reg.conformance``."""
    report.write_junit(reg.run_dir / "results.xml", reg.results)
    tail = ""
    if sources is not None:
        jobs = [JobResult.from_run(r) for r in reg.results]
        reg.conformance, tail = signoff.finish_run(
            reg.run_dir, sources, jobs, goals_enforced=goals, coverage_dirs=coverage_dirs
        )
        tail = "\n" + tail
    final = reg.conformance is None
    head = preamble + "\n" if preamble else ""
    (reg.run_dir / "summary.txt").write_text(head + report.summary(reg, final=final) + tail + "\n")
    if preamble:
        print(preamble, file=out, flush=True)
    print(report.summary(reg, max_failures=20, final=final) + tail, file=out, flush=True)


def _link_latest(run_dir: Path) -> None:
    latest = run_dir.parent / "latest"
    try:
        if latest.is_symlink():
            latest.unlink()
        if not latest.exists():
            latest.symlink_to(run_dir.name)
    except OSError:
        pass


def _build_all(pool: ThreadPoolExecutor, specs: list[BuildSpec], out: TextIO) -> list[BuildResult]:
    futures = {pool.submit(sim.build, spec): spec for spec in specs}
    builds: list[BuildResult] = []
    for fut in as_completed(futures):
        b = fut.result()
        state = "reused" if b.reused else ("ok" if b.ok else "FAILED")
        print(f"  build {b.spec.name:<24} {state:<6} {b.seconds:6.1f} s", file=out, flush=True)
        if not b.ok:
            print("    " + b.message.replace("\n", "\n    "), file=out, flush=True)
        builds.append(b)
    return builds


def _run_all(
    pool: ThreadPoolExecutor,
    matrix: list[Job],
    specs: dict[tuple[str, Config], BuildSpec],
    builds: list[BuildResult],
    tb_dir: Path,
    run_dir: Path,
    opts: RegressOptions,
    out: TextIO,
    start: float,
) -> list[RunResult]:
    failed_builds = {(b.spec.sim, b.spec.config): b for b in builds if not b.ok}
    progress = report.Progress(len(matrix), out, start)
    futures: dict[Future[RunResult], Job] = {}
    done: dict[Job, RunResult] = {}
    for job in matrix:
        spec = specs[(job.sim, job.config)]
        log = run_dir / "logs" / f"{job.id}.log"
        bad = failed_builds.get((job.sim, job.config))
        if bad is not None:
            done[job] = _not_run(spec, job, tb_dir, log, f"not run: {bad.message.splitlines()[0]}")
            save_result(run_dir, job.id, done[job])
            progress.update(done[job])
            continue
        run: Callable[[], RunResult] = _job_runner(spec, job, tb_dir, run_dir, log, opts.timeout)
        futures[pool.submit(run)] = job
    for fut in as_completed(futures):
        job = futures[fut]
        done[job] = fut.result()
        save_result(run_dir, job.id, done[job])  # now: a shard that dies later keeps it
        progress.update(done[job])
    progress.finish()
    return [done[j] for j in matrix]


def _job_runner(
    spec: BuildSpec, job: Job, tb_dir: Path, run_dir: Path, log: Path, timeout: float | None
) -> Callable[[], RunResult]:
    def run() -> RunResult:
        test_dir = run_dir / "jobs" / job.id
        return sim.run_test(
            spec,
            job.test.module,
            testcase=job.test.name,
            seed=job.seed,
            tb_dir=tb_dir,
            timeout=timeout,
            test_dir=test_dir,
            log=log,
            # the bench's functional coverage export lands in the job's folder
            extra_env={"IMS_COV_DIR": str(test_dir / "cov")},
        )

    return run
