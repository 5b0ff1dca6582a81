"""Distributed regression for real: one simulator (icarus, or the first of IMS_SIM) on the
fixture counter, sharded by hand, through the local launcher and through a one-node Slurm
started on localhost for this module (tests/slurm_cluster.py; stopped at the end, also when a
test fails).

Every way must give the totals of the plain run. Slurm (slurm-wlm + munge) and root are
required: without them the tests fail with the install command, never skip.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from slurm_cluster import ClusterError, LocalSlurm

from imsflow import cli, sim
from imsflow.core.proc import processes
from imsflow.regress import shard

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "counter"
IMS = [sys.executable, "-m", "imsflow.cli"]
SIM = sim.parse_sims(os.environ.get("IMS_SIM"))[0]
DESIGN = ["--sim", SIM, "--config", "64x9", "--tb-dir", str(FIXTURE)]
DESIGN += ["--filelist", str(FIXTURE / "counter.f"), "--top", "counter"]
# 2 tests x 2 seeds: 2 pass, 2 fail on purpose (the totals must agree on failures too)
MATRIX = [*DESIGN, "--tests", "test_counts,test_fails", "--seeds", "2", "--seed", "40"]

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def slurm() -> Iterator[LocalSlurm]:
    try:
        cluster = LocalSlurm.start()
    except ClusterError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster
    finally:
        problems = cluster.stop()
    assert not problems, "the Slurm cluster did not stop cleanly:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def unsharded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("unsharded") / "run"
    assert cli.main(["regress", *MATRIX, "-j", "2", "--out", str(out)]) == 1, "2 jobs fail"
    return out


def totals(run_dir: Path) -> tuple[dict[str, str | None], list[tuple[str, str, str]]]:
    """JUnit totals and the sorted (testcase, status, sim time) of every job."""
    root = ET.parse(run_dir / "results.xml").getroot()
    rows = []
    for tc in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in tc.iter("property")}
        rows.append((tc.get("name") or "", props["status"] or "", props["sim_time_ns"] or ""))
    return {k: root.get(k) for k in ("tests", "failures")}, sorted(rows)


def total_row(run_dir: Path) -> str:
    """The summary's ``total`` row without the cpu time (wall clock differs per run)."""
    row = next(
        r for r in (run_dir / "summary.txt").read_text().splitlines() if r.startswith("total")
    )
    return row.rsplit(None, 1)[0]


