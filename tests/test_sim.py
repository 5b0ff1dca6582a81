"""Simulator tests: the cocotb benches of tb/ on both simulators and every configuration, and a
permanent self-test of the runner (imsflow.sim) on a fixture counter (tests/fixtures/counter).

IMS_SIM=icarus|verilator restricts the simulators (`make test SIM=...`); IMS_SEED fixes the seed
of the tb/ runs (default: a random seed, printed with the rerun command on failure).
A missing simulator is a failure with the install command, never a skip.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from imsflow import sim

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "counter"
SAMPLER_FIXTURE = ROOT / "tests" / "fixtures" / "sampler"
SIMS = sim.parse_sims(os.environ.get("IMS_SIM"))
TB_MODULES = sorted(p.stem for p in (ROOT / "tb").glob("test_*.py"))

pytestmark = pytest.mark.sim


def fixture_spec(simulator: str, config: sim.Config = sim.DEFAULT_CONFIG) -> sim.BuildSpec:
    return sim.make_build(
        simulator, config, filelist=FIXTURE / "counter.f", toplevel="counter", root=ROOT
    )


def run_fixture(
    simulator: str,
    module: str,
    testcase: str | None = None,
    config: sim.Config = sim.DEFAULT_CONFIG,
    **kwargs: object,
) -> sim.RunResult:
    return sim.run_test(
        fixture_spec(simulator, config),
        module,
        testcase=testcase,
        tb_dir=FIXTURE,
        **kwargs,  # type: ignore[arg-type]
    )


def processes_in(folder: Path) -> list[int]:
    """Pids of live processes whose working directory is ``folder``."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if Path(os.readlink(proc / "cwd")) == folder:
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


# --------------------------------------------------------------------------- the benches
@pytest.mark.parametrize("simulator", SIMS)
def test_sampler_failure_fails_the_test(simulator: str) -> None:
    """An exception from a sampler edge callback fails its test with that exception (the module
    expects it), and the sampler stops with its test (tests/fixtures/sampler)."""
    res = sim.run_test(
        sim.make_build(simulator, sim.DEFAULT_CONFIG),
        "test_sampler_failure",
        tb_dir=SAMPLER_FIXTURE,
        seed=1,
        timeout=600,
    )
    assert res.ok, f"{res.status}: {res.message} (log {res.log})"


@pytest.mark.parametrize("module", TB_MODULES or ["<none>"])
@pytest.mark.parametrize("config", sim.ALL_CONFIGS, ids=str)
@pytest.mark.parametrize("simulator", SIMS)
def test_tb(simulator: str, config: sim.Config, module: str) -> None:
    assert TB_MODULES, "no cocotb modules tb/test_*.py found: the bench is missing"
    seed = int(os.environ.get("IMS_SEED", "0"), 0) or sim.new_seed()
    result = sim.run_test(sim.make_build(simulator, config, root=ROOT), module, seed=seed)
    assert result.ok, result.describe()


# --------------------------------------------------------------------------- runner self-test


@pytest.mark.parametrize("config", sim.ALL_CONFIGS, ids=str)
@pytest.mark.parametrize("simulator", SIMS)
def test_runner_passing_module(simulator: str, config: sim.Config) -> None:
    """A passing module passes: every testcase (parametrized variants too) is reported with
    its sim time, the skipped one is skipped, parameters and seed reach the simulation."""
    result = run_fixture(simulator, "test_counter", config=config, seed=1234)
    assert result.ok, result.describe()
    assert result.status == "passed"
    by_name = {c.name: c for c in result.testcases}
    assert set(by_name) == {"test_counts", "test_counts_n/n=1", "test_counts_n/n=5", "test_skipped"}
    assert by_name["test_skipped"].status == "skipped"
    for name in ("test_counts", "test_counts_n/n=1", "test_counts_n/n=5"):
        assert by_name[name].passed
        assert by_name[name].sim_time_ns > 0
    seeds = {p.get("value") for p in ET.parse(result.results_xml).iter("property")
             if p.get("name") == "random_seed"}  # fmt: skip
    assert seeds == {"1234"}
    assert result.results_xml.parent.is_relative_to(ROOT / "build" / "sim")
    again = sim.build(fixture_spec(simulator, config))
    assert again.ok and again.reused, "a second build of the same spec must reuse the first"


@pytest.mark.parametrize("simulator", SIMS)
def test_runner_reports_failure(simulator: str) -> None:
    result = run_fixture(simulator, "test_counter_bad", "test_fails", seed=99)
    assert not result.ok
    assert result.status == "failed"
    assert [(c.name, c.status) for c in result.testcases] == [("test_fails", "failed")]
    assert "fixture failure on purpose" in result.message
    assert "--seed 99" in result.rerun and "--testcase test_fails" in result.rerun
    assert "rerun:" in result.describe()


