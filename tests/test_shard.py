"""Sharding, merging and the launchers without a simulator or a scheduler.

The regression runs on the fixture tests (tests/fixtures/counter) with a fake simulator
(``sim.build`` / ``sim.run_test`` replaced), so a matrix of 60 jobs takes well under a second.
The real thing (icarus, a one-node Slurm) is tests/test_slurm.py.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imsflow import cli, regress, sim
from imsflow.regress import launchers, manifest, merge, shard
from imsflow.regress.launchers import LocalLauncher, SlurmLauncher, Task, TaskState
from imsflow.regress.shard import Shard

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "counter"
SIMS = ["icarus", "verilator"]
CONFIGS = [sim.Config(64, 9), sim.Config(1, 1)]


# --------------------------------------------------------------------------- fake simulator


class FakeSim:
    """Stands in for the simulator: ``test_fails`` fails, everything else passes; the sim time
    depends on the seed so totals tell runs apart. ``die_after`` jobs, the next one raises
    KeyboardInterrupt (a shard that is killed)."""

    def __init__(self, die_after: int | None = None) -> None:
        self.die_after = die_after
        self.runs = 0

    def build(self, spec: sim.BuildSpec, **_: object) -> sim.BuildResult:
        return sim.BuildResult(spec, True, spec.build_dir / "build.log", 0.0, reused=True)

    def run_test(self, spec: sim.BuildSpec, module: str, **kw: Any) -> sim.RunResult:
        if self.die_after is not None and self.runs >= self.die_after:
            raise KeyboardInterrupt("fake kill")
        self.runs += 1
        testcase, seed = kw["testcase"], kw["seed"]
        ok = testcase != "test_fails"
        log = Path(kw["log"])
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"fake {module}.{testcase} seed {seed}\n")
        return sim.RunResult(
            sim=spec.sim,
            config=spec.config,
            module=module,
            testcase=testcase,
            seed=seed,
            status="passed" if ok else "failed",
            message="" if ok else "fake failure",
            rerun=sim.rerun_command(spec, module, testcase, seed, kw["tb_dir"]),
            log=log,
            results_xml=log.with_suffix(".xml"),
            wall_s=0.25,
            returncode=0 if ok else 1,
            testcases=[sim.CaseResult(testcase, "passed" if ok else "failed", 100.0 + seed)],
        )


@pytest.fixture
def fake_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSim]:
    fake = FakeSim()
    monkeypatch.setattr(sim, "check_simulator", lambda s: {})
    monkeypatch.setattr(sim, "build", fake.build)
    monkeypatch.setattr(sim, "run_test", fake.run_test)
    yield fake


def options(out: Path, **kw: Any) -> regress.RegressOptions:
    base: dict[str, Any] = dict(
        sims=SIMS, configs=CONFIGS, seeds=3, base_seed=40, jobs=4, out=out, tb_dir=FIXTURE,
        filelist=FIXTURE / "counter.f", toplevel="counter", root=ROOT, coverage=False,
    )  # fmt: skip
    base.update(kw)
    return regress.RegressOptions(**base)


def run(out: Path, **kw: Any) -> regress.Regression:
    return regress.run_regression(options(out, **kw), out=io.StringIO())


def junit(run_dir: Path) -> tuple[dict[str, str | None], list[tuple[str, ...]]]:
    """Totals and the sorted (suite, testcase, status, seed, sim time) rows of results.xml."""
    root = ET.parse(run_dir / "results.xml").getroot()
    rows = []
    for suite in root.iter("testsuite"):
        for tc in suite.iter("testcase"):
            props = {p.get("name"): p.get("value") for p in tc.iter("property")}
            rows.append(
                (
                    suite.get("name") or "",
                    tc.get("classname") or "",
                    tc.get("name") or "",
                    props["status"] or "",
                    props["seed"] or "",
                    props["sim_time_ns"] or "",
                )
            )
    return {k: root.get(k) for k in ("tests", "failures")}, sorted(rows)


def table(run_dir: Path) -> list[str]:
    """The summary's table and verdict lines (the header has run name and wall time)."""
    lines = (run_dir / "summary.txt").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("simulator"))
    end = lines.index("", start)
    verdict = [line for line in lines if line.startswith("SIGN-OFF:")]
    return lines[start:end] + verdict


# --------------------------------------------------------------------------- partition


def test_shard_parse() -> None:
    assert Shard.parse("1/2") == Shard(1, 2)
    assert Shard.parse(" 3/3 ") == Shard(3, 3)
    assert str(Shard(2, 4)) == "2/4"
    for bad in ("0/2", "3/2", "1/0", "x", "1/2/3", "-1/2", "1/", "/2", "a/b"):
        with pytest.raises(ValueError):
            Shard.parse(bad)


