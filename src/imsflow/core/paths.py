"""Where things are: the repository root, its RTL, its cocotb tests; file lists.

Outside a checkout (the kit installed from a wheel) the work goes to the current folder
(``build/``) and the tests, testplan, spec and RTL come from the installed copy (:func:`kit_dir`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
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


def is_checkout(root: Path) -> bool:
    """True when ``root`` is a checkout of the kit (its sources, tests and docs are there)."""
    return (root / "src" / "imsflow").is_dir() and (root / "tb").is_dir()


def installed_kit() -> Path:
    """Where a wheel install keeps its copies of ``tb/test_*.py``, ``docs/``, ``rtl/``
    (``imsflow/kit/``, made by ``setup.py``; absent in a checkout)."""
    return Path(__file__).resolve().parents[1] / "kit"


def kit_dir(root: Path | None = None) -> Path:
    """The folder with the kit's ``tb/``, ``docs/`` and ``rtl/``: the checkout ``root`` when it
    is one, else the installed copy, else ``root`` (then nothing is found there)."""
    root = (root or project_root()).resolve()
    if is_checkout(root):
        return root
    kit = installed_kit()
    return kit if kit.is_dir() else root


def kit_file(rel: str, root: Path | None = None) -> Path:
    """A file of the kit, e.g. ``docs/testplan.hjson`` (see :func:`kit_dir`)."""
    return kit_dir(root) / rel


def default_tb_dir(root: Path | None = None) -> Path:
    """The folder of the cocotb test modules (``test_*.py``): ``tb/`` of the kit.

    The one place that says so: the test modules may move.
    """
    return kit_dir(root) / "tb"


def default_sources(root: Path | None = None) -> list[Path]:
    """All ``rtl/*.v`` files of the kit, sorted."""
    return sorted(p.resolve() for p in (kit_dir(root) / "rtl").glob("*.v"))


@dataclass(frozen=True)
class FileList:
    """What a ``.f`` file list says: sources, include folders and defines, in order."""

    sources: tuple[Path, ...] = ()
    incdirs: tuple[Path, ...] = ()
    defines: tuple[tuple[str, str], ...] = ()  # (name, value); a bare +define+X is X=1

    @property
    def define_map(self) -> dict[str, str]:
        """Defines as a mapping (a later definition of a name wins, as on a command line)."""
        return dict(self.defines)


_OPT_WITH_ARG = ("-f", "-F", "-I", "-D")


def parse_filelist(path: Path | str) -> FileList:
    """Read a ``.f`` file list, the subset simulators share:

    * one or more sources per line (``#`` or ``//`` starts a comment);
    * ``+incdir+DIR[+DIR...]`` and ``-I DIR`` / ``-IDIR``: include folders;
    * ``+define+NAME[=VAL][+NAME2...]`` and ``-D NAME[=VAL]`` / ``-DNAME[=VAL]``: defines
      (a define without a value is ``NAME=1``, as ``iverilog -DNAME`` has it);
    * ``-f FILE`` / ``-F FILE``: a nested list, read in place.

    Relative paths are relative to the folder of the list that names them (also inside a nested
    list); ``$VAR`` and ``${VAR}`` are expanded. Any other option is an error that names it.
    """
    sources: list[Path] = []
    incdirs: list[Path] = []
    defines: list[tuple[str, str]] = []
    _read_into(Path(path).resolve(), sources, incdirs, defines, ())
    if not sources:
        raise ValueError(f"{Path(path).resolve()}: file list is empty")
    return FileList(tuple(dict.fromkeys(sources)), tuple(dict.fromkeys(incdirs)), tuple(defines))


def read_filelist(path: Path | str) -> list[Path]:
    """The sources of a ``.f`` file list (:func:`parse_filelist`), in order."""
    return list(parse_filelist(path).sources)


def _define(text: str, where: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", name):
        raise ValueError(f"{where}: bad define name {name!r}")
    return name, value if eq else "1"


def _read_into(
    path: Path,
    sources: list[Path],
    incdirs: list[Path],
    defines: list[tuple[str, str]],
    stack: tuple[Path, ...],
) -> None:
    if path in stack:
        chain = " -> ".join(str(p) for p in (*stack, path))
        raise ValueError(f"file list includes itself: {chain}")
    try:
        text = path.read_text()
    except OSError as exc:
        named = f" (named in {stack[-1]})" if stack else ""
        raise ValueError(f"cannot read file list {path}{named}: {exc.strerror}") from None
    base = path.parent

    def resolve(item: str) -> Path:
        p = Path(os.path.expandvars(item))
        return (p if p.is_absolute() else base / p).resolve()

    tokens: list[tuple[int, str]] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = re.split(r"#|//", raw, maxsplit=1)[0]
        tokens.extend((lineno, tok) for tok in line.split())
    i = 0
    while i < len(tokens):
        lineno, tok = tokens[i]
        where = f"{path}:{lineno}"
        i += 1
        if tok in _OPT_WITH_ARG:
            if i >= len(tokens):
                raise ValueError(f"{where}: {tok} needs an argument")
            arg = tokens[i][1]
            i += 1
        elif tok[:2] in ("-I", "-D") and len(tok) > 2:
            tok, arg = tok[:2], tok[2:]
        else:
            arg = ""
        if tok in ("-f", "-F"):
            _read_into(resolve(arg), sources, incdirs, defines, (*stack, path))
        elif tok == "-I":
            incdirs.append(resolve(arg))
        elif tok == "-D":
            defines.append(_define(arg, where))
        elif tok.startswith("+incdir+"):
            incdirs.extend(resolve(d) for d in tok[len("+incdir+") :].split("+") if d)
        elif tok.startswith("+define+"):
            defines.extend(_define(d, where) for d in tok[len("+define+") :].split("+") if d)
        elif tok.startswith(("-", "+")):
            raise ValueError(
                f"{where}: option {tok!r} is not supported in file lists "
                "(supported: +incdir+, +define+, -I, -D, -f, -F)"
            )
        else:
            sources.append(resolve(tok))


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given."""
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
