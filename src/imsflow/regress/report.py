"""Regression reporting: progress line, sign-off summary and JUnit XML."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from imsflow.core.paths import project_root
from imsflow.core.types import RunResult
from imsflow.regress.jobs import Regression
from imsflow.signoff.verdict import NOT_RUN_STATUSES


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
    failed = [r for r in results if not r.ok and r.status not in NOT_RUN_STATUSES]
    not_run = [r for r in results if r.status in NOT_RUN_STATUSES]
    n_pass = len(results) - len(failed) - len(not_run)
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
    for title, rs in (("FAILURES", failed), ("NOT RUN", not_run)):
        if not rs:
            continue
        out += ["", f"{title} ({len(rs)}), rerun from the repository root:"]
        shown = rs if max_failures is None else rs[:max_failures]
        for r in shown:
            out += [
                f"  {r.status.upper():<12} {r.name}",
                f"      {r.message.splitlines()[0] if r.message else ''}",
                f"      log:   {_rel(r.log)}",
                f"      rerun: {r.rerun}",
            ]
        if len(shown) < len(rs):
            out.append(f"  ... {len(rs) - len(shown)} more in {_rel(reg.run_dir)}/summary.txt")
    verdict = "PASS" if reg.ok else ("PARTIAL" if not_run else "FAIL")
    extra = f", {len(not_run)} not run" if not_run else ""
    out += [
        "",
        f"{'SIGN-OFF' if final else 'JOBS'}: {verdict} ({n_pass}/{len(results)} jobs passed"
        f"{extra})",
        f"report: {_rel(reg.run_dir / 'results.xml')}, {_rel(reg.run_dir / 'summary.txt')}",
    ]
    return "\n".join(out)


JUNIT_LOG_TAIL = 50
"""Lines of a job's log in its JUnit ``<system-out>``."""


def repo_rel(path: Path | str, root: Path | None = None) -> str:
    """``path`` relative to the repository root (as CI shows it), else as given."""
    root = (root or project_root()).resolve()
    p = Path(path)
    try:
        return str((p if p.is_absolute() else Path.cwd() / p).resolve().relative_to(root))
    except (ValueError, OSError):
        return str(path)


def log_tail(path: Path, lines: int = JUNIT_LOG_TAIL) -> str:
    """The last ``lines`` lines of a log ('' when it does not exist)."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 256 * 1024))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    # XML 1.0 cannot hold most control characters (simulator output may have them)
    text = "".join(c for c in text if c in "\t\n" or c >= " ")
    return "\n".join(text.splitlines()[-lines:])


def junit_names(results: Sequence[RunResult]) -> list[str]:
    """Stable testcase names: ``test[sim,config]``, ``test[sim,config,#2]`` for the second
    seed of the same test (the seed is a property, so names line up across runs in CI)."""
    seen: dict[tuple[str, str, str, str], int] = defaultdict(int)
    names = []
    for r in results:
        key = (r.module, r.testcase or r.module, r.sim, r.config.name)
        seen[key] += 1
        n = seen[key]
        names.append(f"{key[1]}[{r.sim},{r.config.name}{f',#{n}' if n > 1 else ''}]")
    return names


def write_junit(
    path: Path, results: Sequence[RunResult], root: Path | None = None, partial: str = ""
) -> None:
    """JUnit XML: a testsuite per simulator-config, a testcase per job: ``classname`` the cocotb
    module, ``name`` the test with ``[sim,config]`` (no seed: names are stable across runs),
    seed/sim/config/status/log/rerun as properties, the log's last lines as ``<system-out>``;
    a failed job has ``<failure>``, a job that never ran (interrupted, its shard died)
    ``<skipped>``. Paths are relative to the repository root. ``partial``: why the run is
    incomplete (a ``partial`` property of the whole file)."""
    root = (root or project_root()).resolve()
    top = ET.Element("testsuites", name="ims regress")
    if partial:
        props = ET.SubElement(top, "properties")
        ET.SubElement(props, "property", name="partial", value=partial)
    suites: dict[str, ET.Element] = {}
    counts: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for r, name in zip(results, junit_names(results), strict=True):
        key = f"{r.sim}-{r.config.name}"
        if key not in suites:
            suites[key] = ET.SubElement(top, "testsuite", name=key)
        tc = ET.SubElement(
            suites[key], "testcase", classname=r.module, name=name, time=f"{r.wall_s:.3f}"
        )
        props = ET.SubElement(tc, "properties")
        for pname, value in (
            ("seed", str(r.seed)),
            ("sim", r.sim),
            ("config", r.config.name),
            ("status", r.status),
            ("sim_time_ns", f"{r.sim_time_ns:g}"),
            ("log", repo_rel(r.log, root)),
            ("rerun", r.rerun),
        ):
            ET.SubElement(props, "property", name=pname, value=value)
        c = counts[key]
        c[0] += 1
        c[3] += r.wall_s
        first = r.message.splitlines()[0] if r.message else r.status
        if r.status in NOT_RUN_STATUSES:
            c[2] += 1
            ET.SubElement(tc, "skipped", message=first)
        elif not r.ok:
            c[1] += 1
            fail = ET.SubElement(tc, "failure", message=first, type=r.status)
            fail.text = r.describe().replace(str(r.log), repo_rel(r.log, root))
        tail = log_tail(r.log)
        if tail:
            ET.SubElement(tc, "system-out").text = tail
    for key, el in suites.items():
        tests, failures, skipped, wall = counts[key]
        el.set("tests", str(int(tests)))
        el.set("failures", str(int(failures)))
        el.set("errors", "0")
        el.set("skipped", str(int(skipped)))
        el.set("time", f"{wall:.3f}")
    top.set("tests", str(len(results)))
    top.set("failures", str(int(sum(c[1] for c in counts.values()))))
    top.set("errors", "0")
    top.set("skipped", str(int(sum(c[2] for c in counts.values()))))
    top.set("time", f"{sum(c[3] for c in counts.values()):.3f}")
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(top).write(path, encoding="utf-8", xml_declaration=True)
