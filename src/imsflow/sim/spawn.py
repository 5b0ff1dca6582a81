"""Run the cocotb runner child (:mod:`imsflow.sim.worker`) in its own process group with a
wall-clock timeout; kill the whole group on timeout, Ctrl-C or error."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from imsflow.core.proc import kill_and_reap, wait_group, wait_unreaped

_RUNNING: set[int] = set()
_RUNNING_LOCK = threading.Lock()


def kill_running() -> None:
    """Kill the process groups of all simulator runs started by this process (e.g. on Ctrl-C)."""
    with _RUNNING_LOCK:  # held: a listed group leader cannot be reaped meanwhile
        for pid in _RUNNING:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


@dataclass
class Outcome:
    returncode: int | None
    timed_out: bool
    seconds: float


def run_worker(
    job: Mapping[str, object],
    env_add: Mapping[str, str],
    job_file: Path,
    log: Path,
    cwd: Path,
    timeout: float,
) -> Outcome:
    """Run the cocotb runner in a child process group; kill the whole group on timeout."""
    job_file.parent.mkdir(parents=True, exist_ok=True)
    job_file.write_text(json.dumps(job, indent=1))
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **env_add}
    env["PYTHONUNBUFFERED"] = "1"
    cmd = [sys.executable, "-m", "imsflow.sim.worker", str(job_file)]
    start = time.monotonic()
    with log.open("w") as out:
        out.write(f"# {shlex.join(cmd)}\n# cwd: {cwd}\n")
        out.flush()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: a timeout kills the simulator too
        )
        with _RUNNING_LOCK:
            _RUNNING.add(proc.pid)
        try:
            exited = wait_unreaped(proc.pid, timeout)
            if not exited:
                out.write(f"\n# ims: wall-clock TIMEOUT after {timeout:.0f} s, killing\n")
                out.flush()
                os.killpg(proc.pid, signal.SIGTERM)  # lets cocotb write what it has
                wait_group(proc.pid, 3.0)
        finally:  # also on Ctrl-C or pytest-timeout: never leave a simulator behind
            with _RUNNING_LOCK:
                _RUNNING.discard(proc.pid)
            kill_and_reap(proc)
    return Outcome(proc.returncode, not exited, time.monotonic() - start)


def tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])
