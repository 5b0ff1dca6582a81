"""Code coverage for CI tools and reviewers: LCOV ``.info``, Cobertura XML, annotated source.

Written by the sign-off from the kit's own merged data (:mod:`imsflow.signoff.codecov`) with the
waivers applied, file names relative to the repository root:

* ``coverage/lcov.info`` (``genhtml``, Codecov, Coveralls, IDE gutters),
* ``coverage/cobertura.xml`` (Cobertura ``coverage-04.dtd``: GitLab, Jenkins, Azure DevOps),
* the annotated RTL source in ``report.html`` (:func:`annotate`).

Both formats count *source lines*, the kit's sign-off metric counts *items* (docs/signoff.md), so
the percentages differ a little. A line's hit count is the smallest count of the line and branch
items Verilator put on it that are not waived (a line is covered only when all of them are); a
line whose items are all waived is left out (LCOV, Cobertura) or marked waived (annotated
source). Branch items (the arms of ``if``/``case``/``?:``) are also LCOV ``BRDA`` records and
Cobertura conditions of their line. Toggle and expression items are in neither format.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from imsflow.signoff.codecov import CodeCoverage, Item

__all__ = ["LineInfo", "annotate", "line_table", "to_cobertura", "to_lcov", "write_exports"]


@dataclass
class LineInfo:
    """One source line: its counted items, branch items and waived items."""

    line: int
    items: list[Item] = field(default_factory=list)  # not waived (line and branch)
    waived: list[Item] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        return bool(self.items)

    @property
    def hits(self) -> int:
        return min(i.count for i in self.items) if self.items else 0

    @property
    def covered(self) -> bool:
        return bool(self.items) and all(i.covered for i in self.items)

    @property
    def branches(self) -> list[Item]:
        return [i for i in self.items if i.point.type == "branch"]

    @property
    def reasons(self) -> list[str]:
        return sorted(
            {f"waiver #{i.waiver.index}: {i.waiver.reason}" for i in self.waived if i.waiver}
        )


def line_table(cov: CodeCoverage) -> dict[str, dict[int, LineInfo]]:
    """File (as the report shows it) -> line number -> :class:`LineInfo`, sorted."""
    table: dict[str, dict[int, LineInfo]] = {}
    for name in sorted(cov.files):
        lines: dict[int, LineInfo] = {}
        for item in cov.files[name].lines:
            info = lines.setdefault(item.point.line, LineInfo(item.point.line))
            (info.waived if item.waiver is not None else info.items).append(item)
        table[name] = dict(sorted(lines.items()))
    return table


def to_lcov(cov: CodeCoverage, test_name: str = "ims_regress") -> str:
    """The LCOV tracefile text (``TN``/``SF``/``BRDA``/``BRF``/``BRH``/``DA``/``LF``/``LH``)."""
    out: list[str] = []
    for name, lines in line_table(cov).items():
        counted = [li for li in lines.values() if li.counted]
        if not counted:
            continue
        out += [f"TN:{test_name}", f"SF:{name}"]
        n_br = n_br_hit = 0
        for li in counted:
            for k, b in enumerate(
                sorted(li.branches, key=lambda i: (i.point.column, i.point.comment))
            ):
                out.append(f"BRDA:{li.line},0,{k},{b.count}")
                n_br += 1
                n_br_hit += b.count > 0
        if n_br:
            out += [f"BRF:{n_br}", f"BRH:{n_br_hit}"]
        out += [f"DA:{li.line},{li.hits}" for li in counted]
        out += [f"LF:{len(counted)}", f"LH:{sum(li.covered for li in counted)}", "end_of_record"]
    return "\n".join(out) + ("\n" if out else "")


def _rate(hit: int, total: int) -> str:
    return f"{hit / total:.4g}" if total else "1"


def to_cobertura(cov: CodeCoverage, version: str = "imsflow", timestamp: int | None = None) -> str:
    """Cobertura XML (``coverage-04.dtd``): a package per folder, a class per RTL file."""
    stamp = int(time.time() * 1000) if timestamp is None else timestamp
    packages: dict[str, list[tuple[str, list[LineInfo]]]] = defaultdict(list)
    for name, by_line in line_table(cov).items():
        counted = [li for li in by_line.values() if li.counted]
        if counted:
            folder = str(PurePosixPath(name).parent)
            packages["." if folder in ("", ".") else folder.replace("/", ".")].append(
                (name, counted)
            )

    def tallies(lines: list[LineInfo]) -> tuple[int, int, int, int]:
        branches = [b for li in lines for b in li.branches]
        return (
            sum(li.covered for li in lines),
            len(lines),
            sum(b.covered for b in branches),
            len(branches),
        )

    all_lines = [li for files in packages.values() for _, ls in files for li in ls]
    lh, lf, bh, bf = tallies(all_lines)
    root = ET.Element(
        "coverage",
        {
            "line-rate": _rate(lh, lf),
            "branch-rate": _rate(bh, bf),
            "lines-covered": str(lh),
            "lines-valid": str(lf),
            "branches-covered": str(bh),
            "branches-valid": str(bf),
            "complexity": "0",
            "version": version,
            "timestamp": str(stamp),
        },
    )
    ET.SubElement(ET.SubElement(root, "sources"), "source").text = "."
    pkgs = ET.SubElement(root, "packages")
    for pname in sorted(packages):
        files = packages[pname]
        plines = [li for _, ls in files for li in ls]
        ph, pf, pbh, pbf = tallies(plines)
        pkg = ET.SubElement(
            pkgs,
            "package",
            {
                "name": pname,
                "line-rate": _rate(ph, pf),
                "branch-rate": _rate(pbh, pbf),
                "complexity": "0",
            },
        )
        classes = ET.SubElement(pkg, "classes")
        for fname, flines in files:
            ch, cf, cbh, cbf = tallies(flines)
            cls = ET.SubElement(
                classes,
                "class",
                {
                    "name": PurePosixPath(fname).stem,
                    "filename": fname,
                    "line-rate": _rate(ch, cf),
                    "branch-rate": _rate(cbh, cbf),
                    "complexity": "0",
                },
            )
            ET.SubElement(cls, "methods")
            xlines = ET.SubElement(cls, "lines")
            for li in flines:
                attrs = {"number": str(li.line), "hits": str(li.hits), "branch": "false"}
                br = li.branches
                if br:
                    hit = sum(b.covered for b in br)
                    pct = f"{100 * hit // len(br)}%"
                    attrs["branch"] = "true"
                    attrs["condition-coverage"] = f"{pct} ({hit}/{len(br)})"
                x = ET.SubElement(xlines, "line", attrs)
                if br:
                    conds = ET.SubElement(x, "conditions")
                    ET.SubElement(
                        conds, "condition", {"number": "0", "type": "jump", "coverage": pct}
                    )
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    doctype = '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">'
    return f'<?xml version="1.0" ?>\n{doctype}\n{body}\n'


def write_exports(cov: CodeCoverage, folder: Path) -> list[Path]:
    """Write ``lcov.info`` and ``cobertura.xml`` into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    lcov, cob = folder / "lcov.info", folder / "cobertura.xml"
    lcov.write_text(to_lcov(cov))
    cob.write_text(to_cobertura(cov))
    return [lcov, cob]


