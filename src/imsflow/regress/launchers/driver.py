"""``ims regress --launcher ... --shards N``: run the shards as tasks of a launcher, merge them.

:func:`run_launched` fixes the base seed and the matrix, writes ``<run>/manifest.json``, runs
task K into ``<run>/shard-K/`` (task output and exit status in ``<run>/tasks/``), then merges
the shards into ``<run>/``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from imsflow.core.defaults import DEFAULT_BUILD_TIMEOUT, DEFAULT_RUN_TIMEOUT
from imsflow.core.rerun import ims_argv
from imsflow.regress import report
from imsflow.regress.jobs import Plan, Regression, RegressOptions, plan
from imsflow.regress.launchers.base import Launcher, Task, TaskState
from imsflow.regress.launchers.local import LocalLauncher
from imsflow.regress.launchers.slurm import SlurmLauncher
from imsflow.regress.manifest import RESULTS, make_manifest, options_record, write_manifest
from imsflow.regress.merge import MergeOutcome, merge_runs
from imsflow.regress.rundir import cpu_count, link_latest, new_run_dir
from imsflow.regress.shard import Shard

LAUNCHERS: dict[str, type[Launcher]] = {"local": LocalLauncher, "slurm": SlurmLauncher}


@dataclass
class Launched:
    """A regression run through a launcher: the merged results and each task's state."""

    reg: Regression
    tasks: list[TaskState]
    failed_tasks: list[int] = field(default_factory=list)
    merge: MergeOutcome | None = None

    @property
    def ok(self) -> bool:
        """Every task ran to its end and the merged run is signed off."""
        return self.reg.signed_off and not self.failed_tasks


def shard_argv(opts: RegressOptions, plan: Plan, shard: Shard, out: Path, jobs: int) -> list[str]:
    """The ``ims regress`` command of one shard (run in the repository root)."""
    argv = ims_argv("regress", "--shard", str(shard))
    argv += ["--seed", str(plan.base_seed), "--seeds", str(opts.seeds)]
    argv += ["--sim", ",".join(opts.sims), "--config", ",".join(c.name for c in opts.configs)]
    argv += ["-j", str(jobs), "--out", str(out), "--tb-dir", str(plan.tb_dir)]
    if opts.tests:
        argv += ["--tests", opts.tests]
    if opts.filelist is not None:
        argv += ["--filelist", str(Path(opts.filelist).resolve())]
    argv += ["--top", opts.toplevel]
    if opts.timeout is not None:
        argv += ["--timeout", f"{opts.timeout:g}"]
    if not opts.coverage:
        argv.append("--no-coverage")
    if opts.waves:
        argv.append("--waves")
    if opts.waves_on_fail:
        argv.append("--waves-on-fail")
    return argv


def default_task_timeout(opts: RegressOptions, slice_jobs: int, jobs: int) -> float:
    """Builds, plus every job of the slice at its own wall-clock limit, ``jobs`` at a time."""
    run = opts.timeout or float(os.environ.get("IMS_SIM_TIMEOUT", DEFAULT_RUN_TIMEOUT))
    return DEFAULT_BUILD_TIMEOUT + math.ceil(slice_jobs / jobs) * run + 120.0


def _tail(path: Path, lines: int) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def run_launched(
    opts: RegressOptions,
    make_launcher: Callable[[Path], Launcher],
    shards: int,
    *,
    jobs: int | None = None,
    task_timeout: float | None = None,
    wait_timeout: float | None = None,
    out: TextIO | None = None,
) -> Launched:
    """Run the regression as ``shards`` tasks of a launcher, then merge them into one run folder.

    ``jobs`` is the parallel jobs (and CPUs) of one task (default: the CPUs of this machine
    shared by the tasks for the local launcher, 1 otherwise).
    """
    out = out or sys.stdout
    start = time.monotonic()
    p = plan(opts)
    n = max(1, min(shards, len(p.matrix)))
    run_dir = opts.out.resolve() if opts.out else new_run_dir(p.root)
    run_dir.mkdir(parents=True, exist_ok=True)
    if opts.out is None:
        link_latest(run_dir)
    launcher = make_launcher(run_dir / "tasks")
    if jobs is None:
        jobs = max(1, cpu_count() // n) if isinstance(launcher, LocalLauncher) else 1
    record = options_record(opts, p.root, p.tb_dir)
    manifest = make_manifest(
        p.matrix, p.reruns(), p.base_seed, None, jobs * n, shards=n, options=record
    )
    write_manifest(run_dir, manifest)
    slices = {k: [j.id for j in manifest.jobs if j.shard == k] for k in range(1, n + 1)}
    biggest = max(len(s) for s in slices.values())
    if task_timeout is None:
        task_timeout = default_task_timeout(opts, biggest, jobs)
    if wait_timeout is None:
        wait_timeout = launcher.default_wait(task_timeout, n)
    shard_dirs = {k: run_dir / f"shard-{k}" for k in range(1, n + 1)}
    tasks = [
        Task(k, shard_argv(opts, p, Shard(k, n), shard_dirs[k], jobs)) for k in range(1, n + 1)
    ]
    less = f" (not {shards}: {len(p.matrix)} jobs)" if n < shards else ""
    print(
        f"ims regress: {len(p.matrix)} jobs in {n} shards{less} on {launcher.name}, "
        f"-j {jobs} per shard, base seed {p.base_seed}\n  run folder: {run_dir}\n"
        f"  task limit {report.hms(task_timeout)}, wait limit "
        f"{report.hms(wait_timeout)}",
        file=out,
        flush=True,
    )
    env = {"IMS_ROOT": str(p.root), "PYTHONUNBUFFERED": "1"}
    try:
        launcher.submit(tasks, cwd=p.root, env=env, task_timeout=task_timeout, cpus=jobs)
        states = launcher.wait(wait_timeout)
    except BaseException:
        launcher.cancel()
        raise

    notes: list[str] = []
    why: dict[int, str] = {}
    failed: list[int] = []
    for st in states:
        k = st.index
        have = {f.stem for f in (shard_dirs[k] / RESULTS).glob("*.json")}
        missing = [i for i in slices[k] if i not in have]
        if st.state == "exited" and st.exit_code in (0, 1) and not missing:
            continue
        failed.append(k)
        lost = f"{len(missing)} of its {len(slices[k])} jobs have no result"
        notes.append(f"TASK {k} (shard {k}/{n}) {st.describe()}; {lost}")
        notes.append(f"  output: {launcher.output(k)}")
        notes += [f"  | {line}" for line in _tail(launcher.output(k), 5)]
        why[k] = f"{launcher.name} task {k} (shard {k}/{n}) {st.describe()}"
    if failed:
        notes.insert(0, f"{len(failed)} of {n} {launcher.name} tasks failed:")
    reg, outcome = merge_runs(
        [shard_dirs[k] for k in range(1, n + 1)],
        run_dir,
        expected=manifest,
        shard_notes=why,
        notes=notes,
        elapsed=time.monotonic() - start,
        opts=opts,
        strict=False,  # a shard that saw other tests is reported, the others still count
        stream=out,
    )
    if failed:
        print(
            f"LAUNCH: {len(failed)} of {n} tasks failed ({', '.join(map(str, failed))})",
            file=out,
            flush=True,
        )
    return Launched(reg, states, failed, outcome)