def ims(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> tuple[int, str]:
    proc = subprocess.run(
        [*IMS, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return proc.returncode, proc.stdout + proc.stderr


def processes_under(folder: Path, settle: float = 10.0) -> list[str]:
    """Live processes whose working directory is inside ``folder`` (simulators left behind).

    A process killed a moment ago can still be exiting (its cmdline already empty), so the
    list is read again for up to ``settle`` seconds until it is empty; whatever is still there
    after that was left running."""
    deadline = time.monotonic() + settle
    while (found := _processes_under(folder)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def _processes_under(folder: Path) -> list[str]:
    found = []
    for p in processes():
        cwd = p.cwd()
        if cwd is not None and cwd.is_relative_to(folder):
            argv = b"\0".join(p.cmdline())
            found.append(f"{p.pid}: {argv[:120]!r}")
    return found


def test_unsharded_totals(unsharded: Path) -> None:
    head, rows = totals(unsharded)
    assert head == {"tests": "4", "failures": "2"}
    assert {r[1] for r in rows} == {"passed", "failed"}


def test_shards_by_hand_merge_to_the_unsharded_totals(unsharded: Path, tmp_path: Path) -> None:
    shards = {
        k: subprocess.Popen(
            [*IMS, "regress", *MATRIX, "--shard", f"{k}/2", "--out", str(tmp_path / f"s{k}")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for k in (1, 2)
    }
    for k, proc in shards.items():
        text = proc.communicate(timeout=300)[0]
        assert proc.returncode == 1 and f"shard {k}/2: 2 of them" in text, text
    rc, text = ims(
        "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "m")
    )
    assert rc == 1, text
    assert totals(tmp_path / "m") == totals(unsharded)
    assert total_row(tmp_path / "m") == total_row(unsharded)


def test_local_launcher_gives_the_unsharded_totals(unsharded: Path, tmp_path: Path) -> None:
    rc, text = ims(
        "regress", *MATRIX, "--launcher", "local", "--shards", "2", "--out", str(tmp_path / "r")
    )
    assert rc == 1, text
    assert "local: task 1 exited with 1" in text and "local: task 2 exited with 1" in text
    assert "TASK" not in text and "LAUNCH:" not in text, text
    assert totals(tmp_path / "r") == totals(unsharded)
    assert total_row(tmp_path / "r") == total_row(unsharded)


def test_slurm_launcher_gives_the_unsharded_totals(
    slurm: LocalSlurm, unsharded: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r"
    rc, text = ims("regress", *MATRIX, "--launcher", "slurm", "--shards", "2", "--poll", "0.5",
                   "--out", str(out), env=slurm.env)  # fmt: skip
    assert rc == 1, text
    assert "slurm: submitted job" in text and "array 1-2" in text, text
    assert "slurm: task 1 exited with 1" in text and "slurm: task 2 exited with 1" in text, text
    assert "TASK" not in text and "LAUNCH:" not in text, text
    assert totals(out) == totals(unsharded)
    assert total_row(out) == total_row(unsharded)
    script = (out / "tasks" / "ims-shards.sbatch").read_text()
    assert "--shard 1/2" in script and "--shard 2/2" in script and "--seed 40" in script
    assert "shard 1/2: 2 of them" in (out / "tasks" / "task-1.out").read_text()


HANG_ID = f"{SIM}-64x9-test_counter_bad.test_hangs-s7"


def _hanging_run(slurm: LocalSlurm, out: Path, *extra: str) -> subprocess.Popen[str]:
    """Start a Slurm run of test_counts (passes) + test_hangs (runs until killed), one job per
    shard (``extra`` may change that)."""
    matrix = [*DESIGN, "--tests", "test_counts,test_hangs", "--seeds", "1", "--seed", "7"]
    args = [*IMS, "regress", *matrix, "--timeout", "120", "--launcher", "slurm", "--shards", "2",
            "--poll", "0.5", "--out", str(out), *extra]  # fmt: skip
    return subprocess.Popen(
        args, cwd=ROOT, env=slurm.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _start_hanging_run(slurm: LocalSlurm, out: Path) -> tuple[subprocess.Popen[str], int]:
    """:func:`_hanging_run`; return the process and the shard number of the hanging job once
    that job runs."""
    proc = _hanging_run(slurm, out)
    k = next(i for i, ids in enumerate(shard.partition(
        [f"{SIM}-64x9-test_counter.test_counts-s7", HANG_ID], 2), 1) if HANG_ID in ids)  # fmt: skip
    log = out / f"shard-{k}" / "logs" / f"{HANG_ID}.log"
    deadline = time.monotonic() + 60
    while not (log.is_file() and "imsflow.sim.worker" in log.read_text()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the hanging job did not start:\n{proc.communicate()[0]}")
        time.sleep(0.2)
    return proc, k


def _check_lost_job(text: str, k: int, why: str, n: int = 2) -> None:
    assert f"TASK {k} (shard {k}/{n}) {why}" in text, text
    assert f"MISSING      {SIM} 64x9 test_counter_bad.test_hangs seed=7" in text, text
    assert "--testcase test_hangs --seed 7" in text, text
    assert f"LAUNCH: 1 of {n} tasks failed ({k})" in text, text
    # a job a dead task never ran is NOT RUN (skipped in JUnit), and the verdict says PARTIAL
    assert f"SIGN-OFF: PARTIAL ({n - 1}/{n} jobs passed, 1 not run)" in text, text


def test_slurm_task_killed_is_a_failure_with_its_seed(slurm: LocalSlurm, tmp_path: Path) -> None:
    """The shard process of one task is killed (SIGKILL): the task exits non-zero, its job is
    NOT RUN ("missing result") with seed and rerun command, the run fails, the other job counts,
    and the simulator the dead shard left running is killed by the batch script."""
    out = tmp_path / "r"
    proc, k = _start_hanging_run(slurm, out)
    pid = json.loads((out / f"shard-{k}" / "manifest.json").read_text())["pid"]
    os.kill(pid, signal.SIGKILL)
    text = proc.communicate(timeout=120)[0]
    assert proc.returncode == 1, text
    _check_lost_job(text, k, "EXITED (exit 137)")
    assert "left running by the task" in (out / "tasks" / f"task-{k}.out").read_text()
    assert processes_under(out) == []


def test_slurm_task_cancelled_or_over_the_wait_limit(slurm: LocalSlurm, tmp_path: Path) -> None:
    """scancel of one task: CANCELLED; then a run whose wait limit passes: the launcher cancels
    the job and the unfinished task is a TIMEOUT. Lost jobs are failures with their seed."""
    out = tmp_path / "cancelled"
    proc, k = _start_hanging_run(slurm, out)
    job = (out / "tasks" / "slurm-job-id").read_text().strip()
    slurm.run("scancel", f"{job}_{k}", check=True)
    text = proc.communicate(timeout=120)[0]
    assert proc.returncode == 1, text
    _check_lost_job(text, k, f"CANCELLED: Slurm job {job}_{k} CANCELLED")

    out = tmp_path / "waited"
    proc = _hanging_run(slurm, out, "--tests", "test_hangs", "--wait-timeout", "6")
    text = proc.communicate(timeout=120)[0]
    assert proc.returncode == 1, text
    _check_lost_job(text, 1, "TIMEOUT: not finished after 6 s; cancelled", n=1)
    assert processes_under(tmp_path) == []