@dataclass
class AnnotatedLine:
    number: int
    text: str
    state: str  # covered | uncovered | waived | none (no coverage item on the line)
    hits: int | None
    note: str = ""  # waiver reasons, uncovered items


def annotate(cov: CodeCoverage, name: str) -> list[AnnotatedLine] | None:
    """The source of file ``name`` line by line with its coverage state; None when the file
    cannot be read (``cov.root`` / the name as Verilator recorded it)."""
    base = cov.root or Path.cwd()
    path = Path(name) if Path(name).is_absolute() else base / name
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return None
    lines = line_table(cov).get(name, {})
    out: list[AnnotatedLine] = []
    for n, src in enumerate(text, 1):
        li = lines.get(n)
        if li is None:
            out.append(AnnotatedLine(n, src, "none", None))
        elif not li.counted:
            out.append(AnnotatedLine(n, src, "waived", max(i.count for i in li.waived),
                                     "; ".join(li.reasons)))  # fmt: skip
        else:
            missed = [f"{i.point.type} {i.point.comment}" for i in li.items if not i.covered]
            note = ("not hit: " + ", ".join(missed)) if missed else ""
            if li.waived:
                note = "; ".join([note, *li.reasons]).strip("; ")
            state = "covered" if li.covered else "uncovered"
            out.append(AnnotatedLine(n, src, state, li.hits, note))
    return out
