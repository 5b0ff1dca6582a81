"""Run the shards of a regression as tasks of a launcher, then merge them.

A :class:`Launcher` submits N task commands (task K runs ``ims regress --shard K/N``), waits for
them with a wall-clock timeout and reports the final state of each task. Two exist:

* :class:`LocalLauncher`: subprocesses on this machine, each in its own process group, each
  killed at the task timeout;
* :class:`SlurmLauncher`: one ``sbatch --array=1-N`` job from a generated batch script; polls
  ``squeue`` (``sacct`` only as a fallback: it needs slurmdbd), reads the exit status file each
  task writes when its command ends, and tells tasks that failed, timed out, were cancelled or
  vanished. Every Slurm command runs with a timeout and sees ``SLURM_CONF``.

Another scheduler (LSF, ...) is one more subclass: ``submit``, ``wait``, ``cancel``.

:func:`run_launched` is the driver behind ``ims regress --launcher ... --shards N``: it fixes the
base seed and the matrix, writes ``<run>/manifest.json``, runs task K into ``<run>/shard-K/``
(task output and exit status in ``<run>/tasks/``), then merges the shards into ``<run>/``. A task
that dies loses only the jobs it had not finished: they are failures "missing result" with their
seed and rerun command, and the task is reported with its state and the end of its output.
"""

from __future__ import annotations

import contextlib
import math
import os
import shlex
import signal
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TextIO

from imsmodel import regress, report, sim
from imsmodel.regress import Regression, RegressOptions
from imsmodel.shard import (
    RESULTS,
    MergeOutcome,
    Shard,
    make_manifest,
    merge_runs,
    options_record,
    write_manifest,
)


class LaunchError(RuntimeError):
    """A launcher cannot submit (scheduler missing, submission refused)."""


TASK_MARK = "IMS_TASK"
"""Environment variable that marks every process of one task (``<workdir>#<K>``): what a task
leaves running when it dies (simulators run in their own sessions, which a killed ``ims`` cannot
stop and Slurm's proctrack/linuxproc cannot see) is found by it and killed."""


def marked_pids(mark: str) -> list[int]:
    """Pids of the live processes whose environment holds ``IMS_TASK=<mark>`` (Linux /proc)."""
    needle = f"{TASK_MARK}={mark}".encode()
    pids: list[int] = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as fh:
                if needle not in fh.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] not in "ZX":
            pids.append(int(entry.name))
    return pids


def kill_marked(mark: str, passes: int = 5) -> list[int]:
    """SIGKILL every process of the task ``mark``; the pids killed. Scans again after a kill:
    a process may have started a child meanwhile."""
    killed: list[int] = []
    for _ in range(passes):
        pids = marked_pids(mark)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed += pids
    return killed


@dataclass(frozen=True)
class Task:
    """One task: ``index`` 1..N, the command it runs (in ``cwd``)."""

    index: int
    argv: list[str]


@dataclass
class TaskState:
    """The final state of a task.

    ``state``: ``exited`` (the command ran to its end; ``exit_code`` is its status), ``failed``
    (the scheduler says the task failed before the command could report), ``timeout``,
    ``cancelled`` or ``vanished`` (the scheduler no longer knows the task and it left no exit
    status).
    """

    index: int
    state: str
    exit_code: int | None = None
    detail: str = ""

    def describe(self) -> str:
        text = self.state.upper()
        if self.exit_code is not None:
            text += f" (exit {self.exit_code})"
        return f"{text}: {self.detail}" if self.detail else text


