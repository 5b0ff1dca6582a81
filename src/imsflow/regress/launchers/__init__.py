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

from imsflow.regress.launchers.base import (
    TASK_MARK,
    Launcher,
    LaunchError,
    Task,
    TaskState,
    kill_marked,
    marked_pids,
)
from imsflow.regress.launchers.driver import (
    LAUNCHERS,
    Launched,
    default_task_timeout,
    run_launched,
    shard_argv,
)
from imsflow.regress.launchers.local import LocalLauncher
from imsflow.regress.launchers.slurm import SlurmLauncher, parse_sacct, parse_squeue

__all__ = [
    "LAUNCHERS",
    "TASK_MARK",
    "LaunchError",
    "Launched",
    "Launcher",
    "LocalLauncher",
    "SlurmLauncher",
    "Task",
    "TaskState",
    "default_task_timeout",
    "kill_marked",
    "marked_pids",
    "parse_sacct",
    "parse_squeue",
    "run_launched",
    "shard_argv",
]