def test_partition_is_a_deterministic_balanced_cover() -> None:
    ids = [f"icarus-64x9-test_m.t{i}-s{s}" for i in range(7) for s in (1, 2, 3)]
    for n in (1, 2, 3, 5, len(ids)):
        parts = shard.partition(ids, n)
        assert len(parts) == n
        flat = [i for p in parts for i in p]
        assert sorted(flat) == sorted(ids), "every job in exactly one shard"
        sizes = [len(p) for p in parts]
        assert max(sizes) - min(sizes) <= 1
        shuffled = ids[:]
        random.Random(n).shuffle(shuffled)
        assert shard.partition(shuffled, n) == parts, "independent of the matrix order"
    # pinned: round-robin on the sorted ids (a change here changes every sharded run)
    assert shard.partition(["c", "a", "d", "b", "e"], 2) == [["a", "c", "e"], ["b", "d"]]


def test_select_keeps_matrix_order_and_rejects_empty_slices() -> None:
    tests = regress.discover_tests(FIXTURE)
    matrix = regress.make_matrix(tests, regress.seeds_for(40, 2), SIMS, CONFIGS)
    slices = [shard.select(matrix, Shard(k, 3)) for k in (1, 2, 3)]
    assert sorted(j.id for s in slices for j in s) == sorted(j.id for j in matrix)
    for s in slices:
        assert s == [j for j in matrix if j in s], "matrix order kept"
    with pytest.raises(ValueError, match="empty: use at most 2 shards"):
        shard.select(matrix[:2], Shard(3, 3))


