"""Run metadata for the sign-off report: what ran, where, with which tools.

``metadata.json`` in the run folder: git commit, branch and dirty flag (tracked files differ
from the commit), base seed, the command line, tool versions (python, cocotb, pyuvm, iverilog,
verilator, yosys) and the machine (hostname, cores, OS). ``ims regress`` writes it when the run
starts (so a partial report has it too); ``ims merge`` writes its own.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from imsflow.core.gitinfo import git_state
from imsflow.sim.tools import verilator_bin_dir

__all__ = ["METADATA", "collect", "read", "tool_versions", "write"]

METADATA = "metadata.json"

_command: list[str] | None = None


def note_command(argv: list[str]) -> None:
    """The command line of this process as ``ims`` parsed it (default: ``sys.argv``)."""
    global _command
    _command = list(argv)


def _first_line(cmd: list[str]) -> str | None:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (p.stdout or p.stderr).strip()
    return text.splitlines()[0].strip() if text else None


def _verilator() -> str | None:
    bindir = verilator_bin_dir()
    exe = str(bindir / "verilator") if bindir else shutil.which("verilator")
    return _first_line([exe, "--version"]) if exe else None


def _pkg(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=1)
def tool_versions() -> dict[str, str | None]:
    """Versions of the tools a regression uses (None: not installed); asked once a process."""
    iverilog = shutil.which("iverilog")
    yosys = shutil.which("yosys")
    return {
        "python": platform.python_version(),
        "cocotb": _pkg("cocotb"),
        "pyuvm": _pkg("pyuvm"),
        "iverilog": _first_line([iverilog, "-V"]) if iverilog else None,
        "verilator": _verilator(),
        "yosys": _first_line([yosys, "-V"]) if yosys else None,
    }


def collect(
    root: Path, base_seed: int | None = None, argv: list[str] | None = None
) -> dict[str, Any]:
    """The metadata of a run started now (see the module doc)."""
    args = (_command if _command is not None else sys.argv[1:]) if argv is None else argv
    return {
        **git_state(root),
        "base_seed": base_seed,
        "command": shlex.join(["ims", *args]),
        "cwd": os.getcwd(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "tools": tool_versions(),
        "machine": {
            "hostname": socket.gethostname(),
            "cores": os.cpu_count(),
            "os": platform.platform(),
        },
    }


def write(run_dir: Path, data: dict[str, Any]) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / METADATA
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def read(run_dir: Path) -> dict[str, Any] | None:
    """The run folder's metadata; None when it has none (or it is unreadable)."""
    try:
        data = json.loads((run_dir / METADATA).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
