"""Regression runner: tests x seeds x simulators x configurations, in parallel.

Each cocotb test (a function decorated with ``@cocotb.test`` in ``tb/test_*.py``, found by reading
the source) is one job per seed, simulator and configuration. Every (simulator, configuration) is
built once before any job runs. Jobs run in parallel (``jobs`` workers), each simulator process
with a wall-clock timeout. Results go to ``build/regress/<run-id>/``: ``logs/<job>.log``,
``results.xml`` (JUnit, one testcase per job with seed/sim/config properties) and ``summary.txt``,
plus ``manifest.json`` (the whole matrix) and ``results/<job>.json`` (each job as it finishes),
which :mod:`imsflow.regress.merge` merges; ``RegressOptions.shard`` runs one slice of the matrix.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TextIO

from imsflow import sim
from imsflow.core.paths import default_tb_dir, kit_dir
from imsflow.core.rerun import run_command
from imsflow.core.types import BuildResult, BuildSpec, Config, JobResult, RunResult
from imsflow.regress import report
from imsflow.regress.jobs import Job, RegressError, Regression, RegressOptions, plan
from imsflow.regress.manifest import make_manifest, options_record, save_result, write_manifest
from imsflow.regress.rundir import cpu_count, link_latest, new_run_dir
from imsflow.regress.shard import select
from imsflow.signoff import metadata
from imsflow.signoff import run as signoff
from imsflow.signoff.verdict import NOT_RUN_STATUSES, goals_scope
from imsflow.sim import spawn


def _not_run(
    spec: BuildSpec, job: Job, tb_dir: Path, log: Path, message: str, status: str = "build_failed"
) -> RunResult:
    return RunResult(
        sim=job.sim,
        config=job.config,
        module=job.test.module,
        testcase=job.test.name,
        seed=job.seed,
        status=status,
        message=message,
        rerun=run_command(spec, job.test.module, job.test.name, job.seed, tb_dir),
        log=log,
        results_xml=log.with_suffix(".xml"),
    )


def run_regression(opts: RegressOptions, out: TextIO | None = None) -> Regression:
    """Build, run the matrix in parallel, write logs + JUnit + summary. Returns the results.

    Raises :class:`RegressError` when there is nothing to run and
    :class:`imsflow.sim.SimulatorMissingError` when a simulator is missing.
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
        link_latest(run_dir)
    for stale in (run_dir / "results").glob("*.json"):  # from an earlier run in this folder
        stale.unlink()
    record = options_record(opts, p.root, tb_dir)
    manifest = make_manifest(p.matrix, p.reruns(), base_seed, opts.shard, workers, options=record)
    write_manifest(run_dir, manifest)
    metadata.write(run_dir, metadata.collect(p.root, base_seed))  # the report's "Run" section

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
    done: dict[Job, RunResult] = {}
    builds: list[BuildResult] = []
    interrupted: KeyboardInterrupt | None = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            builds = _build_all(pool, list(specs.values()), out)
            _run_all(pool, matrix, specs, builds, tb_dir, run_dir, opts, out, start, done)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (ims turns it into this)
            pool.shutdown(wait=False, cancel_futures=True)
            spawn.kill_running()
            interrupted = exc
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            spawn.kill_running()
            raise
    preamble = ""
    if interrupted is not None:
        why = f"interrupted ({interrupted.args[0] if interrupted.args else 'Ctrl-C'})"
        for job in matrix:
            if job not in done:
                log = run_dir / "logs" / f"{job.id}.log"
                spec = specs[(job.sim, job.config)]
                done[job] = _not_run(spec, job, tb_dir, log, f"not run: {why}", "interrupted")
        preamble = f"\nims regress: {why}: running simulators killed; PARTIAL report follows"
    results = [done[j] for j in matrix]
    reg = Regression(run_dir, base_seed, workers, results, builds, time.monotonic() - start)
    # a shard is signed off after the merge, on the whole matrix
    sources = None if opts.shard is not None else signoff_sources(opts, p.root, tb_dir)
    write_reports(reg, out, preamble, sources=sources, goals=opts.goals, scope=opts)
    if interrupted is not None:
        raise interrupted  # ims exits 130; the manifest stays unfinished
    manifest.elapsed = reg.elapsed  # marks the run finished
    write_manifest(run_dir, manifest)
    return reg


