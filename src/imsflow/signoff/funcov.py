"""Functional coverage: read the bench's per-test exports and merge them.

The pyuvm bench (``tb/imstb/uvm/coverage.py``) exports cocotb-coverage's database after every
passing test with ``coverage_db.export_to_yaml`` to
``$IMS_COV_DIR/<sim>-<N>x<M>/<test>_<seed>.yml``. One export is a mapping from a coverage item
name to its attributes::

    cg_pasid:                                        # the covergroup node (no bins)
      type: <class 'cocotb_coverage.coverage.CoverItem'>
      ...
    cg_pasid.pasid_en_x_evt_pasid[IMS-040,IMS-045]:  # a coverpoint (or cross) with bins
      at_least: 1
      bins:_hits: {"('pasid_en', 'match')": 3, ...}

This module merges such exports itself (cocotb-coverage's own merge is unreliable, see
``shared/research/toolchain-notes.md``) and never treats the substring "bin" in a name specially.

Merge: items are matched by full name; bins by their text (``str`` of the label). Hits of the same
bin are summed; a bin present in any export is part of the merged coverpoint (each configuration
declares only the bins it can reach, so the merged bin set is their union); ``at_least`` is the
largest seen.

Metric (the sign-off number, defined here and in docs/signoff.md):

* a bin is *covered* when its merged hit count is >= its coverpoint's ``at_least`` (default 1);
* covergroup % = covered bins / all bins, over every coverpoint and cross of the covergroup;
* total % = covered bins / all bins over all covergroups (bins are counted, not percentages
  averaged, and cocotb-coverage weights are ignored).

The covergroup of an item is the first dot-separated part of its name. The spec rules a
coverpoint evidences are the ``IMS-nnn`` IDs in brackets at the end of its name.

A merged result can be written back (:func:`write_export`) in the same layout, as JSON; reading
it again and merging it with more exports gives the same result as merging all inputs at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BINS_KEY",
    "Covergroup",
    "Coverpoint",
    "FuncovError",
    "FunctionalCoverage",
    "find_exports",
    "merge",
    "merge_files",
    "read_export",
    "write_export",
]

BINS_KEY = "bins:_hits"
"""The key under which cocotb-coverage's YAML export lists a coverpoint's bins and hits."""

_RULES = re.compile(r"\[([A-Z]+-\d+(?:\s*,\s*[A-Z]+-\d+)*)\]\s*$")


class FuncovError(ValueError):
    """An export file cannot be read or has the wrong shape."""


def pct(covered: int, total: int) -> float:
    """``100 * covered / total``; 0.0 when there is nothing to cover (no data is not 100 %)."""
    return 100.0 * covered / total if total else 0.0


@dataclass
class Coverpoint:
    """One coverpoint or cross: bin label -> hit count."""

    name: str
    at_least: int = 1
    hits: dict[str, int] = field(default_factory=dict)

    @property
    def covergroup(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def label(self) -> str:
        """The name without its covergroup prefix."""
        parts = self.name.split(".", 1)
        return parts[1] if len(parts) > 1 else parts[0]

    @property
    def rules(self) -> tuple[str, ...]:
        """Spec rule IDs named in brackets at the end of the name, e.g. ``x[IMS-040,IMS-045]``."""
        m = _RULES.search(self.name)
        return tuple(r.strip() for r in m.group(1).split(",")) if m else ()

    @property
    def total(self) -> int:
        return len(self.hits)

    @property
    def covered(self) -> int:
        return sum(1 for h in self.hits.values() if h >= self.at_least)

    @property
    def pct(self) -> float:
        return pct(self.covered, self.total)

    def missing(self) -> list[str]:
        """Labels of the bins not covered, in name order."""
        return sorted(b for b, h in self.hits.items() if h < self.at_least)

    def add(self, other: Coverpoint) -> None:
        self.at_least = max(self.at_least, other.at_least)
        for b, h in other.hits.items():
            self.hits[b] = self.hits.get(b, 0) + h


@dataclass
class Covergroup:
    name: str
    points: dict[str, Coverpoint] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.points.values())

    @property
    def covered(self) -> int:
        return sum(p.covered for p in self.points.values())

    @property
    def pct(self) -> float:
        return pct(self.covered, self.total)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for p in self.points.values() for r in p.rules))


@dataclass
class FunctionalCoverage:
    """Merged functional coverage: covergroups by name, the files merged and read errors."""

    groups: dict[str, Covergroup] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups.values())

    @property
    def covered(self) -> int:
        return sum(g.covered for g in self.groups.values())

    @property
    def pct(self) -> float:
        return pct(self.covered, self.total)

    def points(self) -> list[Coverpoint]:
        return [p for g in self.groups.values() for p in g.points.values()]

    def add_point(self, point: Coverpoint) -> None:
        group = self.groups.setdefault(point.covergroup, Covergroup(point.covergroup))
        mine = group.points.get(point.name)
        if mine is None:
            group.points[point.name] = Coverpoint(point.name, point.at_least, dict(point.hits))
        else:
            mine.add(point)

    def add_group(self, name: str) -> None:
        """Register a covergroup that may have no coverpoints (a node of the export)."""
        self.groups.setdefault(name, Covergroup(name))


# --------------------------------------------------------------------------- reading


def _load(path: Path) -> object:
    text = path.read_text()
    if path.suffix == ".json":
        return json.loads(text)
    import yaml

    # cocotb-coverage writes plain block YAML; the safe loader reads it (and JSON). The C loader
    # (libyaml) is several times faster when PyYAML was built with it.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FuncovError(f"{what}: hit count must be a non-negative number, got {value!r}")
    return int(value)


def read_export(path: Path | str) -> tuple[list[str], list[Coverpoint]]:
    """Covergroup names and coverpoints of one export (cocotb-coverage YAML or our JSON).

    Raises :class:`FuncovError` when the file is unreadable or not an export.
    """
    path = Path(path)
    try:
        data = _load(path)
    except (OSError, ValueError) as exc:
        raise FuncovError(f"{path}: unreadable coverage export: {exc}") from None
    except Exception as exc:  # yaml.YAMLError and friends
        raise FuncovError(f"{path}: unreadable coverage export: {exc}") from None
    if data is None:
        return [], []
    if not isinstance(data, Mapping):
        raise FuncovError(f"{path}: a coverage export is a mapping of item names")
    groups: list[str] = []
    points: list[Coverpoint] = []
    for name, attrs in data.items():
        name = str(name)
        if not isinstance(attrs, Mapping):
            raise FuncovError(f"{path}: item {name!r} is not a mapping")
        if BINS_KEY not in attrs:
            if "." not in name:
                groups.append(name)
            continue
        bins = attrs[BINS_KEY]
        if bins is None:
            bins = {}
        if not isinstance(bins, Mapping):
            raise FuncovError(f"{path}: {name!r}: {BINS_KEY} is not a mapping")
        at_least = attrs.get("at_least", 1)
        hits: dict[str, int] = {}
        for label, count in bins.items():
            key = str(label)
            hits[key] = hits.get(key, 0) + _int(count, f"{path}: {name!r} bin {key!r}")
        points.append(Coverpoint(name, max(1, _int(at_least, f"{path}: {name!r} at_least")), hits))
    return groups, points


def find_exports(folder: Path | str) -> list[Path]:
    """Every coverage export (``*.yml``, ``*.yaml``) under ``folder``, sorted; [] if absent."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for ext in ("*.yml", "*.yaml") for p in folder.rglob(ext) if p.is_file())


