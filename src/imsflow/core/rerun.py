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
    return [sys.executable, "-m", CLI_MODULE]


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
    args = [*ims_prog(spec.root), "run", "--sim", spec.sim, "--config", spec.config.name]
    args += ["--module", module]
    if testcase:
        args += ["--testcase", testcase]
    args += ["--seed", str(seed)]
    if tb_dir.resolve() != default_tb_dir(spec.root).resolve():
        args += ["--tb-dir", rel(tb_dir, spec.root)]
    if spec.filelist is not None:
        args += ["--filelist", rel(spec.filelist, spec.root)]
    if spec.toplevel != DEFAULT_TOPLEVEL:
        args += ["--top", spec.toplevel]
    if spec.coverage:
        args.append("--coverage")
    return shlex.join(args)


def formal_command(root: Path, options: Sequence[str]) -> str:
    """``ims formal OPTIONS``: reruns one formal job."""
    return shlex.join([*ims_prog(root), "formal", *options])
