"""Issue #17: honest verdicts, CI-native outputs, the report as sign-off evidence.

No simulator runs here: the regression runs on the real tb/ test list and testplan with a fake
simulator (``sim.build`` / ``sim.run_test`` replaced), coverage comes from a tiny hand-written
``coverage.dat``.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml, Skipped

from imsflow import cli, sim
from imsflow.core.types import Config, RunResult
from imsflow.formal.jobs import FormalResult
from imsflow.formal.status import write_status
from imsflow.mutate.mutants import Mutant, MutantResult
from imsflow.mutate.summary import write_summary
from imsflow.regress import report
from imsflow.signoff import codecov, covexport, report_extra
from imsflow.signoff.verdict import goals_scope, judge

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- fake simulator


class FakeSim:
    """Every job passes except the tests named in ``failing``; after ``die_after`` jobs the next
    raises KeyboardInterrupt (Ctrl-C)."""

    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.die_after: int | None = None
        self.runs = 0

    def build(self, spec: sim.BuildSpec, **_: object) -> sim.BuildResult:
        return sim.BuildResult(spec, True, spec.build_dir / "build.log", 0.0, reused=True)

    def run_test(self, spec: sim.BuildSpec, module: str, **kw: Any) -> sim.RunResult:
        if self.die_after is not None and self.runs >= self.die_after:
            raise KeyboardInterrupt("fake Ctrl-C")
        self.runs += 1
        testcase, seed = kw["testcase"], kw["seed"]
        ok = testcase not in self.failing
        log = Path(kw["log"])
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(f"line {i} of {testcase}\n" for i in range(1, 61)))
        return sim.RunResult(
            sim=spec.sim,
            config=spec.config,
            module=module,
            testcase=testcase,
            seed=seed,
            status="passed" if ok else "failed",
            message="" if ok else "1 of 1 testcases failed; boom IMS-030",
            rerun=sim.rerun_command(spec, module, testcase, seed, kw["tb_dir"]),
            log=log,
            results_xml=log.with_suffix(".xml"),
            wall_s=0.1,
            testcases=[sim.CaseResult(testcase, "passed" if ok else "failed", 10.0)],
        )


@pytest.fixture
def fake_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSim]:
    fake = FakeSim()
    monkeypatch.setattr(sim, "check_simulator", lambda s: {})
    monkeypatch.setattr(sim, "build", fake.build)
    monkeypatch.setattr(sim, "run_test", fake.run_test)
    monkeypatch.chdir(ROOT)
    yield fake


def regress(tmp: Path, *args: str) -> tuple[int, str]:
    """``ims regress`` (fake simulator) into tmp; (exit status, last output line of the verdict)."""
    code = cli.main(["regress", "--seed", "7", "-j", "1", "--out", str(tmp), *args])
    summary = (tmp / "summary.txt").read_text()
    verdict = [ln for ln in summary.splitlines() if ln.startswith("SIGN-OFF (conformance):")]
    return code, verdict[-1] if verdict else ""


SUBSET = ["--sim", "icarus", "--config", "64x9", "--tests", "test_smoke.reset_values"]


# --------------------------------------------------------------------------- 1. verdicts


def test_judge_strings() -> None:
    ok = [_job("passed")] * 4
    assert str(judge(ok, [False, False, False], False, "subset: --tests x")) == (
        "NOT EVALUATED (subset: --tests x; goals not evaluated; 4/4 jobs passed)"
    )
    assert judge(ok, [False], False, "--no-goals").ok
    assert str(judge(ok, [True, True], True)) == "PASS (4/4 jobs passed, 2/2 goals met)"
    missed = judge(ok, [True, False], True)
    assert (str(missed), missed.ok) == ("FAIL (4/4 jobs passed, 1/2 goals met)", False)
    bad = judge([*ok, _job("failed")], [True], False, "subset: x")
    assert (bad.word, bad.ok) == ("FAIL", False)  # a failed job fails a subset too
    part = judge([*ok, _job("interrupted"), _job("missing")], [True], True)
    assert (str(part), part.ok) == ("PARTIAL (2 of 6 jobs not run; 4/6 jobs passed)", False)
    assert not judge([], [], True).ok


def test_goals_scope() -> None:
    full = (list(sim.SIMULATORS), list(sim.ALL_CONFIGS))
    assert goals_scope(None, None, *full) == (True, "")
    assert goals_scope(None, "test_smoke.*", *full) == (False, "subset: --tests test_smoke.*")
    assert goals_scope(None, None, ["icarus"], [Config(64, 9)]) == (
        False,
        "subset: --sim icarus --config 64x9",
    )
    assert goals_scope(True, "x", ["icarus"], full[1]) == (True, "")
    assert goals_scope(False, None, *full) == (False, "--no-goals")


def test_subset_run_is_not_evaluated_and_exits_0(tmp_path: Path, fake_sim: FakeSim) -> None:
    code, verdict = regress(tmp_path / "r", *SUBSET)
    assert code == 0
    assert verdict == (
        "SIGN-OFF (conformance): NOT EVALUATED (subset: --tests test_smoke.reset_values "
        "--sim icarus --config 64x9; goals not evaluated; 1/1 jobs passed)"
    )
    html = (tmp_path / "r" / "report.html").read_text()
    assert "SIGN-OFF: NOT EVALUATED" in html and "SIGN-OFF: PASS" not in html
    assert "Goals NOT EVALUATED" in html
    md = (tmp_path / "r" / "report.md").read_text()
    assert "**SIGN-OFF: NOT EVALUATED (subset:" in md


def test_subset_with_goals_forced_fails_on_a_missed_goal(tmp_path: Path, fake_sim: FakeSim) -> None:
    code, verdict = regress(tmp_path / "r", *SUBSET, "--goals")
    assert code == 1
    assert re.fullmatch(
        r"SIGN-OFF \(conformance\): FAIL \(1/1 jobs passed, \d/3 goals met\)", verdict
    )


def test_subset_with_a_failing_job_fails(tmp_path: Path, fake_sim: FakeSim) -> None:
    fake_sim.failing = {"reset_values"}
    code, verdict = regress(tmp_path / "r", *SUBSET)
    assert code == 1 and verdict == "SIGN-OFF (conformance): FAIL (0/1 jobs passed)"


def test_full_default_matrix_evaluates_goals(tmp_path: Path, fake_sim: FakeSim) -> None:
    """All tests x both simulators x the default configurations: goals evaluated; the fake runs
    export no coverage, so the coverage goals are missed and the run fails."""
    code, verdict = regress(tmp_path / "r")
    assert code == 1
    m = re.fullmatch(
        r"SIGN-OFF \(conformance\): FAIL \((\d+)/(\d+) jobs passed, (\d)/3 goals met\)", verdict
    )
    assert m and m.group(1) == m.group(2) and int(m.group(3)) < 3, verdict
    code, verdict = regress(tmp_path / "n", "--no-goals")
    assert code == 0 and "NOT EVALUATED (--no-goals; goals not evaluated;" in verdict


# --------------------------------------------------------------------------- 2. partial runs


def test_interrupt_writes_a_partial_report(
    tmp_path: Path, fake_sim: FakeSim, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_sim.die_after = 2
    out = tmp_path / "r"
    code = cli.main(
        ["regress", "--seed", "7", "-j", "1", "--out", str(out), "--sim", "icarus",
         "--config", "64x9", "--tests", "test_smoke.*"]
    )  # fmt: skip
    text = capsys.readouterr()
    assert code == 130 and "interrupted" in text.err
    summary = (out / "summary.txt").read_text()
    assert "interrupted (fake Ctrl-C): running simulators killed; PARTIAL report" in summary
    assert "SIGN-OFF (conformance): PARTIAL (" in summary and "2/" in summary
    xml = JUnitXml.fromfile(str(out / "results.xml"))
    cases = [c for suite in xml for c in suite]
    skipped = [c for c in cases if any(isinstance(r, Skipped) for r in c.result)]
    assert len(cases) - len(skipped) == 2 and skipped
    assert "SIGN-OFF: PARTIAL" in (out / "report.html").read_text()
    # jobs that never ran are NOT RUN in the matrix, not failures
    assert "FAILING" not in summary and "failures by signature" not in summary


# --------------------------------------------------------------------------- 2. JUnit


def _run(tmp: Path, test: str, status: str, seed: int, lines: int = 60) -> RunResult:
    log = tmp / "build" / "logs" / f"{test}-{seed}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if lines:
        log.write_text("".join(f"log line {i}\n" for i in range(1, lines + 1)))
    return RunResult(
        sim="icarus",
        config=Config(64, 9),
        module="test_smoke",
        testcase=test,
        seed=seed,
        status=status,
        message="" if status == "passed" else f"{status}: it broke",
        rerun=f"ims run --seed {seed}",
        log=log,
        results_xml=log.with_suffix(".xml"),
        wall_s=1.5,
    )


def test_junit_is_stable_and_ci_readable(tmp_path: Path) -> None:
    runs = [
        _run(tmp_path, "reset_values", "passed", 1995913655),
        _run(tmp_path, "reset_values", "passed", 1995913656),
        _run(tmp_path, "pasid_check", "failed", 11),
        _run(tmp_path, "error_interrupt", "interrupted", 12, lines=0),
        _run(tmp_path, "stray_b_ignored", "missing", 13, lines=0),
    ]
    path = tmp_path / "results.xml"
    report.write_junit(path, runs, root=tmp_path, partial="2 of 5 jobs not run")
    xml = JUnitXml.fromfile(str(path))
    cases = {c.name: c for suite in xml for c in suite}
    assert sorted(cases) == [
        "error_interrupt[icarus,64x9]",
        "pasid_check[icarus,64x9]",
        "reset_values[icarus,64x9,#2]",
        "reset_values[icarus,64x9]",
        "stray_b_ignored[icarus,64x9]",
    ]
    first = cases["reset_values[icarus,64x9]"]
    assert first.classname == "test_smoke" and "seed" not in first.name
    # junitparser has no testcase properties (a Jenkins/GitLab extension): read them directly
    tc = ET.parse(path).getroot().find(".//testcase[@name='reset_values[icarus,64x9]']")
    assert tc is not None
    props = {p.get("name"): p.get("value") for p in tc.iter("property")}
    assert props["seed"] == "1995913655" and props["sim"] == "icarus"
    assert props["log"] == "build/logs/reset_values-1995913655.log"  # repository-relative
    out = first.system_out or ""
    assert out.splitlines()[0] == "log line 11" and out.splitlines()[-1] == "log line 60"
    assert len(out.splitlines()) == 50
    assert isinstance(cases["pasid_check[icarus,64x9]"].result[0], Failure)
    for name in ("error_interrupt[icarus,64x9]", "stray_b_ignored[icarus,64x9]"):
        assert isinstance(cases[name].result[0], Skipped)
    suite = next(iter(xml))
    assert (suite.tests, suite.failures, suite.skipped, suite.errors) == (5, 1, 2, 0)
    root = ET.parse(path).getroot()
    assert root.get("skipped") == "2" and "/" not in (root.findtext(".//failure") or "/")[:1]
    # the sign-off reads the same file back
    from imsflow.signoff.conformance import load_results

    jobs = load_results(path)
    assert [j.test for j in jobs][:3] == ["reset_values", "reset_values", "pasid_check"]
    assert jobs[3].status == "interrupted"


# --------------------------------------------------------------------------- 2. LCOV, Cobertura


def _key(file: Path, line: int, col: int, typ: str, comment: str) -> str:
    fields = {"f": str(file), "l": str(line), "n": str(col), "t": typ, "page": "v_x",
              "o": comment, "h": "TOP.dut"}  # fmt: skip
    return "".join(f"\x01{k}\x02{v}" for k, v in fields.items())


@pytest.fixture
def tiny_cov(tmp_path: Path) -> codecov.CodeCoverage:
    """rtl/a.v: line 10 hit 5x, line 12 never, line 14 an if (3) / else (0), line 20 never but
    waived, a toggle point (not in either format). Counts of two files add up."""
    src = tmp_path / "rtl" / "a.v"
    src.parent.mkdir()
    src.write_text("".join(f"// source line {i}\n" for i in range(1, 23)))
    points = [
        (10, 2, "line", "block", 3),
        (12, 2, "line", "block", 0),
        (14, 4, "branch", "if", 3),
        (14, 8, "branch", "else", 0),
        (20, 2, "line", "block", 0),
        (5, 2, "toggle", "x[0]:0->1", 1),
    ]
    dat1 = tmp_path / "j1" / "coverage.dat"
    dat2 = tmp_path / "j2" / "coverage.dat"
    for dat, extra in ((dat1, 0), (dat2, 2)):  # the second job hits line 10 twice more
        dat.parent.mkdir()
        body = [
            f"C '{_key(src, ln, col, typ, com)}' {c + (extra if typ == 'line' and c else 0)}"
            for ln, col, typ, com, c in points
        ]
        dat.write_text(codecov.HEADER + "\n" + "\n".join(body) + "\n")
    waiver = codecov.Waiver(1, "rtl/a.v", "line", "unreachable at 64x9", frozenset({20}))
    return codecov.merge_files([dat1, dat2], [waiver], tmp_path)


def test_lcov_by_hand(tiny_cov: codecov.CodeCoverage) -> None:
    assert (
        covexport.to_lcov(tiny_cov)
        == "\n".join(
            [
                "TN:ims_regress",
                "SF:rtl/a.v",
                "BRDA:14,0,0,6",
                "BRDA:14,0,1,0",
                "BRF:2",
                "BRH:1",
                "DA:10,8",  # 3 + (3 + 2)
                "DA:12,0",
                "DA:14,0",  # the smallest item on the line: the else arm
                "LF:3",
                "LH:1",
                "end_of_record",
            ]
        )
        + "\n"
    )


# The content model and required attributes of Cobertura's coverage-04.dtd (what CI tools read).
_DTD: dict[str, tuple[str, tuple[str, ...]]] = {
    "coverage": (
        r"(sources )?packages ",
        (
            "line-rate",
            "branch-rate",
            "lines-covered",
            "lines-valid",
            "branches-covered",
            "branches-valid",
            "complexity",
            "version",
            "timestamp",
        ),
    ),
    "sources": (r"(source )*", ()),
    "source": (r"", ()),
    "packages": (r"(package )*", ()),
    "package": (r"classes ", ("name", "line-rate", "branch-rate", "complexity")),
    "classes": (r"(class )*", ()),
    "class": (r"methods lines ", ("name", "filename", "line-rate", "branch-rate", "complexity")),
    "methods": (r"(method )*", ()),
    "method": (r"lines ", ("name", "signature", "line-rate", "branch-rate")),
    "lines": (r"(line )*", ()),
    "line": (r"(conditions )*", ("number", "hits")),
    "conditions": (r"(condition )*", ()),
    "condition": (r"", ("number", "type", "coverage")),
}


def check_cobertura_dtd(text: str) -> list[str]:
    """Problems of a Cobertura document against coverage-04.dtd (element content, required
    attributes, no unknown elements); [] when valid."""
    problems = []
    if 'SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd"' not in text:
        problems.append("no coverage-04 DOCTYPE")
    root = ET.fromstring(text)
    if root.tag != "coverage":
        problems.append(f"root is {root.tag}")
    for el in root.iter():
        if el.tag not in _DTD:
            problems.append(f"unknown element {el.tag}")
            continue
        model, required = _DTD[el.tag]
        kids = "".join(f"{c.tag} " for c in el)
        if not re.fullmatch(model, kids):
            problems.append(f"<{el.tag}> children {kids!r} do not match {model!r}")
        problems += [f"<{el.tag}> lacks {a}" for a in required if a not in el.attrib]
        if el.tag != "source" and (el.text or "").strip():
            problems.append(f"<{el.tag}> has text")
    return problems


def test_cobertura_by_hand_and_valid(tiny_cov: codecov.CodeCoverage, tmp_path: Path) -> None:
    text = covexport.to_cobertura(tiny_cov, version="t", timestamp=1)
    assert check_cobertura_dtd(text) == []
    root = ET.fromstring(text)
    assert {
        k: root.get(k)
        for k in (
            "lines-valid",
            "lines-covered",
            "branches-valid",
            "branches-covered",
            "line-rate",
            "branch-rate",
        )
    } == {
        "lines-valid": "3",
        "lines-covered": "1",
        "branches-valid": "2",
        "branches-covered": "1",
        "line-rate": "0.3333",
        "branch-rate": "0.5",
    }
    cls = root.find("packages/package[@name='rtl']/classes/class")
    assert cls is not None and (cls.get("name"), cls.get("filename")) == ("a", "rtl/a.v")
    lines = {ln.get("number"): ln.attrib for ln in cls.iter("line")}
    assert sorted(lines, key=int) == ["10", "12", "14"]  # 20 waived, the toggle not a line
    assert lines["14"]["condition-coverage"] == "50% (1/2)" and lines["10"]["hits"] == "8"
    # a consumer CI tools use reads it
    pycobertura = pytest.importorskip("pycobertura")
    path = tmp_path / "cobertura.xml"
    path.write_text(text)
    cob = pycobertura.Cobertura(str(path))
    assert cob.files() == ["rtl/a.v"] and cob.total_statements("rtl/a.v") == 3
    assert cob.total_misses("rtl/a.v") == 2


def test_dtd_checker_rejects_broken_documents() -> None:
    bad = '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">'
    bad += '<coverage line-rate="1"><packages><package name="x"><lines/></package></packages>'
    bad += "</coverage>"
    problems = check_cobertura_dtd(bad)
    assert any("lacks branch-rate" in p for p in problems)
    assert any("<package> children" in p for p in problems)


def test_annotated_source_marks_hits_and_waivers(tiny_cov: codecov.CodeCoverage) -> None:
    lines = covexport.annotate(tiny_cov, "rtl/a.v")
    assert lines is not None and len(lines) == 22
    state = {a.number: (a.state, a.hits) for a in lines}
    assert state[10] == ("covered", 8) and state[12] == ("uncovered", 0)
    assert state[14] == ("uncovered", 0) and state[1] == ("none", None)
    assert state[20][0] == "waived" and "unreachable at 64x9" in lines[19].note
    assert "not hit: branch else" in lines[13].note
    html = "".join(report_extra.html_source(tiny_cov))
    assert "<tr class='waived' title='waiver #1: unreachable at 64x9'>" in html
    assert "2 not covered" in html or "<b>2 not covered</b>" in html


def test_run_writes_lcov_and_cobertura(tmp_path: Path, tiny_cov: codecov.CodeCoverage) -> None:
    paths = covexport.write_exports(tiny_cov, tmp_path / "coverage")
    assert [p.name for p in paths] == ["lcov.info", "cobertura.xml"]
    assert check_cobertura_dtd(paths[1].read_text()) == []


# --------------------------------------------------------------------------- 3. evidence


def test_report_has_metadata_and_log_links(tmp_path: Path, fake_sim: FakeSim) -> None:
    regress(tmp_path / "r", *SUBSET)
    meta = json.loads((tmp_path / "r" / "metadata.json").read_text())
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    assert meta["commit"] == head and isinstance(meta["dirty"], bool) and meta["base_seed"] == 7
    assert set(meta["tools"]) == {"python", "cocotb", "pyuvm", "iverilog", "verilator", "yosys"}
    assert {"hostname", "cores", "os"} <= set(meta["machine"])
    html = (tmp_path / "r" / "report.html").read_text()
    for text in (head, "base seed", "command line", "cocotb", "cores", "ims regress --seed 7"):
        assert text in html, text
    assert "href='logs/icarus-64x9-test_smoke.reset_values-s7.log'" in html
    # full rule text, not cut at 160 characters
    from imsflow.signoff.testplan import spec_rules

    longest = max(spec_rules(ROOT / "docs" / "spec.md"), key=lambda r: len(r.text))
    assert len(longest.text) > 160 and html_escape(longest.text) in html


def _formal(job: str, status: str, depth: int) -> FormalResult:
    return FormalResult(job=job, status=status, depth=depth, seconds=1.25, engine="pdr")


def test_formal_status_file_and_section(tmp_path: Path) -> None:
    assert "No formal results" in "".join(report_extra.html_formal(tmp_path, None))
    out = tmp_path / "build" / "formal"
    write_status(out, [_formal("reset", "PASS", 0), _formal("mask", "PASS", 10),
                       _formal("pasid", "FAIL", 4)], ROOT)  # fmt: skip
    data = json.loads((out / "status.json").read_text())
    by_job = {j["job"]: j for j in data["jobs"]}
    assert by_job["reset"]["status"] == "proved" and by_job["mask"]["status"] == "bounded"
    assert by_job["pasid"]["status"] == "failed" and by_job["axi"]["status"] == "not run"
    assert data["commit"] and "epoch" in data
    html = "".join(report_extra.html_formal(tmp_path, {"commit": "0" * 40}))
    assert "proved (all depths)" in html and "bounded to depth 10" in html
    assert "not the commit of this run" in html and "s ago" in html


def test_mutation_summary_and_section(tmp_path: Path) -> None:
    assert "No mutation results" in "".join(report_extra.html_mutation(tmp_path, None))
    m1 = Mutant("ims_core.v", 10, 4, "and_to_or", "a && b", "a || b")
    m2 = Mutant("ims_core.v", 20, 4, "ge_to_gt", "x >= y", "x > y")
    results = [MutantResult(m1, "killed"), MutantResult(m2, "survived")]
    analysis = {m2.id: {"verdict": "equivalent", "reason": "x == y cannot happen here"}}
    write_summary(tmp_path / "build" / "mutate", results, analysis, 100.0, 95.0, ROOT,
                  {"sim": "icarus", "config": "64x9", "modules": ["test_smoke"]})  # fmt: skip
    html = "".join(report_extra.html_mutation(tmp_path, None))
    assert "100.0 %" in html and "x == y cannot happen here" in html and m2.id in html


def _job(status: str) -> Any:
    from imsflow.core.types import JobResult

    return JobResult("t", "m", "icarus", "64x9", 1, status)