def test_cli_list_shards_cover_the_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["regress", "--list", "--tb-dir", str(FIXTURE), "--seeds", "3", "--seed", "9"]
    assert cli.main(argv) == 0
    full = capsys.readouterr().out.split()
    parts = []
    for k in (1, 2, 3):
        assert cli.main([*argv, "--shard", f"{k}/3"]) == 0
        parts.append(capsys.readouterr().out.split())
    assert sorted(i for p in parts for i in p) == sorted(full)
    assert {i.rsplit("-s", 1)[1] for p in parts for i in p} == {"9", "10", "11"}, "same seeds"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--shard", "0/2", "--seed", "1"], "K <= N"),
        (["--shard", "3/2", "--seed", "1"], "K <= N"),
        (["--shard", "1/0", "--seed", "1"], "K <= N"),
        (["--shard", "half", "--seed", "1"], "not K/N"),
        (["--shard", "1/2"], "needs --seed"),
        (["--shard", "1/2", "--seed", "1", "--launcher", "local"], "not with --launcher"),
        (["--shard", "1/2", "--seed", "1", "--shards", "2"], "not with --launcher"),
        (["--launcher", "lsf"], "invalid choice"),
        (["--shards", "0"], "must be >= 1"),
        (["--task-timeout", "5"], "needs --launcher"),
        (["--launcher", "local", "--sbatch-arg=-p x"], "needs --launcher slurm"),
    ],
)
def test_cli_bad_shard_arguments_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["regress", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err, err


def test_cli_launcher_names_are_the_launchers() -> None:
    assert set(cli.LAUNCHER_NAMES) == set(launchers.LAUNCHERS)


# --------------------------------------------------------------------------- shard + merge


def test_shards_merge_to_the_unsharded_run(tmp_path: Path, fake_sim: FakeSim) -> None:
    full = run(tmp_path / "full")
    assert len(full.results) == 5 * 3 * 2 * 2
    parts = [run(tmp_path / f"s{k}", shard=Shard(k, 3)) for k in (1, 2, 3)]
    assert sum(len(p.results) for p in parts) == len(full.results)
    for k, p in enumerate(parts, 1):
        m = manifest.read_manifest(tmp_path / f"s{k}")
        assert m.shard == Shard(k, 3) and m.finished
        assert [j.id for j in m.jobs] == [
            j.id for j in manifest.read_manifest(tmp_path / "full").jobs
        ]
        assert len(list((tmp_path / f"s{k}" / "results").glob("*.json"))) == len(p.results)
    assert not (tmp_path / "s1" / "latest").exists()

    rc = cli.main(
        ["merge", *(str(tmp_path / f"s{k}") for k in (3, 1, 2)), "--out", str(tmp_path / "m")]
    )
    assert rc == 1, "test_fails fails"
    assert junit(tmp_path / "m") == junit(tmp_path / "full")
    assert table(tmp_path / "m") == table(tmp_path / "full")
    # merged in matrix order, not shard order
    merged = ET.parse(tmp_path / "m" / "results.xml").getroot()
    unsharded = ET.parse(tmp_path / "full" / "results.xml").getroot()
    assert [tc.get("name") for tc in merged.iter("testcase")] == [
        tc.get("name") for tc in unsharded.iter("testcase")
    ]
    man = manifest.read_manifest(tmp_path / "m")
    assert man.extra["merged_from"] and man.shard is None


def test_merge_reports_missing_unreadable_and_duplicate_results(
    tmp_path: Path, fake_sim: FakeSim, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path / "s1", shard=Shard(1, 2), tests="test_counts,test_counts_n")
    s2 = run(tmp_path / "s2", shard=Shard(2, 2), tests="test_counts,test_counts_n")
    capsys.readouterr()
    victim = s2.results[0]
    job_id = next(p.stem for p in (tmp_path / "s2" / "results").glob("*.json")
                  if json.loads(p.read_text())["seed"] == victim.seed
                  and json.loads(p.read_text())["testcase"] == victim.testcase
                  and json.loads(p.read_text())["sim"] == victim.sim
                  and json.loads(p.read_text())["config"] == victim.config.name)  # fmt: skip
    (tmp_path / "s2" / "results" / f"{job_id}.json").write_text('{"job": "trunc')

    # shard 2 not given: its jobs are failures with their seed and rerun command
    assert cli.main(["merge", str(tmp_path / "s1"), "--out", str(tmp_path / "m1")]) == 1
    text = capsys.readouterr().out
    n2 = len(s2.results)
    assert f"{n2} jobs have no result" in text
    assert text.count("MISSING") == n2 and "shard 2/2 is not among the merged" in text
    assert f"--seed {victim.seed}" in text
    root = ET.parse(tmp_path / "m1" / "results.xml").getroot()
    # jobs that never ran are <skipped>, not failures; the run is PARTIAL
    assert root.get("failures") == "0" and root.get("skipped") == str(n2)
    assert "SIGN-OFF: PARTIAL" in text

    # shard 2 with one unreadable result, shard 1 given twice
    dirs = [str(tmp_path / d) for d in ("s1", "s2", "s1")]
    assert cli.main(["merge", *dirs, "--out", str(tmp_path / "m2")]) == 1
    text = capsys.readouterr().out
    assert "UNREADABLE" in text and f"seed={victim.seed}" in text
    assert "duplicate result of" in text and "counted once" in text
    root = ET.parse(tmp_path / "m2" / "results.xml").getroot()
    assert root.get("tests") == str(len(s2.results) * 2) and root.get("failures") == "1"


def test_merge_refuses_different_matrices(
    tmp_path: Path, fake_sim: FakeSim, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path / "a", shard=Shard(1, 2), tests="test_counts")
    run(tmp_path / "b", shard=Shard(2, 2), tests="test_counts", base_seed=41)
    capsys.readouterr()
    assert (
        cli.main(["merge", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "m")])
        == 1
    )
    assert "ran a different matrix" in capsys.readouterr().err
    # not strict (a launcher): the odd folder is left out and its shard's jobs are missing
    reg, outcome = merge.merge_runs(
        [tmp_path / "a", tmp_path / "b"], tmp_path / "m0", strict=False, stream=io.StringIO()
    )
    assert any("ran a different matrix than expected" in n for n in outcome.notes)
    missing = [r for r in reg.results if r.status == "missing"]
    assert missing and all("ran a different matrix" in r.message for r in missing)
    assert len(missing) == len(outcome.missing) == len(reg.results) // 2
    assert cli.main(["merge", str(tmp_path / "a"), "--out", str(tmp_path / "a")]) == 1
    assert "is one of the folders to merge" in capsys.readouterr().err
    assert cli.main(["merge", str(tmp_path / "nothing"), "--out", str(tmp_path / "m")]) == 1
    assert "no run manifest" in capsys.readouterr().err


