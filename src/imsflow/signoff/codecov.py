"""Code coverage from Verilator ``--coverage``: read ``coverage.dat`` files, merge, apply waivers.

A Verilator coverage file (``# SystemC::Coverage-3``) has one line per coverage point::

    C '<key>' <count>

where ``<key>`` is a list of ``\\x01name\\x02value`` pairs: ``f`` file, ``l`` line, ``n`` column,
``t`` type (``line``, ``branch``, ``expr``, ``toggle``, ...), ``page``, ``o`` comment (for a toggle
point ``signal[bit]:0->1``), ``S`` the lines a block spans, ``h`` the instance, ``s`` the hit
threshold (default 1). The text of a comment may itself contain ``'``.

Merging (:func:`merge_files`) sums the counts of identical keys across files, as
``verilator_coverage`` does; the merged file can be written back (:func:`write_dat`) and merged
again.

Metrics (the sign-off numbers, defined here and in docs/signoff.md). Points are first collapsed
into *items*, one per (file, line, column, type, comment): the instances of a module (and the
parameterisations of different configurations, which Verilator puts on different pages) add up,
so an item is covered when it was hit in any instance of any job -- Verilator's own default
("all hierarchies will be combined into a single count").

* *line* coverage counts the items of type ``line`` and ``branch`` (Verilator's statement blocks
  and the arms of if/case/?:): covered items / items, after removing waived items;
* *toggle* coverage counts ``toggle`` items (one per signal bit and direction), likewise;
* ``expr`` and any other types are reported, not part of a goal.

An item is covered when its merged count is >= its threshold. Per-file numbers use the file path
as Verilator recorded it (shown relative to the repository root when inside it).

Waivers (:func:`load_waivers`) come from an hjson file, normally ``docs/coverage_waivers.hjson``::

    {
      waivers: [
        {
          file: "rtl/ims_ctrl.v"      // glob on the file path (relative to the repo root)
          type: "line"                // line (= line and branch items), toggle, expr or any
          lines: "40-45"              // and/or a line number, a range or a list of them
          signal: "cap_ims[15:*]"     // or a signal pattern (toggle: the name before ':')
          match: "else"               // optional: glob on the Verilator comment
          reason: "why it cannot or need not be covered"   // mandatory
        }
      ]
    }

Only ``*`` and ``?`` are wildcards in ``signal``, ``match`` and ``file`` patterns (brackets are
literal, so ``addr[3]`` means bit 3).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CodeCoverage",
    "CodecovError",
    "FileCoverage",
    "Item",
    "Point",
    "Waiver",
    "WaiverError",
    "collapse",
    "find_dat_files",
    "load_waivers",
    "merge_files",
    "parse_dat",
    "parse_key",
    "summarize",
    "write_dat",
]

HEADER = "# SystemC::Coverage-3"
LINE_TYPES = frozenset({"line", "branch"})
KINDS = ("line", "toggle", "expr", "other")
WAIVER_TYPES = ("line", "toggle", "expr", "any")
MIN_REASON = 10
"""A waiver's reason must have at least this many characters (a sentence, not "n/a")."""

_LONG = {
    "column": "n",
    "filename": "f",
    "linescov": "S",
    "per_instance": "P",
    "thresh": "s",
    "type": "t",
    "comment": "o",
    "hier": "h",
    "lineno": "l",
    "weight": "w",
}
_LINE = re.compile(r"^C '(.*)' (\d+)\s*$")


class CodecovError(ValueError):
    """A coverage file is not in Verilator's format."""


class WaiverError(ValueError):
    """The waiver file is malformed (every problem is listed in the message)."""


# --------------------------------------------------------------------------- points


def parse_key(key: str) -> dict[str, str]:
    """``\\x01f\\x02a.v\\x01l\\x0210`` -> ``{"f": "a.v", "l": "10"}`` (long names shortened)."""
    fields: dict[str, str] = {}
    for part in key.split("\x01"):
        if not part:
            continue
        name, sep, value = part.partition("\x02")
        if not sep:
            raise CodecovError(f"coverage key field without a value: {part!r}")
        fields[_LONG.get(name, name)] = value
    return fields


def _int(text: str, default: int = 0) -> int:
    try:
        return int(text)
    except ValueError:
        return default


@dataclass(frozen=True, order=True)
class Point:
    """The identity of a coverage item (instance and page left out, see the module doc)."""

    file: str
    line: int
    column: int
    type: str
    comment: str

    @property
    def kind(self) -> str:
        """``line`` (line and branch points), ``toggle``, ``expr`` or ``other``."""
        if self.type in LINE_TYPES:
            return "line"
        if self.type in ("toggle", "expr"):
            return self.type
        return "other"

    @property
    def signal(self) -> str:
        """For a toggle point, the signal bit (``data[3]`` of ``data[3]:0->1``); else ''."""
        return self.comment.rsplit(":", 1)[0] if self.type == "toggle" else ""

    @staticmethod
    def from_key(fields: Mapping[str, str]) -> Point:
        return Point(
            file=fields.get("f", ""),
            line=_int(fields.get("l", "0")),
            column=_int(fields.get("n", "0")),
            type=fields.get("t", ""),
            comment=fields.get("o", ""),
        )


