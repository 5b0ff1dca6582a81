"""Flow habits (issue #17 item 5): file lists with +incdir+/+define+/-f, names checked before a
build (exit 2 with close matches), cocotb-style make variables, waves files, the hint of a failed
Verilator --coverage build, and `ims --version`.

The tests marked sim build the fixture counter (tests/fixtures/counter) on the simulators of
IMS_SIM (default both), one build at a time.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from imsflow import cli, regress, sim
from imsflow.core.paths import parse_filelist

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "counter"
SIMS = sim.parse_sims(os.environ.get("IMS_SIM"))


# --------------------------------------------------------------------------- file lists


def test_filelist_options_nested_lists_and_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ip" / "inc").mkdir(parents=True)
    (tmp_path / "top.f").write_text(
        "// the top list\n"
        "+incdir+inc_top  # a comment\n"
        "+define+A+B=2\n"
        "-f ip/ip.f\n"
        "top.v  -DC=x -I /abs/inc\n"
    )
    (tmp_path / "ip" / "ip.f").write_text("+incdir+inc\n-D D\nip_a.v ../top.v\n$IMS_T_DIR/b.v\n")
    monkeypatch.setenv("IMS_T_DIR", "/somewhere")
    fl = parse_filelist(tmp_path / "top.f")
    # paths are relative to the list that names them; duplicates once, first place
    assert fl.sources == (
        tmp_path / "ip" / "ip_a.v",
        tmp_path / "top.v",
        Path("/somewhere/b.v"),
    )
    assert fl.incdirs == (tmp_path / "inc_top", tmp_path / "ip" / "inc", Path("/abs/inc"))
    assert fl.defines == (("A", "1"), ("B", "2"), ("D", "1"), ("C", "x"))
    assert sim.read_filelist(tmp_path / "top.f") == list(fl.sources)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("-y libdir\n", "option '-y' is not supported"),
        ("+libext+.v\n", "not supported"),
        ("-f\n", "-f needs an argument"),
        ("-f missing.f\n", "cannot read file list"),
        ("-f self.f\na.v\n", "includes itself"),
        ("+define+9bad\na.v\n", "bad define name"),
        ("# only a comment\n+incdir+x\n", "empty"),
    ],
)
def test_filelist_errors(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "self.f").write_text(text)
    with pytest.raises(ValueError, match=match):
        parse_filelist(tmp_path / "self.f")


def test_build_spec_carries_incdirs_and_defines(tmp_path: Path) -> None:
    flist = _incdir_fixture(tmp_path)
    for simulator in sim.SIMULATORS:
        spec = sim.make_build(simulator, filelist=flist, toplevel="counter", root=tmp_path)
        assert spec.incdirs == (tmp_path / "include",)
        assert spec.defines == (("IMS_FLOW_STEP", "1"),)


def _incdir_fixture(tmp_path: Path) -> Path:
    """The counter, but its step comes from an include file found only through +incdir+ and
    defined only under +define+IMS_FLOW_STEP, named through a nested list."""
    (tmp_path / "rtl").mkdir()
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "step.vh").write_text(
        "`ifdef IMS_FLOW_STEP\n`define COUNTER_STEP 16'd1\n`endif\n"
    )
    text = (FIXTURE / "counter.v").read_text()
    text = text.replace("count + 16'd1", "count + `COUNTER_STEP")
    assert "`COUNTER_STEP" in text
    (tmp_path / "rtl" / "counter_inc.v").write_text('`include "step.vh"\n' + text)
    (tmp_path / "rtl" / "rtl.f").write_text("counter_inc.v  // relative to rtl/\n")
    top = tmp_path / "their.f"
    top.write_text("+incdir+include\n+define+IMS_FLOW_STEP\n-f rtl/rtl.f\n")
    return top


@pytest.mark.sim
@pytest.mark.parametrize("simulator", SIMS)
def test_incdir_and_define_reach_the_simulator(simulator: str, tmp_path: Path) -> None:
    flist = _incdir_fixture(tmp_path)
    spec = sim.make_build(simulator, filelist=flist, toplevel="counter", root=tmp_path)
    result = sim.run_test(spec, "test_counter", testcase="test_counts", tb_dir=FIXTURE, seed=1)
    assert result.ok, result.describe()
    # without the define the include defines nothing and the build fails
    (tmp_path / "their.f").write_text("+incdir+include\n-f rtl/rtl.f\n")
    bad = sim.make_build(simulator, filelist=flist, toplevel="counter", root=tmp_path)
    assert not sim.build(bad, timeout=300).ok


@pytest.mark.sim
def test_failed_coverage_build_whose_plain_build_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with a Verilator internal error in --coverage instrumentation of legal RTL: here the
    coverage build gets an option Verilator rejects, the plain build is the fixture's own."""
    from imsflow.core.types import BuildSpec

    real = BuildSpec.build_args.fget
    assert real is not None

    def args(spec: BuildSpec) -> list[str]:
        return [*real(spec), *(["--no-such-option"] if spec.coverage else [])]

    monkeypatch.setattr(BuildSpec, "build_args", property(args))
    spec = sim.make_build(
        "verilator", filelist=FIXTURE / "counter.f", toplevel="counter", coverage=True,
        root=tmp_path,
    )  # fmt: skip
    built = sim.build(spec, timeout=300)
    assert not built.ok
    first = built.message.splitlines()[0]  # the summary shows a failed build's first line
    assert first.startswith("Verilator --coverage build failed"), first
    assert "the plain build works: rerun with --no-coverage" in first
    assert "no-such-option" in built.message  # the log tail is still there
    assert (tmp_path / "build" / "sim" / "verilator-64x9-counter" / "counter").is_file()
    # the job of a regression says it on its own line of the summary
    r = sim.run_test(spec, "test_counter", testcase="test_counts", tb_dir=FIXTURE, seed=1)
    assert r.status == "build_failed" and "--no-coverage" in r.message.splitlines()[0]


