"""Spec-conformance matrix (imsflow.signoff.conformance), the reports (imsflow.signoff.report_html)
and the run-folder sign-off (imsflow.signoff.run) on small hand-made inputs: no simulator."""

from __future__ import annotations

import html.parser
from pathlib import Path

import pytest

from imsflow import sim
from imsflow.regress import report
from imsflow.signoff import codecov, conformance, funcov, report_html
from imsflow.signoff import run as signoff
from imsflow.signoff.conformance import FAIL, NOT_RUN, PASS, UNCOVERED, JobResult

SPEC = """\
# spec

## 1. Things

| rule | text |
|---|---|
| IMS-001 | first rule. |
| IMS-002 | second rule, with a `code` span. |

## 2. More

| offset | name |
|---|---|
| 0x0000 | ID |

| rule | text |
|---|---|
| IMS-010 | third rule. |
| IMS-011 | nobody tests this. |
"""

PLAN = """\
// a small testplan
{
  name: toy
  signoff: {
    functional_coverage_pct: 100
    line_coverage_pct: 50
    every_rule_passing: true
  }
  testpoints: [
    {"name": "tp_a", "desc": "a", "stage": "V1", "tests": ["t_a1", "t_a2"],
     "rules": ["IMS-001", "IMS-002"]}
    {"name": "tp_b", "desc": "b", "stage": "V2", "tests": ["t_b"], "rules": ["IMS-002"]}
    {
      name: tp_c
      desc: c
      stage: V2
      tests: ["t_c"]
      rules: ["IMS-010"]
    }
  ]
  covergroups: [
    {"name": "cg_one", "desc": "one", "rules": ["IMS-001"]}
    {"name": "cg_two", "desc": "two", "rules": ["IMS-010"]}
  ]
}
"""

EXPORT = """\
cg_one:
  size: 2
cg_one.kind[IMS-001]:
  at_least: 1
  bins:_hits:
    bin_a: 1
    bin_b: 0
"""


def job(
    test: str, status: str = "passed", seed: int = 1, sim_: str = "icarus", msg: str = ""
) -> JobResult:
    return JobResult(
        test=test,
        module="test_x",
        sim=sim_,
        config="64x9",
        seed=seed,
        status=status,
        message=msg,
        rerun=f".venv/bin/ims run --sim {sim_} --module test_x --testcase {test} --seed {seed}",
        log=f"logs/{test}-{seed}.log",
    )


@pytest.fixture
def docs(tmp_path: Path) -> tuple[conformance.Testplan, list[conformance.Rule]]:
    (tmp_path / "spec.md").write_text(SPEC)
    (tmp_path / "plan.hjson").write_text(PLAN)
    return conformance.load_testplan(tmp_path / "plan.hjson"), conformance.spec_rules(
        tmp_path / "spec.md"
    )


def test_spec_rules_and_plan(docs: tuple[conformance.Testplan, list[conformance.Rule]]) -> None:
    plan, rules = docs
    assert [r.id for r in rules] == ["IMS-001", "IMS-002", "IMS-010", "IMS-011"]
    assert rules[1].text == "second rule, with a `code` span."
    assert rules[2].section == "2. More"
    assert [t.name for t in plan.testpoints] == ["tp_a", "tp_b", "tp_c"]
    assert plan.goals == conformance.Goals(100.0, 50.0, True)
    assert plan.tests() == ["t_a1", "t_a2", "t_b", "t_c"]


def test_statuses_across_seeds_and_not_run(
    docs: tuple[conformance.Testplan, list[conformance.Rule]],
) -> None:
    plan, rules = docs
    jobs = [
        job("t_a1"),
        job("t_a1", seed=2, sim_="verilator"),
        job("t_a2"),
        job("t_b", seed=1),
        job("t_b", "failed", seed=2, msg="1 of 1 testcases failed; t_b: pending bit IMS-030"),
        job("t_extra"),
        # t_c did not run at all
    ]
    conf = conformance.evaluate(plan, rules, jobs)
    tp = {t.testpoint.name: t for t in conf.testpoints}
    assert tp["tp_a"].status == PASS and (tp["tp_a"].passed, tp["tp_a"].failed) == (3, 0)
    assert tp["tp_b"].status == FAIL
    assert tp["tp_c"].status == NOT_RUN
    st = {r.rule.id: r.status for r in conf.rules}
    assert st == {"IMS-001": PASS, "IMS-002": FAIL, "IMS-010": NOT_RUN, "IMS-011": UNCOVERED}
    assert conf.rule("IMS-002").failing_testpoints == ["tp_b"]
    assert conf.unplanned_tests == ["t_extra"]
    assert not conf.jobs_ok and not conf.ok
    goal = next(g for g in conf.goals if g.name == "every rule passing")
    assert not goal.met
    assert "FAIL: IMS-002" in goal.why and "UNCOVERED: IMS-011" in goal.why
    # the coverage goals have no data here
    assert [g.met for g in conf.goals] == [False, False, False]


