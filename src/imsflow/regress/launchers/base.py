"""What every launcher is: N tasks submitted, waited for, each with a final state.

Every process of a task carries the mark ``IMS_TASK=<workdir>#<K>`` in its environment, so
what a task leaves running is found (:func:`marked_pids`) and killed (:func:`kill_marked`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TextIO

from imsflow.core import proc


class LaunchError(RuntimeError):
    """A launcher cannot submit (scheduler missing, submission refused)."""


TASK_MARK = "IMS_TASK"
"""Environment variable that marks every process of one task (``<workdir>#<K>``): what a task
leaves running when it dies (simulators run in their own sessions, which a killed ``ims`` cannot
stop and Slurm's proctrack/linuxproc cannot see) is found by it and killed."""


def marked_pids(mark: str) -> list[int]:
    """Pids of the live processes whose environment holds ``IMS_TASK=<mark>`` (Linux /proc)."""
    return proc.marked_pids(TASK_MARK, mark)


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