@pytest.mark.sim
def test_failed_coverage_build_whose_plain_build_fails_too(tmp_path: Path) -> None:
    bad = tmp_path / "broken.v"
    bad.write_text("module counter(input wire clk);\n  this is not verilog\nendmodule\n")
    (tmp_path / "broken.f").write_text("broken.v\n")
    spec = sim.make_build(
        "verilator", filelist=tmp_path / "broken.f", toplevel="counter", coverage=True,
        root=tmp_path,
    )  # fmt: skip
    built = sim.build(spec, timeout=300)
    first = built.message.splitlines()[0]
    assert first.startswith("Verilator --coverage build failed"), first
    assert "the plain build fails too" in first and "--no-coverage" not in first
    plain = sim.make_build("verilator", filelist=tmp_path / "broken.f", toplevel="counter",
                           root=tmp_path)  # fmt: skip
    assert "plain build" not in sim.build(plain, timeout=300).message


# --------------------------------------------------------------------------- names before builds


def test_run_unknown_testcase_exits_2_before_building(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_build(*a: object, **k: object) -> None:
        raise AssertionError("built before checking the name")

    monkeypatch.setattr(sim, "run_test", no_build)  # builds first; make_build only describes
    monkeypatch.setattr(sim, "build", no_build)
    rc = cli.main(["run", "--sim", "icarus", "--module", "test_smoke", "--testcase", "reset_valus"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "no test 'reset_valus' in test_smoke; close: reset_values" in err
    rc = cli.main(["run", "--sim", "icarus", "--module", "test_smoke", "--testcase", "nope"])
    assert rc == 2
    assert "no test 'nope' in test_smoke; none close, there are: reset_values" in (
        capsys.readouterr().err
    )
    rc = cli.main(["run", "--sim", "icarus", "--module", "test_smok"])
    assert rc == 2
    assert "no test module 'test_smok'" in capsys.readouterr().err


def test_regress_pattern_matching_nothing_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_run(*a: object, **k: object) -> None:
        raise AssertionError("ran before checking the names")

    monkeypatch.setattr(regress, "run_regression", no_run)
    for extra in (["--list"], []):
        rc = cli.main(["regress", *extra, "--tests", "test_smoke.reset_valuez", "--sim", "icarus"])
        assert rc == 2
        err = capsys.readouterr().err
        assert "no test matches 'test_smoke.reset_valuez'" in err
        assert "close: test_smoke.reset_values" in err
    # one bad pattern of several is not dropped silently
    rc = cli.main(
        ["regress", "--list", "--tests", "test_smoke.reset_values,nopez", "--sim", "icarus"]
    )
    assert rc == 2
    assert "'nopez'" in capsys.readouterr().err


def test_regress_list_still_lists(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["regress", "--list", "--tests", "test_smoke.reset_values", "--sim", "icarus"]
    assert cli.main([*argv, "--config", "64x9", "--seed", "3"]) == 0
    assert capsys.readouterr().out.split() == ["icarus-64x9-test_smoke.reset_values-s3"]


# --------------------------------------------------------------------------- make variables


def _make_n(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-n", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=60
    )


def _ims_line(out: str) -> str:
    """The ims regress command of `make -n regress` as one line."""
    text = out.replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if "ims regress" in ln)
    return " ".join(line.split())


def test_make_regress_maps_cocotb_variables() -> None:
    p = _make_n("regress", "SEED=5", "TESTCASE=reset_values", "WAVES=1", "SIM=icarus")
    assert p.returncode == 0, p.stderr
    line = _ims_line(p.stdout)
    assert "--tests '*.reset_values'" in line
    assert "--seed 5" in line and "--waves" in line and "--sim icarus" in line
    line = _ims_line(_make_n("regress", "MODULE=test_smoke", "TESTCASE=reset_values").stdout)
    assert "--tests 'test_smoke.reset_values'" in line
    line = _ims_line(_make_n("regress", "WAVES=0").stdout)
    assert "--waves" not in line


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["regress", "WAVES=yes"], "WAVES=yes: use WAVES=1"),
        (["regress", "TESTS=x", "TESTCASE=y"], "TESTS and TESTCASE/MODULE both given"),
    ],
)
def test_make_regress_refuses_bad_variables(args: list[str], match: str) -> None:
    p = _make_n(*args)
    assert p.returncode != 0 and match in p.stderr