def test_a_testpoint_with_one_test_not_run_is_not_passing(
    docs: tuple[conformance.Testplan, list[conformance.Rule]],
) -> None:
    plan, rules = docs
    conf = conformance.evaluate(plan, rules, [job("t_a1")])
    assert conf.testpoint("tp_a").status == NOT_RUN
    assert conf.rule("IMS-001").status == NOT_RUN


def _fcov(tmp_path: Path, text: str = EXPORT) -> funcov.FunctionalCoverage:
    p = tmp_path / "e.yml"
    p.write_text(text)
    return funcov.merge_files([p])


def _ccov(covered: int, total: int) -> codecov.CodeCoverage:
    lines = [
        f"C '\x01f\x02/r/a.v\x01l\x02{n}\x01n\x021\x01t\x02line\x01o\x02block' "
        f"{1 if n <= covered else 0}"
        for n in range(1, total + 1)
    ]
    cov = codecov.summarize(codecov.parse_dat("\n".join(lines)), root=Path("/r"))
    cov.inputs = [Path("coverage.dat")]
    return cov


def test_goals_met_and_missed(
    tmp_path: Path, docs: tuple[conformance.Testplan, list[conformance.Rule]]
) -> None:
    plan, rules = docs
    # cg_one half covered, cg_two has no data; line 1/2 = 50 % meets the 50 % goal
    conf = conformance.evaluate(plan, rules, [job("t_a1")], _fcov(tmp_path), _ccov(1, 2))
    goals = {g.name: g for g in conf.goals}
    fg = goals["functional coverage"]
    assert not fg.met
    assert fg.actual.startswith("50.0 % (1/2 bins)")
    assert "no data for cg_two" in fg.why and "cg_one 50.0 %" in fg.why
    lg = goals["line coverage (after waivers)"]
    assert lg.met and lg.actual.startswith("50.0 %")
    assert not goals["line coverage (after waivers)"].why
    low = conformance.evaluate(plan, rules, [job("t_a1")], None, _ccov(1, 3))
    assert not next(g for g in low.goals if g.name.startswith("line")).met
    # evidence: the rule names cg_one in the plan and the coverpoint names it in brackets
    r1 = conf.rule("IMS-001")
    assert [(e.name, e.pct) for e in r1.covergroups] == [("cg_one", 50.0)]
    assert [e.name for e in r1.coverpoints] == ["cg_one.kind[IMS-001]"]
    assert [(e.name, e.pct) for e in conf.rule("IMS-010").covergroups] == [("cg_two", None)]


def test_all_green_signs_off(
    tmp_path: Path, docs: tuple[conformance.Testplan, list[conformance.Rule]]
) -> None:
    plan, _ = docs
    rules = [r for r in docs[1] if r.id != "IMS-011"]
    full = EXPORT.replace("bin_b: 0", "bin_b: 4") + EXPORT.replace("cg_one", "cg_two")
    full = full.replace("cg_two:\n  size: 2\ncg_two.kind[IMS-001]", "cg_two:\n  size: 2\ncg_two.k")
    fcov = _fcov(tmp_path, full.replace("bin_b: 0", "bin_b: 1"))
    assert fcov.pct == 100.0
    jobs = [job(t) for t in plan.tests()]
    conf = conformance.evaluate(plan, rules, jobs, fcov, _ccov(2, 2))
    assert [g.met for g in conf.goals] == [True, True, True], conf.goals
    assert conf.ok
    # goals not enforced: a missed goal does not fail sign-off, a failed job still does
    relaxed = conformance.evaluate(plan, docs[1], jobs, fcov, _ccov(2, 2), goals_enforced=False)
    assert not relaxed.goals_met and relaxed.ok


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{testpoints: [{'name': 'a', 'rules': ['IMS-1x']}]}", "not a rule ID"),
        ("{testpoints: [{'name': 'a'}, {'name': 'a'}]}", "duplicate testpoint"),
        ("{signoff: {line_coverage_pct: 120}}", "0..100"),
        ("{signoff: {fun: 1}}", "unknown goal"),
        ("{testpoints: [{desc: 'x'}]}", "needs a name"),
        ("{testpoints: [{'name': 'a', 'tests': 'x'}]}", "list of strings"),
    ],
)
def test_testplan_validation(tmp_path: Path, text: str, problem: str) -> None:
    p = tmp_path / "p.hjson"
    p.write_text(text)
    with pytest.raises(conformance.TestplanError, match=problem):
        conformance.load_testplan(p)