class Launcher(ABC):
    """Submits N task commands, waits for them, reports a :class:`TaskState` per task.

    ``workdir`` holds ``task-K.out`` (the task's output) and ``task-K.rc`` (its exit status,
    written when the command ends) plus whatever the scheduler needs.
    """

    name: ClassVar[str]

    def __init__(self, workdir: Path, out: TextIO | None = None) -> None:
        self.workdir = Path(workdir).resolve()
        self.out = out or sys.stdout

    def output(self, index: int) -> Path:
        return self.workdir / f"task-{index}.out"

    def marker(self, index: int) -> Path:
        return self.workdir / f"task-{index}.rc"

    def mark(self, index: int) -> str:
        """The value of ``IMS_TASK`` in every process of task ``index``."""
        return f"{self.workdir}#{index}"

    def read_marker(self, index: int) -> int | None:
        try:
            return int(self.marker(index).read_text().strip())
        except (OSError, ValueError):
            return None

    def say(self, text: str) -> None:
        print(f"  {self.name}: {text}", file=self.out, flush=True)

    def default_wait(self, task_timeout: float, count: int) -> float:
        """A wall-clock limit for :meth:`wait` when the user gives none."""
        return task_timeout + 120.0

    @abstractmethod
    def submit(
        self,
        tasks: Sequence[Task],
        *,
        cwd: Path,
        env: Mapping[str, str],
        task_timeout: float,
        cpus: int,
    ) -> None:
        """Start (or queue) every task; each runs at most ``task_timeout`` seconds."""

    @abstractmethod
    def wait(self, timeout: float) -> list[TaskState]:
        """Wait until every task has ended, at most ``timeout`` seconds (then cancel the rest,
        which end as ``timeout``). One state per task, in task order."""

    @abstractmethod
    def cancel(self) -> None:
        """Stop every task that still runs (on Ctrl-C or an error of the caller)."""


# --------------------------------------------------------------------------- local


class LocalLauncher(Launcher):
    """Every task as a subprocess of this machine, all at once, each in its own process group."""

    name = "local"
    kill_grace = 10.0

    def __init__(self, workdir: Path, out: TextIO | None = None, poll: float = 0.2) -> None:
        super().__init__(workdir, out)
        self.poll = poll
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._deadline: dict[int, float] = {}
        self._timeout = 0.0

    def submit(
        self,
        tasks: Sequence[Task],
        *,
        cwd: Path,
        env: Mapping[str, str],
        task_timeout: float,
        cpus: int,
    ) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._timeout = task_timeout
        for t in tasks:
            self.marker(t.index).unlink(missing_ok=True)
            with self.output(t.index).open("wb") as fh:
                fh.write(f"# {shlex.join(t.argv)}\n".encode())
                fh.flush()
                self._procs[t.index] = subprocess.Popen(
                    t.argv,
                    cwd=cwd,
                    env={**os.environ, **env, TASK_MARK: self.mark(t.index)},
                    stdin=subprocess.DEVNULL,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self._deadline[t.index] = time.monotonic() + task_timeout
        pids = ", ".join(str(p.pid) for p in self._procs.values())
        self.say(f"started {len(tasks)} tasks (pids {pids})")

    def wait(self, timeout: float) -> list[TaskState]:
        deadline = time.monotonic() + timeout
        final: dict[int, TaskState] = {}
        while len(final) < len(self._procs):
            now = time.monotonic()
            for k, proc in self._procs.items():
                if k in final:
                    continue
                if proc.poll() is not None:
                    rc = proc.returncode
                    self.marker(k).write_text(f"{rc}\n")
                    final[k] = TaskState(k, "exited", rc)
                    self.say(f"task {k} exited with {rc}")
                    self._sweep(k)
                elif now >= min(self._deadline[k], deadline):
                    limit = "task" if self._deadline[k] <= deadline else "wait"
                    self._stop(proc)
                    secs = self._timeout if limit == "task" else timeout
                    final[k] = TaskState(
                        k, "timeout", None, f"killed at the {limit} wall-clock limit {secs:.0f} s"
                    )
                    self.say(f"task {k} TIMEOUT, killed")
                    self._sweep(k)
            if len(final) < len(self._procs):
                time.sleep(self.poll)
        return [final[k] for k in sorted(final)]

    def _stop(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGTERM the task's group (ims kills its simulators), SIGKILL what is left."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        sim._wait_unreaped(proc.pid, self.kill_grace)  # unreaped: the group id stays ours
        sim._kill_and_reap(proc)

    def _sweep(self, k: int) -> None:
        left = kill_marked(self.mark(k))
        if left:
            self.say(f"task {k} left {len(left)} processes running, killed: {left}")

    def cancel(self) -> None:
        for k, proc in self._procs.items():
            if proc.poll() is None:
                self._stop(proc)
            self._sweep(k)


# --------------------------------------------------------------------------- Slurm

_SLURM_INSTALL = "apt-get install -y slurm-wlm munge (client tools: slurm-client)"
_ACTIVE = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "RESIZING",
           "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SIGNALING",
           "STAGE_OUT", "STOPPED"}  # fmt: skip
_STATE_MAP = {
    "TIMEOUT": "timeout",
    "DEADLINE": "timeout",
    "CANCELLED": "cancelled",
    "PREEMPTED": "cancelled",
    "REVOKED": "cancelled",
}


def parse_squeue(text: str) -> dict[int, tuple[str, str]]:
    """``squeue -r -h -o '%K|%T|%r'`` lines -> array task id -> (state, reason)."""
    tasks: dict[int, tuple[str, str]] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) < 2 or not parts[0].isdigit():
            continue
        tasks[int(parts[0])] = (
            parts[1].strip().upper(),
            parts[2].strip() if len(parts) > 2 else "",
        )
    return tasks