def test_make_test_refuses_cocotb_variables() -> None:
    # not -n: the refusal must actually stop make before pytest starts
    p = subprocess.run(
        ["make", "-C", str(ROOT), "test", "SEED=3", "TESTCASE=reset_values"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2
    assert "make test: SEED TESTCASE select one simulation" in p.stderr
    assert "make regress SEED=3 TESTCASE=reset_values" in p.stderr
    assert "pytest" not in p.stdout


# --------------------------------------------------------------------------- waves


@pytest.mark.sim
def test_waves_path_is_the_file(tmp_path: Path) -> None:
    from imsflow.sim.run import wave_file

    for simulator in SIMS:
        spec = sim.make_build(
            simulator, filelist=FIXTURE / "counter.f", toplevel="counter", waves=True,
            root=tmp_path,
        )  # fmt: skip
        r = sim.run_test(spec, "test_counter", testcase="test_counts", tb_dir=FIXTURE, seed=1)
        assert r.ok, r.describe()
        assert r.waves is not None and r.waves.is_file(), r.describe()
        assert r.waves.suffix in (".fst", ".vcd")
        assert r.waves == wave_file(spec, r.log.parent)
        assert f"waves: {r.waves}" in r.describe()


@pytest.mark.sim
def test_regress_waves_on_fail_reruns_the_failure_with_waves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["regress", "--sim", "icarus", "--tb-dir", str(FIXTURE), "--config", "64x9"]
    argv += ["--filelist", str(FIXTURE / "counter.f"), "--top", "counter", "-j", "1"]
    argv += ["--tests", "test_counter_bad.test_fails,test_counter.test_counts", "--seed", "1"]
    rc = cli.main([*argv, "--out", str(tmp_path / "run"), "--waves-on-fail"])
    assert rc == 1
    out = capsys.readouterr().out
    assert "rerunning 1 failed job(s) with waves" in out
    waves = [ln for ln in out.splitlines() if "test_counter_bad.test_fails" in ln and "waves" in ln]
    path = Path(waves[-1].rsplit(": ", 1)[1])
    assert path.is_file() and path.suffix == ".fst", out
    # --waves: every job has a file, the summary names each
    rc = cli.main([*argv, "--out", str(tmp_path / "all"), "--waves", "--tests", "test_counts"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "WAVES (1):" in out and "counter.fst" in out


def test_shards_of_a_launched_run_record_waves_too() -> None:
    from imsflow.regress.launchers.driver import shard_argv
    from imsflow.regress.shard import Shard

    opts = regress.RegressOptions(
        sims=["icarus"], tb_dir=FIXTURE, base_seed=1, waves=True, waves_on_fail=True
    )
    argv = shard_argv(opts, regress.plan(opts), Shard(1, 2), ROOT / "build" / "x", 1)
    assert "--waves" in argv and "--waves-on-fail" in argv
    opts = regress.RegressOptions(sims=["icarus"], tb_dir=FIXTURE, base_seed=1)
    argv = shard_argv(opts, regress.plan(opts), Shard(1, 2), ROOT / "build" / "x", 1)
    assert "--waves" not in argv and "--waves-on-fail" not in argv


# --------------------------------------------------------------------------- version


def test_version_is_the_pyproject_version(capsys: pytest.CaptureFixture[str]) -> None:
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"ims {version}"
