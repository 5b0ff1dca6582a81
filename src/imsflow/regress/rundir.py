"""Run folders (``build/regress/<run-id>/``) and the CPUs a run may use."""

from __future__ import annotations

import os
import time
from pathlib import Path

from imsflow.regress.jobs import RegressError


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def new_run_dir(root: Path) -> Path:
    base = root / "build" / "regress"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        run_dir = base / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            run_dir.mkdir(parents=True)
            return run_dir
        except FileExistsError:
            continue
    raise RegressError(f"cannot create a run folder under {base}")


def link_latest(run_dir: Path) -> None:
    latest = run_dir.parent / "latest"
    try:
        if latest.is_symlink():
            latest.unlink()
        if not latest.exists():
            latest.symlink_to(run_dir.name)
    except OSError:
        pass