def parse_sacct(text: str, job_id: str) -> dict[int, tuple[str, int | None]]:
    """``sacct -n -P -X -o JobID,State,ExitCode`` lines -> array task id -> (state, exit)."""
    tasks: dict[int, tuple[str, int | None]] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) < 3 or not parts[0].startswith(f"{job_id}_"):
            continue
        task = parts[0][len(job_id) + 1 :]
        if not task.isdigit():
            continue
        code = parts[2].split(":")[0]
        tasks[int(task)] = (parts[1].split()[0].upper(), int(code) if code.isdigit() else None)
    return tasks


class SlurmLauncher(Launcher):
    """The tasks as one Slurm array job (``sbatch --array=1-N``) of a generated batch script."""

    name = "slurm"
    command_timeout = 60.0  # every sbatch/squeue/sacct/scancel call
    marker_grace = 10.0  # a COMPLETED/FAILED task's exit file may lag on a shared file system
    vanish_polls = 3  # polls in a row without the task (and no exit file) -> vanished

    def __init__(
        self,
        workdir: Path,
        out: TextIO | None = None,
        *,
        conf: Path | None = None,
        poll: float = 5.0,
        sbatch_args: Sequence[str] = (),
        job_name: str = "ims-regress",
    ) -> None:
        super().__init__(workdir, out)
        self.poll = poll
        self.sbatch_args = list(sbatch_args)
        self.job_name = job_name
        self.env = dict(os.environ)
        conf = conf or (Path(os.environ["SLURM_CONF"]) if os.environ.get("SLURM_CONF") else None)
        if conf is not None:
            self.env["SLURM_CONF"] = str(Path(conf).resolve())
        self.job_id = ""
        self.count = 0
        self._sacct_ok = True

    def default_wait(self, task_timeout: float, count: int) -> float:
        # tasks may queue and run one after another on a busy cluster
        return task_timeout * count + 600.0

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        """Run a Slurm command with a timeout; OSError/TimeoutExpired pass through."""
        return subprocess.run(
            args,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=self.command_timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def script(self, tasks: Sequence[Task], cwd: Path) -> str:
        """The batch script: array task K runs task K's command and writes its exit status."""
        lines = [
            "#!/bin/sh",
            f"# generated by ims regress --launcher slurm: sbatch --array=1-{len(tasks)} <this>",
            "# array task K runs shard K, then writes its exit status to task-K.rc",
            f"cd {shlex.quote(str(cwd))} || exit 2",
            'case "${SLURM_ARRAY_TASK_ID:-}" in',
        ]
        for t in tasks:
            mark = shlex.quote(self.mark(t.index))
            lines.append(f"  {t.index}) {TASK_MARK}={mark}; set -- {shlex.join(t.argv)} ;;")
        lines += [
            '  *) echo "ims: no task ${SLURM_ARRAY_TASK_ID:-?} in this array" >&2; exit 2 ;;',
            "esac",
            f"export {TASK_MARK}",
            'echo "# task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID on $(hostname): $*"',
            '"$@"',
            "rc=$?",
            "# kill what the command left running: simulators run in their own sessions, which a",
            "# killed ims cannot stop and proctrack/linuxproc cannot see (they carry the mark);",
            "# scan again after a kill: a process may have started a child meanwhile",
            "# (the scan itself runs without the mark)",
            "pass=0",
            'while [ "$pass" -lt 5 ]; do',
            "  pass=$((pass + 1))",
            f'  left=$(env -u {TASK_MARK} sh -c \'grep -lsxzF "{TASK_MARK}=$1" '
            '/proc/[0-9]*/environ | sed -n "s#^/proc/\\([0-9]*\\)/environ\\$#\\1#p"\' '
            f'sh "${TASK_MARK}")',
            '  [ -z "$left" ] && break',
            '  echo "ims: killing" $left "left running by the task" >&2',
            "  kill -9 $left 2>/dev/null",
            "done",
            f"rc_file={shlex.quote(str(self.workdir))}/task-$SLURM_ARRAY_TASK_ID.rc",
            'echo "$rc" > "$rc_file.tmp" && mv -f "$rc_file.tmp" "$rc_file"',
            'exit "$rc"',
            "",
        ]
        return "\n".join(lines)

    def submit(
        self,
        tasks: Sequence[Task],
        *,
        cwd: Path,
        env: Mapping[str, str],
        task_timeout: float,
        cpus: int,
    ) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env.update(env)
        self.count = len(tasks)
        for t in tasks:
            self.marker(t.index).unlink(missing_ok=True)
        path = self.workdir / "ims-shards.sbatch"
        path.write_text(self.script(tasks, cwd))
        path.chmod(0o755)
        minutes = max(1, math.ceil(task_timeout / 60))
        args = [
            "sbatch",
            "--parsable",
            f"--array=1-{len(tasks)}",
            f"--job-name={self.job_name}",
            f"--output={self.workdir}/task-%a.out",
            f"--chdir={cwd}",
            f"--cpus-per-task={cpus}",
            f"--time={minutes}",
            "--no-requeue",
            "--export=ALL",
            *self.sbatch_args,
            str(path),
        ]
        try:
            proc = self._run(args)
        except FileNotFoundError:
            raise LaunchError(
                f"sbatch not found on PATH; install Slurm: {_SLURM_INSTALL}"
            ) from None
        except subprocess.TimeoutExpired:
            raise LaunchError(f"sbatch did not answer in {self.command_timeout:.0f} s") from None
        job = proc.stdout.strip().split(";")[0]
        if proc.returncode != 0 or not job.isdigit():
            raise LaunchError(
                f"sbatch failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()}"
                + ("" if self.env.get("SLURM_CONF") else " (SLURM_CONF is not set)")
            )
        self.job_id = job
        (self.workdir / "slurm-job-id").write_text(job + "\n")
        self.say(
            f"submitted job {job}: array 1-{len(tasks)}, {cpus} CPUs and {minutes} min per task"
        )

    def _squeue(self) -> dict[int, tuple[str, str]] | None:
        """Task id -> (state, reason) as slurmctld knows it now; {} when it no longer knows the
        job; None when squeue could not answer."""
        args = ["squeue", "-h", "-r", "--states=all", "-j", self.job_id, "-o", "%K|%T|%r"]
        try:
            proc = self._run(args)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.say(f"squeue failed ({exc}); retrying")
            return None
        if proc.returncode != 0:
            if "invalid job id" in proc.stderr.lower():
                return {}
            self.say(f"squeue failed (exit {proc.returncode}): {proc.stderr.strip()}; retrying")
            return None
        return parse_squeue(proc.stdout)

    def _sacct(self, index: int) -> tuple[str, int | None] | None:
        """The task's final state from the accounting database, None when there is none."""
        if not self._sacct_ok:
            return None
        args = [
            "sacct",
            "-n",
            "-P",
            "-X",
            "-j",
            f"{self.job_id}_{index}",
            "-o",
            "JobID,State,ExitCode",
        ]
        try:
            proc = self._run(args)
        except (OSError, subprocess.TimeoutExpired):
            self._sacct_ok = False
            return None
        if proc.returncode != 0:  # e.g. "Slurm accounting storage is disabled"
            self._sacct_ok = False
            return None
        return parse_sacct(proc.stdout, self.job_id).get(index)

    def _ended(self, k: int, state: str, reason: str, exit_code: int | None = None) -> TaskState:
        """The TaskState of a task the scheduler says has ended, without an exit status file."""
        where = f"Slurm job {self.job_id}_{k} {state}" + (f" ({reason})" if reason else "")
        kind = _STATE_MAP.get(state, "failed")
        if state == "COMPLETED":
            where += " but the task wrote no exit status"
        return TaskState(k, kind, exit_code, where)

    def wait(self, timeout: float) -> list[TaskState]:
        if not self.job_id:
            raise LaunchError("nothing submitted")
        deadline = time.monotonic() + timeout
        final: dict[int, TaskState] = {}
        seen_state: dict[int, str] = {}
        unseen: dict[int, int] = {}
        ended_at: dict[int, float] = {}
        self._sacct_ok = True
        while True:
            listing = self._squeue()
            now = time.monotonic()
            for k in range(1, self.count + 1):
                if k in final:
                    continue
                rc = self.read_marker(k)
                if rc is not None:
                    final[k] = TaskState(k, "exited", rc)
                    self.say(f"task {k} exited with {rc}")
                    continue
                if listing is None:
                    continue
                if k not in listing:
                    unseen[k] = unseen.get(k, 0) + 1
                    if unseen[k] >= self.vanish_polls:
                        acct = self._sacct(k)
                        if acct is not None and acct[0] not in _ACTIVE:
                            final[k] = self._ended(k, acct[0], "from sacct", acct[1])
                        else:
                            final[k] = TaskState(
                                k, "vanished", None,
                                f"Slurm no longer lists job {self.job_id}_{k} and it wrote no "
                                "exit status",
                            )  # fmt: skip
                        self.say(f"task {k} {final[k].describe()}")
                    continue
                unseen[k] = 0
                state, reason = listing[k]
                base = state.split()[0].rstrip("+")
                if seen_state.get(k) != base and base in _ACTIVE:
                    seen_state[k] = base
                    self.say(
                        f"task {k} {base}" + (f" ({reason})" if reason not in ("", "None") else "")
                    )
                if base in _ACTIVE:
                    continue
                if base in ("COMPLETED", "FAILED"):  # ended by itself: its exit file may lag
                    ended_at.setdefault(k, now)
                    if now - ended_at[k] < self.marker_grace:
                        continue
                final[k] = self._ended(k, base, "" if reason == "None" else reason)
                self.say(f"task {k} {final[k].describe()}")
            if len(final) == self.count:
                return [final[k] for k in sorted(final)]
            if now >= deadline:
                self.say(f"wait limit {timeout:.0f} s reached, cancelling job {self.job_id}")
                self.cancel()
                for k in range(1, self.count + 1):
                    if k not in final:
                        final[k] = TaskState(
                            k, "timeout", None, f"not finished after {timeout:.0f} s; cancelled"
                        )
                return [final[k] for k in sorted(final)]
            time.sleep(self.poll)

    def cancel(self) -> None:
        if not self.job_id:
            return
        try:
            self._run(["scancel", self.job_id])
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.say(f"scancel {self.job_id} failed: {exc}")


LAUNCHERS: dict[str, type[Launcher]] = {"local": LocalLauncher, "slurm": SlurmLauncher}


# --------------------------------------------------------------------------- driver


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


def shard_argv(
    opts: RegressOptions, plan: regress.Plan, shard: Shard, out: Path, jobs: int
) -> list[str]:
    """The ``ims regress`` command of one shard (run in the repository root)."""
    argv = [sys.executable, "-m", "imsmodel.cli", "regress", "--shard", str(shard)]
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
    return argv


def default_task_timeout(opts: RegressOptions, slice_jobs: int, jobs: int) -> float:
    """Builds, plus every job of the slice at its own wall-clock limit, ``jobs`` at a time."""
    run = opts.timeout or float(os.environ.get("IMS_SIM_TIMEOUT", sim.DEFAULT_RUN_TIMEOUT))
    return sim.DEFAULT_BUILD_TIMEOUT + math.ceil(slice_jobs / jobs) * run + 120.0


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
    p = regress.plan(opts)
    n = max(1, min(shards, len(p.matrix)))
    run_dir = opts.out.resolve() if opts.out else regress.new_run_dir(p.root)
    run_dir.mkdir(parents=True, exist_ok=True)
    if opts.out is None:
        regress._link_latest(run_dir)
    launcher = make_launcher(run_dir / "tasks")
    if jobs is None:
        jobs = max(1, regress.cpu_count() // n) if isinstance(launcher, LocalLauncher) else 1
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