def test_failure_buckets_group_by_signature() -> None:
    jobs = [
        job(
            "t1", "failed", 1, msg="1 of 2 testcases failed; t1: PBA 0x10 != 0x0 at edge 57 IMS-030"
        ),
        job(
            "t2", "failed", 9, msg="3 of 3 testcases failed; t2: PBA 0x20 != 0x0 at edge 91 IMS-030"
        ),
        job("t3", "timeout", 1, msg="TIMEOUT: killed after 900 s wall clock"),
        job("t4"),
    ]
    buckets = conformance.failure_buckets(jobs)
    assert [len(b.jobs) for b in buckets] == [2, 1]
    assert buckets[0].signature == "failed: PBA 0x# != 0x# at edge # IMS-030"
    assert buckets[0].rules == ["IMS-030"]
    assert buckets[1].signature.startswith("timeout: TIMEOUT")


def test_load_results_reads_the_regression_junit(tmp_path: Path) -> None:
    cfg = sim.Config(64, 9)
    runs = [
        sim.RunResult(
            "icarus",
            cfg,
            "test_smoke",
            "reset_values",
            5,
            "passed",
            "",
            "rr1",
            tmp_path / "a.log",
            tmp_path / "a.xml",
        ),
        sim.RunResult(
            "verilator",
            cfg,
            "test_ims",
            "ims_flush_test",
            6,
            "failed",
            "1 of 1 testcases failed; x: bad",
            "rr2",
            tmp_path / "b.log",
            tmp_path / "b.xml",
        ),
    ]
    report.write_junit(tmp_path / "results.xml", runs)
    jobs = conformance.load_results(tmp_path / "results.xml")
    assert jobs == [JobResult.from_run(r) for r in runs]


