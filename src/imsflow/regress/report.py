"""Regression reporting: progress line, sign-off summary and JUnit XML."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from imsflow.core.types import RunResult
from imsflow.regress.jobs import Regression


def hms(seconds: float) -> str:
    total = max(0, round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def sim_time(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.1f} {unit}"
    return f"{ns:.0f} ns"


class Progress:
    """``[done/total] passed failed elapsed ETA``: one rewritten line on a terminal, else a line
    per finished job."""

    def __init__(self, total: int, out: TextIO, start: float | None = None) -> None:
        self.total = total
        self.out = out
        self.start = time.monotonic() if start is None else start
        self.done = self.passed = self.failed = 0
        self.tty = bool(getattr(out, "isatty", lambda: False)())

    def line(self) -> str:
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        return (
            f"[{self.done}/{self.total}] passed {self.passed} failed {self.failed} | "
            f"elapsed {hms(elapsed)} ETA {hms(eta) if self.done else '?'}"
        )

    def update(self, r: RunResult) -> None:
        self.done += 1
        if r.ok:
            self.passed += 1
        else:
            self.failed += 1
        verdict = "PASS" if r.ok else r.status.upper()
        job = f"{verdict:<7} {r.name} ({r.wall_s:.1f} s)"
        if self.tty:
            if not r.ok:
                self.out.write(f"\r\033[K{job}\n")
            self.out.write(f"\r\033[K{self.line()}")
        else:
            self.out.write(f"{self.line()}  {job}\n")
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self.out.write("\n")
            self.out.flush()


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    fmt = "  ".join(f"{{:<{w}}}" if i < 2 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*r) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return lines


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def summary(reg: Regression, max_failures: int | None = None, final: bool = True) -> str:
    """The sign-off summary: a table per simulator x configuration, then the failures
    (the first ``max_failures`` of them, or all). ``final=False``: the testplan sign-off
    follows, so the last line is the jobs' verdict (``JOBS:``), not ``SIGN-OFF:``."""
    results = reg.results
    groups: dict[tuple[str, str], list[RunResult]] = defaultdict(list)
    for r in results:
        groups[(r.sim, r.config.name)].append(r)
    rows = [["simulator", "config", "jobs", "passed", "failed", "sim time", "cpu time"]]
    for (s, cfg), rs in groups.items():
        rows.append(
            [
                s,
                cfg,
                str(len(rs)),
                str(sum(r.ok for r in rs)),
                str(sum(not r.ok for r in rs)),
                sim_time(sum(r.sim_time_ns for r in rs)),
                hms(sum(r.wall_s for r in rs)),
            ]
        )
    failed = [r for r in results if not r.ok]
    n_pass = len(results) - len(failed)
    rows.append(
        [
            "total",
            "",
            str(len(results)),
            str(n_pass),
            str(len(failed)),
            sim_time(sum(r.sim_time_ns for r in results)),
            hms(sum(r.wall_s for r in results)),
        ]
    )
    out = [
        "",
        f"=== ims regress sign-off: {reg.run_dir.name} ===",
        f"base seed {reg.base_seed}, -j {reg.jobs}, wall time {hms(reg.elapsed)}",
        "",
        *_table(rows),
    ]
    if failed:
        out += ["", f"FAILURES ({len(failed)}), rerun from the repository root:"]
        shown = failed if max_failures is None else failed[:max_failures]
        for r in shown:
            out += [
                f"  {r.status.upper():<12} {r.name}",
                f"      {r.message.splitlines()[0] if r.message else ''}",
                f"      log:   {_rel(r.log)}",
                f"      rerun: {r.rerun}",
            ]
        if len(shown) < len(failed):
            out.append(f"  ... {len(failed) - len(shown)} more in {_rel(reg.run_dir)}/summary.txt")
    verdict = "PASS" if reg.ok else "FAIL"
    out += [
        "",
        f"{'SIGN-OFF' if final else 'JOBS'}: {verdict} ({n_pass}/{len(results)} jobs passed)",
        f"report: {_rel(reg.run_dir / 'results.xml')}, {_rel(reg.run_dir / 'summary.txt')}",
    ]
    return "\n".join(out)


def write_junit(path: Path, results: Sequence[RunResult]) -> None:
    """JUnit XML: a testsuite per simulator-config, a testcase per job (seed/sim/config as
    properties)."""
    root = ET.Element("testsuites", name="ims regress")
    suites: dict[str, ET.Element] = {}
    counts: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for r in results:
        key = f"{r.sim}-{r.config.name}"
        if key not in suites:
            suites[key] = ET.SubElement(root, "testsuite", name=key)
        tc = ET.SubElement(
            suites[key],
            "testcase",
            classname=f"{key}.{r.module}",
            name=f"{r.testcase or r.module}[seed={r.seed}]",
            time=f"{r.wall_s:.3f}",
        )
        props = ET.SubElement(tc, "properties")
        for name, value in (
            ("sim", r.sim),
            ("config", r.config.name),
            ("seed", str(r.seed)),
            ("status", r.status),
            ("sim_time_ns", f"{r.sim_time_ns:g}"),
            ("log", str(r.log)),
            ("rerun", r.rerun),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        c = counts[key]
        c[0] += 1
        c[2] += r.wall_s
        if not r.ok:
            c[1] += 1
            fail = ET.SubElement(
                tc,
                "failure",
                message=r.message.splitlines()[0] if r.message else r.status,
                type=r.status,
            )
            fail.text = r.describe()
    for key, el in suites.items():
        tests, failures, wall = counts[key]
        el.set("tests", str(int(tests)))
        el.set("failures", str(int(failures)))
        el.set("errors", "0")
        el.set("time", f"{wall:.3f}")
    root.set("tests", str(len(results)))
    root.set("failures", str(sum(not r.ok for r in results)))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