def merge(parts: Iterable[tuple[Iterable[str], Iterable[Coverpoint]]]) -> FunctionalCoverage:
    """Merge already-read exports (``(groups, points)`` pairs)."""
    cov = FunctionalCoverage()
    for groups, points in parts:
        for g in groups:
            cov.add_group(g)
        for p in points:
            cov.add_point(p)
    return cov


def merge_files(paths: Iterable[Path | str]) -> FunctionalCoverage:
    """Read and merge export files. An unreadable file is listed in ``errors`` (and merged as
    nothing) so that one bad job cannot hide the coverage of all others."""
    cov = FunctionalCoverage()
    for path in paths:
        try:
            groups, points = read_export(path)
        except FuncovError as exc:
            cov.errors.append(str(exc))
            continue
        cov.files.append(Path(path))
        for g in groups:
            cov.add_group(g)
        for p in points:
            cov.add_point(p)
    return cov


def write_export(cov: FunctionalCoverage, path: Path | str) -> Path:
    """Write merged coverage as JSON in the export layout (readable by :func:`read_export`)."""
    data: dict[str, Any] = {}
    for g in sorted(cov.groups.values(), key=lambda g: g.name):
        data[g.name] = {"covered": g.covered, "size": g.total}
        for p in sorted(g.points.values(), key=lambda p: p.name):
            data[p.name] = {
                "at_least": p.at_least,
                "covered": p.covered,
                "size": p.total,
                BINS_KEY: dict(sorted(p.hits.items())),
            }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path