def parse_dat(text: str, source: str = "<coverage.dat>") -> Counter[str]:
    """Raw key -> count of one coverage file (repeated keys are summed)."""
    counts: Counter[str] = Counter()
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("C '"):  # fast path: C '<key>' <count>
            end = line.rfind("' ")
            number = line[end + 2 :].strip()
            if end > 2 and number.isdigit():
                counts[line[3:end]] += int(number)
                continue
        if not line.strip() or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise CodecovError(f"{source}:{n}: not a Verilator coverage line: {line[:80]!r}")
        counts[m.group(1)] += int(m.group(2))
    return counts


def find_dat_files(folder: Path | str) -> list[Path]:
    """Every ``coverage*.dat`` under ``folder`` (sorted); [] if absent."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("coverage*.dat") if p.is_file())


@dataclass
class Item:
    point: Point
    count: int = 0
    thresh: int = 1
    hier: set[str] = field(default_factory=set)
    waiver: Waiver | None = None

    @property
    def covered(self) -> bool:
        return self.count >= self.thresh


def collapse(raw: Mapping[str, int]) -> dict[Point, Item]:
    """Merged raw points -> items (counts of the instances of one point summed)."""
    items: dict[Point, Item] = {}
    for key, count in raw.items():
        fields = parse_key(key)
        point = Point.from_key(fields)
        item = items.get(point)
        if item is None:
            item = items[point] = Item(point, thresh=max(1, _int(fields.get("s", "1"), 1)))
        item.count += count
        if "h" in fields:
            item.hier.add(fields["h"])
    return items


# --------------------------------------------------------------------------- waivers


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` and ``?`` wildcards; everything else literal (brackets are bit selects)."""
    out = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.strip())
    return re.compile(out + r"\Z", re.DOTALL)


def _lines(value: object, where: str, errors: list[str]) -> frozenset[int]:
    items = value if isinstance(value, list) else [value]
    out: set[int] = set()
    for v in items:
        if isinstance(v, int) and not isinstance(v, bool) and v > 0:
            out.add(v)
            continue
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(v))
        if not m or (m.group(2) and int(m.group(2)) < int(m.group(1))):
            errors.append(f"{where}: lines must be N, 'A-B' or a list of them, got {v!r}")
            continue
        lo = int(m.group(1))
        out.update(range(lo, int(m.group(2) or lo) + 1))
    return frozenset(out)


@dataclass(frozen=True)
class Waiver:
    """One waiver entry (see the module doc)."""

    index: int
    file: str
    type: str
    reason: str
    lines: frozenset[int] = frozenset()
    signal: str | None = None
    match: str | None = None

    def label(self) -> str:
        what = []
        if self.lines:
            lo, hi = min(self.lines), max(self.lines)
            what.append(f"line {lo}" if lo == hi else f"lines {lo}-{hi}")
        if self.signal:
            what.append(f"signal {self.signal}")
        if self.match:
            what.append(f"comment {self.match}")
        return f"#{self.index} {self.type} {self.file} {' '.join(what)}".strip()

    def matches(self, point: Point, rel_file: str) -> bool:
        if self.type != "any" and point.kind != self.type:
            return False
        if not (_glob(self.file).match(rel_file) or _glob(self.file).match(point.file)):
            return False
        if self.lines and point.line not in self.lines:
            return False
        if self.signal is not None:
            name = point.signal or point.comment
            if not _glob(self.signal).match(name):
                return False
        return self.match is None or bool(_glob(self.match).match(point.comment))


def parse_waivers(data: object, source: str = "waivers") -> list[Waiver]:
    """Validate the waiver data (a mapping with a ``waivers`` list); raise :class:`WaiverError`
    naming every problem."""
    errors: list[str] = []
    entries = data.get("waivers") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise WaiverError(f"{source}: expected {{waivers: [...]}}")
    known = {"file", "type", "lines", "line", "signal", "match", "reason"}
    waivers: list[Waiver] = []
    for i, e in enumerate(entries, 1):
        where = f"{source}: waiver #{i}"
        if not isinstance(e, Mapping):
            errors.append(f"{where}: not a mapping")
            continue
        unknown = sorted(set(e) - known)
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(unknown)}")
        file = e.get("file")
        if not isinstance(file, str) or not file.strip():
            errors.append(f"{where}: 'file' (a path or glob) is required")
            file = ""
        typ = e.get("type")
        if typ not in WAIVER_TYPES:
            errors.append(f"{where}: 'type' must be one of {', '.join(WAIVER_TYPES)}, got {typ!r}")
            typ = "any"
        reason = e.get("reason")
        if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
            errors.append(
                f"{where}: 'reason' is mandatory: say why the item cannot or need not be "
                f"covered (at least {MIN_REASON} characters)"
            )
            reason = ""
        lines: frozenset[int] = frozenset()
        for key in ("line", "lines"):
            if key in e:
                lines |= _lines(e[key], where, errors)
        signal, match = e.get("signal"), e.get("match")
        for key, val in (("signal", signal), ("match", match)):
            if val is not None and (not isinstance(val, str) or not val.strip()):
                errors.append(f"{where}: '{key}' must be a non-empty pattern")
        if not lines and signal is None and match is None:
            errors.append(f"{where}: give 'lines', 'signal' or 'match' (a whole file is too much)")
        waivers.append(
            Waiver(
                index=i,
                file=file.strip(),
                type=str(typ),
                reason=reason.strip(),
                lines=lines,
                signal=signal.strip() if isinstance(signal, str) else None,
                match=match.strip() if isinstance(match, str) else None,
            )
        )
    if errors:
        raise WaiverError("\n".join(errors))
    return waivers