def test_a_killed_shard_keeps_the_jobs_it_finished(
    tmp_path: Path, fake_sim: FakeSim, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path / "s1", shard=Shard(1, 2), tests="test_counts", jobs=1)
    fake_sim.die_after = fake_sim.runs + 2  # shard 2 is killed after two of its jobs
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "s2", shard=Shard(2, 2), tests="test_counts", jobs=1)
    assert len(list((tmp_path / "s2" / "results").glob("*.json"))) == 2
    assert not manifest.read_manifest(tmp_path / "s2").finished
    # the killed shard still wrote a PARTIAL summary and JUnit: its other jobs <skipped>
    assert "SIGN-OFF: PARTIAL" in (tmp_path / "s2" / "summary.txt").read_text()
    xml_root = ET.parse(tmp_path / "s2" / "results.xml").getroot()
    not_run = len(xml_root.findall(".//testcase")) - 2
    assert not_run > 0 and xml_root.get("skipped") == str(not_run)
    assert xml_root.get("failures") == "0"
    capsys.readouterr()
    assert (
        cli.main(
            ["merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "m")]
        )
        == 1
    )
    text = capsys.readouterr().out
    total = 3 * 2 * 2
    missing = total // 2 - 2
    assert f"SIGN-OFF: PARTIAL ({total - missing}/{total} jobs passed, {missing} not run)" in text
    assert "the shard 2/2 did not finish" in text and "did not write it" in text


# --------------------------------------------------------------------------- launchers


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def gone(pid: int, timeout: float = 5.0) -> bool:
    """Whether process ``pid`` has ended (a zombie counts: killed, waiting for its reaper)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        if stat[stat.rindex(")") + 2] in "ZX":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def test_local_launcher_states_timeout_and_leftovers(tmp_path: Path) -> None:
    """Exit statuses come back; a task over its limit is killed; what a task leaves running
    (a process in its own session, like a simulator) is killed by its IMS_TASK mark."""
    orphan = tmp_path / "orphan.pid"
    leaves = (
        "import subprocess, sys; "
        f"p = subprocess.Popen(['sleep', '300'], start_new_session=True); "
        f"open({str(orphan)!r}, 'w').write(str(p.pid)); sys.exit(3)"
    )
    tasks = [
        Task(1, py("print('one')")),
        Task(2, py(leaves)),
        Task(3, py("import time; time.sleep(300)")),
    ]
    launcher = LocalLauncher(tmp_path / "tasks", out=io.StringIO(), poll=0.05)
    launcher.kill_grace = 2.0
    start = time.monotonic()
    launcher.submit(tasks, cwd=tmp_path, env={}, task_timeout=3.0, cpus=1)
    states = launcher.wait(60)
    assert time.monotonic() - start < 20
    assert [(s.index, s.state, s.exit_code) for s in states] == [
        (1, "exited", 0),
        (2, "exited", 3),
        (3, "timeout", None),
    ]
    assert "task wall-clock limit 3 s" in states[2].detail
    assert launcher.output(1).read_text().splitlines()[-1] == "one"
    assert launcher.read_marker(2) == 3
    assert gone(int(orphan.read_text())), "the orphan of task 2 is still running"
    assert launchers.marked_pids(launcher.mark(3)) == []


def test_slurm_parsers() -> None:
    text = "1|RUNNING|None\n2|PENDING|Resources\n3|CANCELLED|None\nN/A|RUNNING|x\n\n"
    assert launchers.parse_squeue(text) == {
        1: ("RUNNING", "None"),
        2: ("PENDING", "Resources"),
        3: ("CANCELLED", "None"),
    }
    acct = "12_1|COMPLETED|0:0\n12_2|FAILED|1:0\n12_3|CANCELLED by 0|0:15\n13_1|FAILED|2:0\n"
    assert launchers.parse_sacct(acct, "12") == {
        1: ("COMPLETED", 0),
        2: ("FAILED", 1),
        3: ("CANCELLED", 0),
    }


def test_slurm_batch_script_runs_its_task_and_cleans_up(tmp_path: Path) -> None:
    """The generated script, run by sh as Slurm would for array task 2: task 2's command runs,
    its exit status lands in task-2.rc, and a process it left behind is killed."""
    orphan = tmp_path / "orphan.pid"
    leaves = (
        "import subprocess, sys; "
        f"p = subprocess.Popen(['sleep', '300'], start_new_session=True); "
        f"open({str(orphan)!r}, 'w').write(str(p.pid)); sys.exit(5)"
    )
    launcher = SlurmLauncher(tmp_path / "my tasks", conf=tmp_path / "slurm.conf")
    assert launcher.env["SLURM_CONF"] == str(tmp_path / "slurm.conf")
    (tmp_path / "my tasks").mkdir()
    script = tmp_path / "job.sh"
    script.write_text(
        launcher.script([Task(1, py("raise SystemExit(9)")), Task(2, py(leaves))], tmp_path)
    )
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_JOB_ID": "77"}
    proc = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 5, proc.stderr
    assert launcher.read_marker(2) == 5 and launcher.read_marker(1) is None
    assert "left running by the task" in proc.stderr
    assert gone(int(orphan.read_text())), "the orphan of the task is still running"
    env["SLURM_ARRAY_TASK_ID"] = "3"
    proc = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no task 3" in proc.stderr


def test_slurm_launcher_without_sbatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    launcher = SlurmLauncher(tmp_path / "tasks")
    with pytest.raises(launchers.LaunchError, match="apt-get install -y slurm-wlm munge"):
        launcher.submit([Task(1, ["true"])], cwd=tmp_path, env={}, task_timeout=60, cpus=1)


class InProcessLauncher(launchers.Launcher):
    """Runs each shard command in this process (through ``ims`` itself, on the fake simulator);
    task ``dies`` is killed after its first job."""

    name = "inproc"

    def __init__(self, workdir: Path, fake: FakeSim, dies: int | None = None) -> None:
        super().__init__(workdir, out=io.StringIO())
        self.fake = fake
        self.dies = dies
        self.tasks: list[Task] = []

    def submit(self, tasks: Any, *, cwd: Path, env: Any, task_timeout: float, cpus: int) -> None:
        assert all(t.argv[1:4] == ["-m", "imsflow.cli", "regress"] for t in tasks)
        self.tasks = list(tasks)

    def wait(self, timeout: float) -> list[TaskState]:
        states = []
        for t in self.tasks:
            self.fake.die_after = self.fake.runs + 1 if t.index == self.dies else None
            states.append(TaskState(t.index, "exited", cli.main(t.argv[3:])))
        return states

    def cancel(self) -> None:
        pass


def test_run_launched_reports_a_dead_task_and_merges(
    tmp_path: Path, fake_sim: FakeSim, capsys: pytest.CaptureFixture[str]
) -> None:
    full = run(tmp_path / "full", seeds=2)
    opts = options(tmp_path / "launched", seeds=2)
    out = io.StringIO()
    done = launchers.run_launched(
        opts, lambda d: InProcessLauncher(d, fake_sim), 3, jobs=2, out=out
    )
    capsys.readouterr()
    assert [s.exit_code for s in done.tasks] == [1, 1, 1] and done.failed_tasks == []
    assert junit(tmp_path / "launched") == junit(tmp_path / "full")
    assert table(tmp_path / "launched") == table(tmp_path / "full")
    assert not done.ok, "test_fails fails"
    assert len(full.results) == len(done.reg.results)

    out = io.StringIO()
    opts = options(tmp_path / "dead", seeds=2)
    done = launchers.run_launched(
        opts, lambda d: InProcessLauncher(d, fake_sim, dies=2), 3, jobs=1, out=out
    )
    capsys.readouterr()
    text = out.getvalue()
    assert done.failed_tasks == [2] and done.tasks[1].exit_code == 130
    n2 = sum(j.shard == 2 for j in manifest.read_manifest(tmp_path / "dead").jobs)
    assert f"TASK 2 (shard 2/3) EXITED (exit 130); {n2 - 1} of its {n2} jobs have no result" in text
    assert text.count("MISSING") == n2 - 1
    assert "missing result: inproc task 2 (shard 2/3) EXITED (exit 130)" in text
    assert "LAUNCH: 1 of 3 tasks failed (2)" in text
    root = ET.parse(tmp_path / "dead" / "results.xml").getroot()
    assert root.get("tests") == str(len(full.results))


def test_slurm_wait_tells_exited_failed_and_vanished_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SlurmLauncher.wait against a fake squeue/sacct: an exit-status file wins; a task Slurm
    calls FAILED without one is failed (after the grace for a lagging file); a task squeue no
    longer lists, that sacct (no slurmdbd) cannot tell, vanished."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "squeue").write_text(
        "#!/bin/sh\nprintf '1|RUNNING|None\\n2|FAILED|NonZeroExitCode\\n'\n"
    )
    (bindir / "sacct").write_text(
        "#!/bin/sh\necho 'Slurm accounting storage is disabled' >&2\nexit 1\n"
    )
    for tool in ("squeue", "sacct"):
        (bindir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    launcher = SlurmLauncher(tmp_path / "tasks", out=io.StringIO(), poll=0.05)
    launcher.marker_grace = 0.3
    launcher.workdir.mkdir()
    launcher.job_id, launcher.count = "5", 3
    launcher.marker(1).write_text("1\n")
    states = launcher.wait(30)
    assert [(s.state, s.exit_code) for s in states] == [
        ("exited", 1),
        ("failed", None),
        ("vanished", None),
    ]
    assert "Slurm job 5_2 FAILED (NonZeroExitCode)" in states[1].detail
    assert "no longer lists job 5_3" in states[2].detail
