"""Test discovery: the cocotb tests of ``tb/test_*.py``, found by reading the source."""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class TestRef:
    """A cocotb test: ``module.name``; ``name`` None means the whole module."""

    __test__ = False  # not a pytest class

    module: str
    name: str | None = None

    @property
    def fullname(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


def _is_cocotb_test(dec: ast.expr) -> ast.Call | bool:
    """True (or the Call) when ``dec`` is ``@cocotb.test`` / ``@cocotb.test(...)``, or pyuvm's
    ``@pyuvm.test(...)`` on a test class (cocotb 2 names that test after the class)."""
    target = dec.func if isinstance(dec, ast.Call) else dec
    name = ast.unparse(target)
    if name not in ("cocotb.test", "pyuvm.test", "test"):
        return False
    return dec if isinstance(dec, ast.Call) else True


def module_tests(path: Path) -> list[str] | None:
    """Names of the enabled cocotb tests in a module, or None when it must run as a whole.

    A module that generates tests (``TestFactory``) or cannot be parsed runs as a whole.
    Tests marked ``skip=True`` are left out (a test filter would make cocotb run them).
    """
    try:
        source = path.read_text()
        tree = ast.parse(source, str(path))
    except (OSError, SyntaxError):
        return None
    if "TestFactory" in source:
        return None
    names: list[str] = []
    for node in tree.body:
        if not isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef | ast.ClassDef):
            continue
        name: str | None = None
        skip = False
        for dec in node.decorator_list:
            found = _is_cocotb_test(dec)
            if not found:
                continue
            name = node.name
            if isinstance(found, ast.Call):
                for kw in found.keywords:
                    if kw.arg == "skip" and isinstance(kw.value, ast.Constant):
                        skip = bool(kw.value.value)
                    elif kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        name = str(kw.value.value)
        if name and not skip:
            names.append(name)
    return names


def discover_tests(tb_dir: Path) -> list[TestRef]:
    """All tests of the cocotb modules ``tb_dir/test_*.py``, in file order."""
    refs: list[TestRef] = []
    for path in sorted(Path(tb_dir).glob("test_*.py")):
        names = module_tests(path)
        if names is None:
            refs.append(TestRef(path.stem))
        else:
            refs.extend(TestRef(path.stem, n) for n in names)
    return refs


def select_tests(tests: Sequence[TestRef], patterns: str | None) -> list[TestRef]:
    """Tests matching any comma-separated shell pattern (on ``module.test``, module or test)."""
    if not patterns:
        return list(tests)
    pats = [p.strip() for p in patterns.split(",") if p.strip()]
    return [
        t
        for t in tests
        if any(
            fnmatch.fnmatchcase(t.fullname, p)
            or fnmatch.fnmatchcase(t.module, p)
            or (t.name is not None and fnmatch.fnmatchcase(t.name, p))
            for p in pats
        )
    ]
