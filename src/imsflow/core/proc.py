"""Linux process trees: the one place that reads ``/proc`` and kills what a tool left behind.

* :func:`processes` - every process with its state, parent and process group (lazily its
  environment, command line and working directory);
* :func:`group_alive`, :func:`wait_group`, :func:`wait_unreaped`, :func:`kill_and_reap` - a
  child in its own process group (a simulator run, a launcher task);
* :func:`descendants`, :func:`kill_tree` - a child and everything below it (yosys-smtbmc and
  its solver, which runs in a process group of its own);
* :func:`marked_pids` - the processes whose environment holds ``NAME=value`` (a task's mark).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    """One process as ``/proc/<pid>/stat`` shows it."""

    pid: int
    state: str
    ppid: int
    pgrp: int

    @property
    def alive(self) -> bool:
        """Not a zombie (nor dead)."""
        return self.state not in ("Z", "X")

    def environ(self) -> list[bytes]:
        """The ``NAME=value`` entries of its environment; [] when unreadable."""
        try:
            return Path(f"/proc/{self.pid}/environ").read_bytes().split(b"\0")
        except OSError:
            return []

    def cmdline(self) -> list[bytes]:
        """Its argv; [] when unreadable (or a kernel thread)."""
        try:
            return Path(f"/proc/{self.pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return []

    def cwd(self) -> Path | None:
        """Its working directory; None when unreadable."""
        try:
            return Path(os.readlink(f"/proc/{self.pid}/cwd"))
        except OSError:
            return None


def processes() -> Iterator[Proc]:
    """Every process of this machine (Linux ``/proc``); ones that end meanwhile are skipped."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, ...
        yield Proc(int(entry.name), fields[0], int(fields[1]), int(fields[2]))


def group_alive(pgid: int) -> bool:
    """Whether process group ``pgid`` has a live (not zombie) member."""
    return any(p.pgrp == pgid and p.alive for p in processes())


def wait_group(pgid: int, timeout: float) -> bool:
    """Wait until no member of group ``pgid`` is alive; False on timeout."""
    deadline = time.monotonic() + timeout
    while group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def wait_unreaped(pid: int, timeout: float) -> bool:
    """Wait until process ``pid`` has exited, without reaping it; False on timeout.

    While the group leader is unreaped its process-group id cannot be reused, so the group can
    still be killed safely by id.
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def kill_and_reap(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL whatever is left of the process group of ``proc`` (its leader), wait until it is
    gone (the unreaped leader keeps the group id ours meanwhile), then reap the leader."""
    if group_alive(proc.pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        wait_group(proc.pid, 10.0)
    proc.wait()


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for p in processes():
        children.setdefault(p.ppid, []).append(p.pid)
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``proc`` and every process below it, then reap it."""
    for pid in [*descendants(proc.pid), proc.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()


def marked_pids(name: str, value: str) -> list[int]:
    """Pids of the live processes (but this one) whose environment holds ``name=value``."""
    needle = f"{name}={value}".encode()
    me = os.getpid()
    return [p.pid for p in processes() if p.pid != me and p.alive and needle in p.environ()]