class _Checker(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            # relative links to the run's logs are fine; nothing the page loads, no URLs
            relative_link = tag == "a" and name == "href" and value and ":" not in value
            if name in ("src", "href") and value and not (relative_link and value[0] != "/"):
                self.external.append(value)
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(tag)


def test_reports_are_self_contained_and_name_failures(
    tmp_path: Path, docs: tuple[conformance.Testplan, list[conformance.Rule]]
) -> None:
    plan, rules = docs
    jobs = [
        job("t_a1"),
        job("t_a2"),
        job("t_b", "failed", 3, msg="1 of 1 testcases failed; t_b: <PBA> mismatch IMS-002"),
    ]
    conf = conformance.evaluate(plan, rules, jobs, _fcov(tmp_path), _ccov(1, 2))
    paths = report_html.write_reports(conf, tmp_path / "run")
    assert [p.name for p in paths] == ["report.html", "report.md"]
    text = paths[0].read_text()
    checker = _Checker()
    checker.feed(text)
    assert checker.external == []
    assert {"table", "style"} <= checker.tags
    assert "&lt;PBA&gt; mismatch" in text  # escaped
    assert "--testcase t_b --seed 3" in text  # rerun command
    assert "IMS-002" in text and "tp_b" in text and "SIGN-OFF: FAIL" in text
    md = paths[1].read_text()
    assert "| IMS-002 | FAIL | tp_a (PASS), tp_b (FAIL)" in md
    assert "rerun: `.venv/bin/ims run --sim icarus --module test_x --testcase t_b --seed 3`" in md
    summary = report_html.terminal_summary(conf, paths)
    assert "FAILING testpoints (1):\n  tp_b: t_b 1 failed/1 -> rules IMS-002" in summary
    assert "FAILING rules (1): IMS-002" in summary
    assert "rules named by the failure messages: IMS-002 (FAIL)" in summary
    assert "SIGN-OFF (conformance): FAIL" in summary
    assert "[MISSED] functional coverage" in summary


def test_signoff_over_a_run_folder(tmp_path: Path) -> None:
    """evaluate_run on a folder: results.xml + jobs/<job>/coverage.dat + jobs/<job>/cov/*.yml."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "spec.md").write_text(SPEC)
    (tmp_path / "docs" / "testplan.hjson").write_text(PLAN)
    (tmp_path / "docs" / "coverage_waivers.hjson").write_text(
        "{waivers: [{'file': 'rtl/a.v', 'type': 'line', 'lines': 2, 'reason': 'unreachable arm'}]}"
    )
    run = tmp_path / "run"
    cfg = sim.Config(64, 9)
    runs = [
        sim.RunResult("verilator", cfg, "test_x", t, 1, "passed", "", "rr", run / "l", run / "x")
        for t in ("t_a1", "t_a2", "t_b", "t_c")
    ]
    report.write_junit(run / "results.xml", runs)
    for i, n in enumerate((1, 3)):
        d = run / "jobs" / f"j{i}"
        (d / "cov" / "verilator-64x9").mkdir(parents=True)
        (d / "cov" / "verilator-64x9" / f"t_{i}.yml").write_text(EXPORT)
        (d / "coverage.dat").write_text(
            f"C '\x01f\x02{tmp_path}/rtl/a.v\x01l\x02{n}\x01n\x021\x01t\x02line\x01o\x02b' 1\n"
            f"C '\x01f\x02{tmp_path}/rtl/a.v\x01l\x022\x01n\x021\x01t\x02line\x01o\x02b' 0\n"
        )
    conf, text = signoff.finish_run(run, signoff.Sources(root=tmp_path))
    assert conf.codecov is not None
    assert (conf.codecov.line.covered, conf.codecov.line.total) == (2, 2)  # line 2 waived
    assert "rtl/a.v" in conf.codecov.files
    assert conf.funcov is not None and len(conf.funcov.files) == 2
    assert conf.funcov.groups["cg_one"].points["cg_one.kind[IMS-001]"].hits == {
        "bin_a": 2,
        "bin_b": 0,
    }
    assert (run / "report.html").is_file() and (run / "report.md").is_file()
    assert (run / "coverage" / "funcov.json").is_file()
    assert (run / "coverage" / "coverage.dat").is_file()
    assert conf.jobs_ok and not conf.ok  # funcov 50 %, IMS-011 uncovered
    assert "report.html" in text
    # the merged outputs are not read back as inputs on a second evaluation
    again = signoff.evaluate_run(run, signoff.Sources(root=tmp_path))
    assert again.funcov is not None and len(again.funcov.files) == 2


def test_repository_testplan_names_only_spec_rules() -> None:
    root = sim.project_root()
    plan = conformance.load_testplan(root / "docs" / "testplan.hjson")
    rules = {r.id for r in conformance.spec_rules(root / "docs" / "spec.md")}
    assert len(rules) >= 50
    named = {r for tp in plan.testpoints for r in tp.rules} | {
        r for cg in plan.covergroups for r in cg.rules
    }
    assert named <= rules, sorted(named - rules)
    assert plan.goals.functional_coverage_pct == 100


def test_waived_rules(tmp_path: Path) -> None:
    (tmp_path / "spec.md").write_text(SPEC)
    plan_text = PLAN.replace(
        "every_rule_passing: true",
        "every_rule_passing: true\n    waived_rules: [\n"
        '      {"rule": "IMS-011", "reason": "a performance target measured by bench/"}\n'
        '      {"rule": "IMS-002", "reason": "named by a testpoint: this waiver has no effect"}\n'
        "    ]",
    )
    (tmp_path / "plan.hjson").write_text(plan_text)
    plan = conformance.load_testplan(tmp_path / "plan.hjson")
    rules = conformance.spec_rules(tmp_path / "spec.md")
    assert dict(plan.goals.waived_rules)["IMS-011"].startswith("a performance")
    conf = conformance.evaluate(plan, rules, [job(t) for t in plan.tests()])
    assert conf.rule("IMS-011").status == conformance.WAIVED
    assert conf.rule("IMS-002").status == PASS
    assert conf.unused_rule_waivers == ["IMS-002"]
    goal = next(g for g in conf.goals if g.name == "every rule passing")
    assert goal.met and goal.actual == "4/4 PASS (1 WAIVED)"
    md = report_html.render_markdown(conf)
    assert "| IMS-011 | WAIVED | waived: a performance target measured by bench/ |" in md


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('{"rule": "IMS-011"}', "'reason' is mandatory"),
        ('{"rule": "IMS-011", "reason": "short"}', "'reason' is mandatory"),
        ('{"rule": "nope", "reason": "long enough reason"}', "must be a rule ID"),
    ],
)
def test_rule_waiver_validation(tmp_path: Path, entry: str, problem: str) -> None:
    p = tmp_path / "p.hjson"
    p.write_text("{signoff: {waived_rules: [" + entry + "]}}")
    with pytest.raises(conformance.TestplanError, match=problem):
        conformance.load_testplan(p)


def test_spec_rules_carry_their_layer_and_unclaimed_profile_rules_do_not_fail() -> None:
    """docs/spec.md tags every rule [contract] or [profile]; a DUT that does not claim the
    ims_ctrl profile has its profile rules NOT CLAIMED, and they do not miss every_rule_passing."""
    from pathlib import Path

    from imsflow.signoff import conformance as cf
    from imsflow.signoff.layers import layers_md, layers_terminal
    from imsflow.signoff.testplan import Goals, Testplan, Testpoint, spec_rules

    spec = Path(__file__).resolve().parents[1] / "docs" / "spec.md"
    rules = spec_rules(spec)
    text = spec.read_text()
    assert len(rules) == text.count("\n| IMS-")
    assert {r.layer for r in rules} == {"contract", "profile"}
    assert all(not r.text.startswith("[") for r in rules)
    layer = {r.id: r.layer for r in rules}
    assert layer["IMS-012"] == "contract" and layer["IMS-015"] == "profile"
    assert layer["IMS-081"] == "profile" and layer["IMS-100"] == "contract"
    tp = Testpoint("t", "", "V1", ("a",), tuple(r.id for r in rules))
    plan = Testplan("p", (tp,), (), Goals(every_rule_passing=True))
    job = cf.JobResult(test="a", module="m", sim="icarus", config="64x9", seed=1, status="passed")
    for claimed in (True, False):
        conf = cf.evaluate(plan, rules, [job], profile_claimed=claimed)
        prof = [r for r in conf.rules if r.layer == "profile"]
        assert all(r.status == (cf.PASS if claimed else cf.NOT_CLAIMED) for r in prof)
        assert conf.goals[0].met
        assert any("ims_ctrl profile" in line for line in layers_terminal(conf))
        assert "## Device contract and ims_ctrl profile" in "\n".join(layers_md(conf))


def test_a_profile_only_covergroup_is_no_goal_for_a_dut_not_claiming_the_profile(
    tmp_path: Path,
) -> None:
    """cg_back_to_back evidences only IMS-090 (a profile rule): a slower implementation that does
    not claim the profile cannot and need not fill it; a profile-claiming DUT still must."""
    from imsflow.signoff.testplan import Goals, PlannedCovergroup, Rule, Testplan, Testpoint

    rules = [Rule("IMS-001", "contract rule", layer="contract")]
    rules.append(Rule("IMS-090", "profile rule", layer="profile"))
    tp = Testpoint("t", "", "V1", ("a",), ("IMS-001", "IMS-090"))
    cgs = (
        PlannedCovergroup("cg_one", "", ("IMS-001",)),
        PlannedCovergroup("cg_fast", "", ("IMS-090",)),
    )
    plan = Testplan("p", (tp,), cgs, Goals(functional_coverage_pct=50))
    fcov = _fcov(tmp_path)  # cg_one 1/2 bins, no data at all for cg_fast
    claimed = conformance.evaluate(plan, rules, [job("a")], fcov, profile_claimed=True)
    assert not claimed.goals[0].met and "no data for cg_fast" in claimed.goals[0].why
    theirs = conformance.evaluate(plan, rules, [job("a")], fcov, profile_claimed=False)
    assert theirs.goals[0].met, theirs.goals[0]
    assert "not claimed (profile only): cg_fast" in theirs.goals[0].why
