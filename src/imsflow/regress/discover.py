"""Test discovery: the cocotb tests of ``tb/test_*.py``, found by reading the source."""

from __future__ import annotations

import ast
import difflib
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


class UnknownTestError(ValueError):
    """A test, module or pattern names nothing: a usage error (``ims`` exits 2)."""


def _close(word: str, candidates: Sequence[str]) -> str:
    plain = word.strip("*?[]") or word
    unique = list(dict.fromkeys(candidates))
    close = difflib.get_close_matches(plain, unique, n=5, cutoff=0.5)
    if close:
        return f"; close: {', '.join(close)}"
    more = f", ... ({len(unique)} in all)" if len(unique) > 8 else ""
    return f"; none close, there are: {', '.join(unique[:8])}{more}" if unique else ""


def check_patterns(tests: Sequence[TestRef], patterns: str | None, where: Path) -> None:
    """Raise :class:`UnknownTestError` for each ``--tests`` pattern that matches no test,
    with the closest names (difflib)."""
    if not patterns:
        return
    names = [t.fullname for t in tests] + [t.module for t in tests]
    names += [t.name for t in tests if t.name]
    bad = [
        p.strip() for p in patterns.split(",") if p.strip() and not select_tests(tests, p.strip())
    ]
    if bad:
        msgs = [f"no test matches {p!r} in {where}/test_*.py{_close(p, names)}" for p in bad]
        raise UnknownTestError("\n".join(msgs))


def check_test(tb_dir: Path, module: str, testcase: str | None) -> None:
    """Raise :class:`UnknownTestError` unless ``tb_dir/module.py`` exists and (when given)
    has the cocotb test ``testcase``; the message lists close names."""
    modules = sorted(p.stem for p in Path(tb_dir).glob("test_*.py"))
    if not (Path(tb_dir) / f"{module}.py").is_file():
        raise UnknownTestError(f"no test module {module!r} in {tb_dir}{_close(module, modules)}")
    if testcase is None:
        return
    names = module_tests(Path(tb_dir) / f"{module}.py")
    if names is None or testcase in names:  # a generated module: cocotb decides
        return
    raise UnknownTestError(f"no test {testcase!r} in {module}{_close(testcase, names)}")