def load_waivers(path: Path | str | None) -> list[Waiver]:
    """Waivers of an hjson file; [] when ``path`` is None or does not exist."""
    if path is None or not Path(path).is_file():
        return []
    import hjson

    try:
        data = hjson.loads(Path(path).read_text())
    except (ValueError, OSError) as exc:
        raise WaiverError(f"{path}: {exc}") from None
    return parse_waivers(data, str(path))


# --------------------------------------------------------------------------- summary


@dataclass
class Tally:
    covered: int = 0
    total: int = 0
    waived: int = 0

    @property
    def pct(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 0.0


@dataclass
class FileCoverage:
    file: str  # as shown (relative to the root when inside it)
    tallies: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KINDS})
    uncovered: list[Item] = field(default_factory=list)
    lines: list[Item] = field(default_factory=list)  # every line/branch item, waived ones too


@dataclass
class CodeCoverage:
    """Merged code coverage of one regression, with waivers applied."""

    files: dict[str, FileCoverage] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    waiver_hits: dict[int, int] = field(default_factory=dict)
    raw: Counter[str] = field(default_factory=Counter)
    root: Path | None = None  # the repository root the file names are relative to

    def tally(self, kind: str) -> Tally:
        t = Tally()
        for f in self.files.values():
            ft = f.tallies[kind]
            t.covered += ft.covered
            t.total += ft.total
            t.waived += ft.waived
        return t

    @property
    def line(self) -> Tally:
        return self.tally("line")

    @property
    def toggle(self) -> Tally:
        return self.tally("toggle")

    def unused_waivers(self) -> list[Waiver]:
        """Waivers that matched nothing (stale: the RTL changed, or a typo)."""
        return [w for w in self.waivers if not self.waiver_hits.get(w.index)]


def _rel(path: str, root: Path | None) -> str:
    if root is None:
        return path
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except (ValueError, OSError):
        return path


def summarize(
    raw: Mapping[str, int], waivers: Sequence[Waiver] = (), root: Path | None = None
) -> CodeCoverage:
    """Collapse merged raw points into items, apply waivers, tally per file and kind.

    A waived item counts in neither the covered nor the total number (also when it was hit).
    """
    cov = CodeCoverage(waivers=list(waivers), raw=Counter(raw), root=root)
    rel_cache: dict[str, str] = {}
    for point, item in sorted(collapse(raw).items()):
        rel = rel_cache.get(point.file)
        if rel is None:
            rel = rel_cache[point.file] = _rel(point.file, root)
        fc = cov.files.setdefault(rel, FileCoverage(rel))
        tally = fc.tallies[point.kind]
        if point.kind == "line":
            fc.lines.append(item)
        for w in waivers:
            if w.matches(point, rel):
                item.waiver = w
                cov.waiver_hits[w.index] = cov.waiver_hits.get(w.index, 0) + 1
                break
        if item.waiver is not None:
            tally.waived += 1
            continue
        tally.total += 1
        if item.covered:
            tally.covered += 1
        else:
            fc.uncovered.append(item)
    return cov


def merge_files(
    paths: Iterable[Path | str], waivers: Sequence[Waiver] = (), root: Path | None = None
) -> CodeCoverage:
    """Read, merge (sum per point) and summarize coverage files. An unreadable file is listed in
    ``errors`` and left out."""
    raw: Counter[str] = Counter()
    inputs: list[Path] = []
    errors: list[str] = []
    for path in paths:
        try:
            counts = parse_dat(Path(path).read_text(errors="replace"), str(path))
        except (OSError, CodecovError) as exc:
            errors.append(str(exc))
            continue
        raw.update(counts)
        inputs.append(Path(path))
    cov = summarize(raw, waivers, root)
    cov.inputs, cov.errors = inputs, errors
    return cov


def write_dat(raw: Mapping[str, int], path: Path | str) -> Path:
    """Write merged points as a Verilator coverage file (readable by ``verilator_coverage``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [HEADER, *(f"C '{k}' {raw[k]}" for k in sorted(raw))]
    path.write_text("\n".join(lines) + "\n")
    return path
