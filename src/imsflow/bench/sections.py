"""The sections of `ims bench`: each measures one thing and returns rows of the table."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imsflow.bench import model_perf
from imsflow.core.defaults import SIMULATORS
from imsflow.core.paths import project_root
from imsflow.core.rerun import ims_argv
from imsflow.core.types import Config
from imsflow.sim.build import make_build
from imsflow.sim.run import run_test
from imsflow.sim.tools import verilator_bin_dir


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
    out_dir = project_root() / "build" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    configs = [Config(64, 9)] if args.quick else [Config(64, 9), Config(2048, 256)]
    for cfg in configs:
        out = out_dir / f"rtl_perf_{args.sim}_{cfg.name}.jsonl"
        out.unlink(missing_ok=True)
        spec = make_build(args.sim, cfg)
        res = run_test(
            spec,
            "rtl_perf",
            tb_dir=project_root() / "bench",
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
    cmd = [sys.executable, str(project_root() / "scripts" / "synth_report.py")]
    proc = subprocess.run(cmd, cwd=project_root(), capture_output=True, text=True, timeout=1800)
    summary = project_root() / "build" / "synth" / "summary.json"
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
    cfg = Config(64, 9)
    out_dir = project_root() / "build" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for simulator in SIMULATORS:
        rates: dict[str, list[float]] = {t: [] for t in BENCH_TESTS}
        ratios: list[float] = []
        cpu_ratios: list[float] = []  # the same by process CPU time (less sensitive to load)
        info: dict[str, Any] = {}
        failed = ""
        try:
            spec = make_build(simulator, cfg)
            for rep in range(repeats):
                got: dict[str, float] = {}
                got_cpu: dict[str, float] = {}
                for test in BENCH_TESTS:  # interleaved: load drift hits both alike
                    out = out_dir / f"bench_tb_{simulator}_{test}_{rep}.jsonl"
                    out.unlink(missing_ok=True)
                    res = run_test(
                        spec,
                        "bench_throughput",
                        testcase=test,
                        tb_dir=project_root() / "bench",
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
    prog = [str(ims)] if ims.exists() else ims_argv()
    env = dict(os.environ)
    vbin = verilator_bin_dir()
    if vbin is not None:
        env["PATH"] = f"{vbin}{os.pathsep}{env['PATH']}"
    out_dir = project_root() / "build" / "bench"

    def regress(*more: str, out: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
        cmd = [*prog, "regress", "--seed", "1", "--out", str(out), *more]
        start = time.monotonic()
        proc = subprocess.run(
            cmd, cwd=project_root(), env=env, capture_output=True, text=True, timeout=6 * 3600
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
