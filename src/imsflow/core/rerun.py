"""The copy-paste commands that rerun a job, to be pasted in the repository root.

Every tool is an ``ims`` subcommand, so every rerun command starts with :func:`ims_prog`.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from imsflow.core.defaults import DEFAULT_TOPLEVEL
from imsflow.core.paths import default_tb_dir, rel
from imsflow.core.types import BuildSpec

CLI_MODULE = "imsflow.cli"


def ims_prog(root: Path) -> list[str]:
    """``.venv/bin/ims`` when this Python is the repository's venv, else ``python -m ...``."""
    venv_ims = root / ".venv" / "bin" / "ims"
    if Path(sys.prefix).resolve() == (root / ".venv").resolve() and venv_ims.exists():
        return [".venv/bin/ims"]
    # inside a simulator sys.executable may name the simulator, not a Python
    exe = sys.executable if Path(sys.executable).name.startswith("python") else "python3"
    return [exe, "-m", CLI_MODULE]


def ims_argv(*args: str) -> list[str]:
    """``python -m imsflow.cli ARGS``: a command a task runs itself (any cwd, this Python)."""
    return [sys.executable, "-m", CLI_MODULE, *args]


def run_command(
    spec: BuildSpec,
    module: str,
    testcase: str | None,
    seed: int,
    tb_dir: Path,
) -> str:
    """``ims run ...``: reruns exactly this simulator job."""
    extra: list[str] = []
    if tb_dir.resolve() != default_tb_dir(spec.root).resolve():
        extra += ["--tb-dir", rel(tb_dir, spec.root)]
    if spec.toplevel != DEFAULT_TOPLEVEL:
        extra += ["--top", spec.toplevel]
    if spec.coverage:
        extra.append("--coverage")
    return sim_run_command(
        spec.root,
        spec.sim,
        spec.config.name,
        module,
        testcase,
        seed,
        filelist=None if spec.filelist is None else rel(spec.filelist, spec.root),
        extra=extra,
    )


def sim_run_command(
    root: Path,
    sim: str,
    config: str,
    module: str,
    testcase: str | None,
    seed: int,
    *,
    filelist: str | None = None,
    extra: Sequence[str] = (),
) -> str:
    """``ims run --sim S --config C --module M [--testcase T] --seed N [--filelist F] EXTRA``:
    the one builder of a simulator rerun command (the regression's and the bench's own)."""
    args = [*ims_prog(root), "run", "--sim", sim, "--config", config, "--module", module]
    if testcase:
        args += ["--testcase", testcase]
    args += ["--seed", str(seed)]
    if filelist is not None:
        args += ["--filelist", filelist]
    return shlex.join([*args, *extra])


def formal_command(root: Path, options: Sequence[str]) -> str:
    """``ims formal OPTIONS``: reruns one formal job."""
    return shlex.join([*ims_prog(root), "formal", *options])
