"""Where things are: the repository root, its RTL, its cocotb tests; file lists."""

from __future__ import annotations

import os
import re
from pathlib import Path


def project_root() -> Path:
    """The repository root: ``IMS_ROOT``, else the checkout this file lives in, else cwd."""
    env = os.environ.get("IMS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[3]
    if (here / "pyproject.toml").is_file() and (here / "src" / "imsflow").is_dir():
        return here
    return Path.cwd().resolve()


def default_tb_dir(root: Path | None = None) -> Path:
    """The folder of the cocotb test modules (``test_*.py``): ``<root>/tb``.

    The one place that says so: the test modules may move.
    """
    return (root or project_root()) / "tb"


def default_sources(root: Path | None = None) -> list[Path]:
    """All ``rtl/*.v`` files of the repository, sorted."""
    rtl = (root or project_root()) / "rtl"
    return sorted(p.resolve() for p in rtl.glob("*.v"))


def read_filelist(path: Path) -> list[Path]:
    """Read a ``.f`` file list: one source per line, relative to the list's folder.

    Blank lines and comments (``#`` or ``//`` to end of line) are ignored.
    """
    path = Path(path).resolve()
    sources: list[Path] = []
    for raw in path.read_text().splitlines():
        line = re.split(r"#|//", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        if line.startswith(("-", "+")):
            raise ValueError(f"{path}: options are not supported in file lists: {line!r}")
        src = Path(os.path.expandvars(line))
        sources.append((src if src.is_absolute() else path.parent / src).resolve())
    if not sources:
        raise ValueError(f"{path}: file list is empty")
    return sources


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given."""
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
