"""Every task as a subprocess of this machine, each in its own process group."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from imsflow.core.proc import kill_and_reap, wait_unreaped
from imsflow.regress.launchers.base import TASK_MARK, Launcher, Task, TaskState, kill_marked


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
        wait_unreaped(proc.pid, self.kill_grace)  # unreaped: the group id stays ours
        kill_and_reap(proc)

    def _sweep(self, k: int) -> None:
        left = kill_marked(self.mark(k))
        if left:
            self.say(f"task {k} left {len(left)} processes running, killed: {left}")

    def cancel(self) -> None:
        for k, proc in self._procs.items():
            if proc.poll() is None:
                self._stop(proc)
            self._sweep(k)
