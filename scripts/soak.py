#!/usr/bin/env python3
"""`make soak`: the pre-tape-out soak (issue #16 item 5). Not part of `make test`.

Runs the robustness tests (every `tb/test_robust_*.py`) with the regression runner (`ims regress`:
builds once, shards the jobs over the cores with -j, a wall-clock limit per job) over both
simulators and the default configurations, time-boxed:

* round 1, the matrix: every robustness test x simulator x configuration at the default length;
* rounds 2, 3, ...: the tests that count forbidden events and reassignments (`--counting`,
  default the event fuzz and the reassignment test) at `--items` ($IMS_ROBUST_ITEMS) with a new
  seed each round, until the time box ($SOAK_MINUTES, default 30) is spent. A round that would
  run past the box is stopped at it (SIGINT: the runner kills its simulators and writes a PARTIAL
  report); its jobs that finished count, the ones cut short are listed, not failed.

Every test publishes its per-class counts (`imstb.robust.common.report_counts`, one JSON file per
job in $IMS_ROBUST_COUNTS_DIR); the soak totals them over all jobs and prints one line per class,
"N tried, 0 delivered" (forbidden event classes: cross-PASID, masked, disabled-table,
out-of-range, and any class a test adds, such as PASID operand classes; reassignments: delivered
= cross-owner deliveries). Exit status 1 when a job failed (with its rerun command) or anything
was delivered. Everything lands in build/soak/<run-id>/ (rounds' run folders, counts,
totals.json).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COUNTING = "test_robust_evt_fuzz,test_robust_reassign"


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 30)))
    p.add_argument(
        "--items",
        type=int,
        default=int(os.environ.get("SOAK_ITEMS", 600)),
        help="IMS_ROBUST_ITEMS of the counting rounds (600)",
    )
    p.add_argument(
        "--counting",
        default=DEFAULT_COUNTING,
        help=f"tests of rounds 2.. (--tests of ims regress; {DEFAULT_COUNTING})",
    )
    p.add_argument("--tests", default="test_robust_*", help="tests of round 1 (test_robust_*)")
    p.add_argument("--sim", default="all")
    p.add_argument("--config", default="64x9,1x1,2048x256")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=None, help="base seed (default: from the clock)")
    p.add_argument("--job-timeout", type=int, default=1800, help="per job, seconds (1800)")
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


def _round(
    a: argparse.Namespace,
    k: int,
    tests: str,
    items: int | None,
    seed: int,
    out: Path,
    counts: Path,
    deadline: float,
) -> tuple[list[dict[str, Any]], bool, float]:
    """One `ims regress`; returns its job results, whether the time box cut it, its seconds."""
    run = out / f"round-{k}"
    cmd = [
        str(ROOT / ".venv" / "bin" / "ims"),
        "regress",
        "--tests",
        tests,
        "--sim",
        a.sim,
        "--config",
        a.config,
        "-j",
        str(a.jobs),
        "--seed",
        str(seed),
        "--out",
        str(run),
        "--no-goals",
        "--no-coverage",
        "--timeout",
        str(a.job_timeout),
    ]
    env = dict(os.environ, IMS_ROBUST_COUNTS_DIR=str(counts / f"round-{k}"))
    if items is not None:
        env["IMS_ROBUST_ITEMS"] = str(items)
    else:
        env.pop("IMS_ROBUST_ITEMS", None)
    what = f"IMS_ROBUST_ITEMS={items}" if items is not None else "default length"
    print(f"soak: round {k}: {tests} ({what}), seed {seed} -> {run}", flush=True)
    t0 = time.monotonic()
    log = (out / f"round-{k}.log").open("w")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    cut = False
    while proc.poll() is None:
        if time.monotonic() >= deadline and not cut:
            cut = True
            print(f"soak: round {k} stopped by the time box", flush=True)
            proc.send_signal(signal.SIGINT)  # the runner kills its simulators, PARTIAL report
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            break
        time.sleep(1)
    log.close()
    results = []
    if cut:  # jobs of the matrix without a result were killed at the box (or never started)
        try:
            manifest = json.loads((run / "manifest.json").read_text())
            done = {f.stem for f in (run / "results").glob("*.json")}
            results += [
                {"job": j["id"], "status": "interrupted", "rerun": j.get("rerun", "")}
                for j in manifest.get("jobs", [])
                if j["id"] not in done
            ]
        except (OSError, ValueError, KeyError):
            pass
    for f in sorted((run / "results").glob("*.json")):
        try:
            results.append(json.loads(f.read_text()))
        except (OSError, ValueError) as exc:
            results.append({"job": f.stem, "status": "error", "message": f"unreadable: {exc}"})
    return results, cut, time.monotonic() - t0


def _totals(counts: Path) -> tuple[dict[str, dict[str, int]], int]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"tried": 0, "delivered": 0})
    files = 0
    for f in sorted(counts.rglob("*.json")):
        rec = json.loads(f.read_text())
        files += 1
        for name, c in rec["classes"].items():
            totals[name]["tried"] += int(c["tried"])
            totals[name]["delivered"] += int(c["delivered"])
    return dict(totals), files


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    start = time.monotonic()
    deadline = start + a.minutes * 60
    seed = a.seed if a.seed is not None else int(time.time()) % 1_000_000_000
    out = (a.out or ROOT / "build" / "soak" / time.strftime("%Y%m%d-%H%M%S")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    counts = out / "counts"
    print(
        f"soak: {a.minutes:g} min, -j {a.jobs}, sims {a.sim}, configs {a.config}, base seed "
        f"{seed}, counting rounds at IMS_ROBUST_ITEMS={a.items} -> {out}",
        flush=True,
    )
    failed: list[dict[str, Any]] = []
    cut_jobs: list[str] = []
    passed = rounds = 0
    last = 0.0
    k = 0
    while True:
        k += 1
        left = deadline - time.monotonic()
        if k > 1 and left < min(last, 60.0):
            break  # not even a short round fits
        tests, items = (a.tests, None) if k == 1 else (a.counting, a.items)
        results, cut, last = _round(a, k, tests, items, seed + k - 1, out, counts, deadline)
        rounds += 1
        for r in results:
            if r.get("status") == "passed":
                passed += 1
            elif cut and r.get("status") in ("interrupted", "timeout", "error"):
                cut_jobs.append(r.get("job", "?"))
            else:
                failed.append(r)
        if cut or time.monotonic() >= deadline or (k == 1 and not a.counting):
            break
    totals, files = _totals(counts)
    wall = time.monotonic() - start
    (out / "totals.json").write_text(
        json.dumps(
            {
                "totals": totals,
                "jobs_passed": passed,
                "jobs_failed": len(failed),
                "rounds": rounds,
                "wall_s": round(wall, 1),
                "reports": files,
            },
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )
    print(
        f"\nsoak: {rounds} rounds, {passed} jobs passed, {len(failed)} failed, "
        f"{len(cut_jobs)} cut short by the time box, {files} count reports, "
        f"{wall / 60:.1f} min wall",
        flush=True,
    )
    delivered = 0
    for name in sorted(totals, key=lambda n: (n == "reassignments", n)):
        c = totals[name]
        delivered += c["delivered"]
        what = "cross-owner deliveries" if name == "reassignments" else "delivered"
        print(f"  {name}: {c['tried']} tried, {c['delivered']} {what}")
    # "class, subclass" (the cross-PASID events by PASID operand class) is counted in its class
    forbidden = sum(
        c["tried"]
        for n, c in totals.items()
        if n not in ("reassignments", "late events") and ", " not in n
    )
    print(f"  forbidden events, all classes: {forbidden} tried")
    for r in failed:
        print(
            f"FAILED {r.get('job')}: {r.get('status')} {r.get('message', '')[:200]}\n"
            f"  rerun: {r.get('rerun', '?')}  (with IMS_ROBUST_ITEMS as in its round)"
        )
    if not totals:
        print("soak: no count reports at all (nothing finished in the time box?)")
        return 1
    ok = not failed and delivered == 0
    print(f"SOAK: {'PASS' if ok else 'FAIL'} (details: {out})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