@pytest.mark.parametrize("simulator", SIMS)
def test_runner_kills_hang(simulator: str) -> None:
    """A simulation that never ends is killed at the wall-clock timeout and reported."""
    result = run_fixture(simulator, "test_counter_bad", "test_hangs", seed=7, timeout=5)
    assert result.status == "timeout"
    assert not result.ok
    assert "TIMEOUT" in result.message
    assert 5 <= result.wall_s < 30
    assert "--seed 7" in result.rerun
    assert processes_in(result.results_xml.parent) == [], "simulator left running"


@pytest.mark.parametrize("simulator", SIMS)
def test_runner_reports_crash(simulator: str) -> None:
    result = run_fixture(simulator, "test_counter_bad", "test_crashes", seed=3)
    assert result.status == "crashed"
    assert "SIGABRT" in result.message and "no results file" in result.message
    assert "--seed 3" in result.rerun


@pytest.mark.parametrize("simulator", SIMS)
def test_runner_rerun_command(simulator: str) -> None:
    """The printed rerun command, pasted in the repository root, reruns the same job."""
    for testcase, seed, expected_rc in (("test_counts", 5, 0), ("test_fails", 6, 1)):
        module = "test_counter" if expected_rc == 0 else "test_counter_bad"
        result = run_fixture(simulator, module, testcase, seed=seed)
        proc = subprocess.run(
            shlex.split(result.rerun),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == expected_rc, proc.stdout + proc.stderr
        assert f"seed={seed}" in proc.stdout


@pytest.mark.parametrize("simulator", SIMS)
def test_runner_unknown_testcase_fails(simulator: str) -> None:
    result = run_fixture(simulator, "test_counter", "test_does_not_exist", seed=1)
    assert result.status == "failed"
    assert "no testcase ran" in result.message


@pytest.mark.parametrize("simulator", SIMS)
def test_runner_build_failure(simulator: str, tmp_path: Path) -> None:
    bad = tmp_path / "broken.v"
    bad.write_text("module counter(input wire clk);\n  this is not verilog\nendmodule\n")
    flist = tmp_path / "broken.f"
    flist.write_text("broken.v\n")
    spec = sim.make_build(simulator, filelist=flist, toplevel="counter", root=ROOT)
    built = sim.build(spec, timeout=300)
    assert not built.ok
    assert "build failed" in built.message
    result = sim.run_test(spec, "test_counter", tb_dir=FIXTURE, seed=1)
    assert result.status == "build_failed" and not result.ok


# --------------------------------------------------------------------------- regression end to end


def _regress(tmp_path: Path, *args: str) -> tuple[int, Path]:
    from imsflow import cli

    out = tmp_path / "run"
    argv = ["regress", "--sim", ",".join(SIMS), "--tb-dir", str(FIXTURE)]
    argv += ["--filelist", str(FIXTURE / "counter.f"), "--top", "counter", "--out", str(out)]
    return cli.main([*argv, *args]), out


def test_regress_passing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = _regress(tmp_path, "--tests", "test_counter.*", "--seeds", "2", "--seed", "40",
                       "--config", "64x9,1x1", "-j", "2")  # fmt: skip
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "SIGN-OFF: PASS" in text
    n = 2 * 2 * len(SIMS) * 2  # tests x seeds x sims x configs
    assert f"({n}/{n} jobs passed)" in text
    root = ET.parse(out / "results.xml").getroot()
    assert root.get("tests") == str(n) and root.get("failures") == "0"
    seeds = {p.get("value") for p in root.iter("property") if p.get("name") == "seed"}
    assert seeds == {"40", "41"}
    assert len(list((out / "logs").glob("*.log"))) == n
    assert (out / "summary.txt").read_text().count("SIGN-OFF: PASS") == 1


def test_regress_failing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = _regress(tmp_path, "--tests", "test_counts,test_fails,test_hangs", "--seed", "8",
                       "--config", "64x9", "--timeout", "15")  # fmt: skip
    text = capsys.readouterr().out
    assert rc == 1, text
    assert "SIGN-OFF: FAIL" in text
    assert text.count("rerun: ") == 2 * len(SIMS)
    assert "TIMEOUT" in text and "--testcase test_fails --seed 8" in text
    root = ET.parse(out / "results.xml").getroot()
    assert root.get("failures") == str(2 * len(SIMS))
