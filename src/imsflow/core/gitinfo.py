"""The git state of a checkout, for the records a tool writes (reports, status files)."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["git_state"]


def _git(root: Path, *args: str) -> str | None:
    try:
        p = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def git_state(root: Path) -> dict[str, object]:
    """``{"commit": sha or None, "branch": name or None, "dirty": bool or None}``: dirty means
    tracked files differ from the commit (untracked files do not count)."""
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {
        "commit": commit,
        "branch": _git(root, "rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": None if status is None else bool(status),
    }