def signoff_sources(opts: RegressOptions, root: Path, tb_dir: Path) -> signoff.Sources | None:
    """Testplan, spec and waivers of the sign-off; None when no testplan applies (tests from
    another --tb-dir and no --testplan)."""
    if opts.testplan is None and tb_dir.resolve() != default_tb_dir(root).resolve():
        return None
    root = kit_dir(root)  # its docs/: the checkout's, or the installed kit's copy

    name = opts.toplevel if opts.filelist is None else f"{opts.toplevel} ({opts.filelist.name})"
    # as the bench decides (imsflow.sim.run sets IMS_PROFILE per job the same way)
    profile = os.environ.get("IMS_PROFILE") or ("ims_ctrl" if opts.filelist is None else "none")
    return signoff.Sources(
        root,
        testplan=opts.testplan,
        waivers=opts.waivers,
        title=f"{name} sign-off"
        + ("" if profile == "ims_ctrl" else " (ims_ctrl profile not claimed)"),
        profile_claimed=profile == "ims_ctrl",
    )


def write_reports(
    reg: Regression,
    out: TextIO,
    preamble: str = "",
    *,
    sources: signoff.Sources | None = None,
    goals: bool | None = True,
    coverage_dirs: Sequence[Path] | None = None,
    scope: RegressOptions | None = None,
) -> None:
    """Write the reports of a finished run folder (``results.xml``, ``summary.txt``) and print
    the sign-off summary. ``ims merge`` and the launchers call this too, on merged results:
    every report a run folder gets belongs here.

    With ``sources`` also the testplan sign-off (:mod:`imsflow.signoff.run`): coverage merged from
    ``coverage_dirs`` (default the run folder's ``jobs/``), ``report.html``, ``report.md``, and
    ``reg.conformance``. ``goals``: True evaluate them, False do not, None only when ``scope``
    (the run's options) is the full default matrix (:mod:`imsflow.signoff.verdict`)."""
    not_run = sum(r.status in NOT_RUN_STATUSES for r in reg.results)
    partial = f"{not_run} of {len(reg.results)} jobs not run" if not_run else ""
    report.write_junit(reg.run_dir / "results.xml", reg.results, partial=partial)
    tail = ""
    if sources is not None:
        jobs = [JobResult.from_run(r) for r in reg.results]
        if scope is None:
            enforced, why = goals is not False, "" if goals is not False else "--no-goals"
        else:
            enforced, why = goals_scope(goals, scope.tests, scope.sims, scope.configs)
        reg.conformance, tail = signoff.finish_run(
            reg.run_dir,
            sources,
            jobs,
            goals_enforced=enforced,
            coverage_dirs=coverage_dirs,
            not_evaluated=why,
        )
        tail = "\n" + tail
    final = reg.conformance is None
    head = preamble + "\n" if preamble else ""
    (reg.run_dir / "summary.txt").write_text(head + report.summary(reg, final=final) + tail + "\n")
    if preamble:
        print(preamble, file=out, flush=True)
    print(report.summary(reg, max_failures=20, final=final) + tail, file=out, flush=True)


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
    done: dict[Job, RunResult],
) -> list[RunResult]:
    """Run the matrix; ``done`` collects each result as it comes (what an interrupt keeps)."""
    failed_builds = {(b.spec.sim, b.spec.config): b for b in builds if not b.ok}
    progress = report.Progress(len(matrix), out, start)
    futures: dict[Future[RunResult], Job] = {}
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
