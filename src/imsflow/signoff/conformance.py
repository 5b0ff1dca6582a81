"""The spec-conformance matrix: testplan x regression results x coverage -> sign-off.

Inputs: the testplan (``docs/testplan.hjson``, OpenTitan's format: testpoints with ``tests`` and
``rules``, covergroups with ``rules``, and a ``signoff`` block of goals), the spec's rule IDs
(every ``| IMS-nnn | text |`` table row of ``docs/spec.md``), the regression's job results, the
merged functional coverage (:mod:`imsflow.signoff.funcov`) and code coverage
(:mod:`imsflow.signoff.codecov`).

Statuses (the words the reports use):

* a *test* (a name in a testpoint's ``tests``) is PASS when at least one job of it ran and every
  job of it passed (all seeds, simulators, configurations), FAIL when any job failed, NOT RUN when
  no job ran (not passing);
* a *testpoint* is FAIL when any of its tests failed, else NOT RUN when any of its tests did not
  run (or it lists none), else PASS;
* a *rule* is FAIL when any testpoint naming it failed, else NOT RUN when any did not pass, else
  PASS; a rule that no testpoint names is UNCOVERED, or WAIVED when the ``signoff`` block's
  ``waived_rules`` lists it with a reason (e.g. a performance target measured by bench/, not by
  a test). Coverage is shown as the rule's evidence (the covergroups and coverpoints naming it),
  it does not change the status.

Sign-off goals (``signoff`` block; a goal left out is not checked):

* ``functional_coverage_pct``: covered bins / all bins over the testplan's covergroups
  (:mod:`imsflow.signoff.funcov`) >= the goal; a planned covergroup without data, or an unreadable
  export, misses it;
* ``line_coverage_pct``: line coverage after waivers (:mod:`imsflow.signoff.codecov`) >= the goal;
  no code coverage collected misses it;
* ``every_rule_passing``: every rule of the spec is PASS or WAIVED (FAIL, NOT RUN and UNCOVERED
  miss it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from imsflow.core.types import JobResult
from imsflow.signoff.codecov import CodeCoverage
from imsflow.signoff.funcov import FunctionalCoverage
from imsflow.signoff.testplan import (
    Goals,
    PlannedCovergroup,
    Rule,
    Testplan,
    TestplanError,
    Testpoint,
    load_testplan,
    spec_rules,
)
from imsflow.signoff.verdict import NOT_RUN_STATUSES

__all__ = [
    "FAIL",
    "NOT_CLAIMED",
    "NOT_RUN",
    "PASS",
    "UNCOVERED",
    "WAIVED",
    "Conformance",
    "Goal",
    "Goals",
    "JobResult",
    "Rule",
    "Testplan",
    "TestplanError",
    "evaluate",
    "failure_buckets",
    "load_results",
    "load_testplan",
    "spec_rules",
]

PASS, FAIL, NOT_RUN, UNCOVERED, WAIVED = "PASS", "FAIL", "NOT RUN", "UNCOVERED", "WAIVED"
NOT_CLAIMED = "NOT CLAIMED"
"""A profile rule of a DUT that does not claim the ims_ctrl profile (docs/spec.md, two layers)."""


# --------------------------------------------------------------------------- results


def load_results(junit: Path | str) -> list[JobResult]:
    """Jobs of a run's ``results.xml`` (as :func:`imsflow.regress.report.write_junit` writes it)."""
    root = ET.parse(junit).getroot()
    jobs: list[JobResult] = []
    for tc in root.iter("testcase"):
        props = {p.get("name", ""): p.get("value", "") for p in tc.iter("property")}
        classname = tc.get("classname", "")
        module = classname.split(".", 1)[1] if "." in classname else classname
        test = re.sub(r"\[[^\]]*\]$", "", tc.get("name", "?"))  # test[sim,config]
        fail = tc.find("failure")
        message = (fail.get("message") or "") if fail is not None else ""
        seed = props.get("seed", "0")
        jobs.append(
            JobResult(
                test=test,
                module=module,
                sim=props.get("sim", ""),
                config=props.get("config", ""),
                seed=int(seed) if seed.lstrip("-").isdigit() else 0,
                status=props.get("status", "failed" if fail is not None else "passed"),
                message=message,
                rerun=props.get("rerun", ""),
                log=props.get("log", ""),
            )
        )
    return jobs


# --------------------------------------------------------------------------- evaluation


@dataclass
class TestStatus:
    name: str
    jobs: list[JobResult] = field(default_factory=list)

    __test__ = False

    @property
    def passed(self) -> int:
        return sum(j.ok for j in self.jobs)

    @property
    def failed(self) -> int:
        return sum(not j.ok and j.status not in NOT_RUN_STATUSES for j in self.jobs)

    @property
    def status(self) -> str:
        """A job that never ran (interrupted, its shard died) makes the test NOT RUN, not FAIL."""
        if self.failed:
            return FAIL
        if not self.jobs or any(j.status in NOT_RUN_STATUSES for j in self.jobs):
            return NOT_RUN
        return PASS


def _worst(statuses: Iterable[str], empty: str = NOT_RUN) -> str:
    seen = list(statuses)
    if not seen:
        return empty
    if FAIL in seen:
        return FAIL
    if any(s != PASS for s in seen):
        return NOT_RUN
    return PASS


@dataclass
class Evidence:
    """A covergroup or coverpoint whose name or plan entry names a rule; pct None: no data."""

    name: str
    pct: float | None
    covered: int = 0
    total: int = 0


@dataclass
class TestpointStatus:
    testpoint: Testpoint
    tests: list[TestStatus]
    coverage: list[Evidence]

    @property
    def status(self) -> str:
        return _worst(t.status for t in self.tests)

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def failed(self) -> int:
        return sum(t.failed for t in self.tests)


@dataclass
class RuleStatus:
    rule: Rule
    testpoints: list[TestpointStatus]
    covergroups: list[Evidence]
    coverpoints: list[Evidence]
    waiver: str | None = None  # the reason, when the plan waives this rule
    claimed: bool = True  # False: a profile rule of a DUT that does not claim the profile

    @property
    def layer(self) -> str:
        return self.rule.layer

    @property
    def status(self) -> str:
        if not self.claimed:
            return NOT_CLAIMED
        if not self.testpoints:
            return WAIVED if self.waiver is not None else UNCOVERED
        return _worst(tp.status for tp in self.testpoints)

    @property
    def failing_testpoints(self) -> list[str]:
        return [tp.testpoint.name for tp in self.testpoints if tp.status == FAIL]


@dataclass
class Goal:
    name: str
    target: str
    actual: str
    met: bool
    why: str = ""


@dataclass
class Conformance:
    plan: Testplan
    rules: list[RuleStatus]
    testpoints: list[TestpointStatus]
    goals: list[Goal]
    jobs: list[JobResult]
    funcov: FunctionalCoverage | None
    codecov: CodeCoverage | None
    unplanned_tests: list[str] = field(default_factory=list)
    unknown_rules: list[str] = field(default_factory=list)
    unused_rule_waivers: list[str] = field(default_factory=list)
    goals_enforced: bool = True
    not_evaluated: str = ""  # why goals are not evaluated (subset, --no-goals); see verdict.py
    profile_claimed: bool = True  # the DUT claims the ims_ctrl profile (IMS_PROFILE)

    def layer_counts(self) -> dict[str, dict[str, int]]:
        """layer -> status -> rules (the contract and the profile, shown separately)."""
        out: dict[str, dict[str, int]] = {}
        for r in self.rules:
            d = out.setdefault(r.layer, {})
            d[r.status] = d.get(r.status, 0) + 1
        return out

    @property
    def jobs_ok(self) -> bool:
        return bool(self.jobs) and all(j.ok for j in self.jobs)

    @property
    def goals_met(self) -> bool:
        return all(g.met for g in self.goals)

    @property
    def ok(self) -> bool:
        """Sign-off: every job passed and (when enforced) every goal is met."""
        return self.jobs_ok and (self.goals_met or not self.goals_enforced)

    def rule(self, rule_id: str) -> RuleStatus:
        return next(r for r in self.rules if r.rule.id == rule_id)

    def testpoint(self, name: str) -> TestpointStatus:
        return next(t for t in self.testpoints if t.testpoint.name == name)

    def count(self, status: str, of: str = "rules") -> int:
        items: Sequence[RuleStatus | TestpointStatus] = (
            self.rules if of == "rules" else self.testpoints
        )
        return sum(1 for i in items if i.status == status)


def _matches(planned: str, job: JobResult) -> bool:
    return planned in (job.test, f"{job.module}.{job.test}", job.module)


def _cg_evidence(name: str, fcov: FunctionalCoverage | None) -> Evidence:
    g = fcov.groups.get(name) if fcov is not None else None
    if g is None or not g.total:
        return Evidence(name, None)
    return Evidence(name, g.pct, g.covered, g.total)


def evaluate(
    plan: Testplan,
    rules: Sequence[Rule],
    jobs: Sequence[JobResult],
    fcov: FunctionalCoverage | None = None,
    ccov: CodeCoverage | None = None,
    *,
    goals_enforced: bool = True,
    profile_claimed: bool = True,
) -> Conformance:
    """Join the plan with the results and coverage; see the module doc for the statuses."""
    cg_by_rule: dict[str, list[PlannedCovergroup]] = {}
    for cg in plan.covergroups:
        for r in cg.rules:
            cg_by_rule.setdefault(r, []).append(cg)
    tps: list[TestpointStatus] = []
    for tp in plan.testpoints:
        tests = [TestStatus(t, [j for j in jobs if _matches(t, j)]) for t in tp.tests]
        cgs = dict.fromkeys(cg.name for r in tp.rules for cg in cg_by_rule.get(r, []))
        tps.append(TestpointStatus(tp, tests, [_cg_evidence(n, fcov) for n in cgs]))
    points = fcov.points() if fcov is not None else []
    rule_ids = {r.id for r in rules}
    waived = dict(plan.goals.waived_rules)
    statuses: list[RuleStatus] = []
    for rule in rules:
        statuses.append(
            RuleStatus(
                rule,
                [t for t in tps if rule.id in t.testpoint.rules],
                [_cg_evidence(cg.name, fcov) for cg in cg_by_rule.get(rule.id, [])],
                [Evidence(p.name, p.pct, p.covered, p.total) for p in points if rule.id in p.rules],
                waived.get(rule.id),
                claimed=profile_claimed or rule.layer != "profile",
            )
        )
    # a waiver of a rule that a testpoint names (or that the spec lacks) has no effect
    unused_waivers = [r for r in waived if r not in rule_ids] + [
        s.rule.id for s in statuses if s.waiver is not None and s.testpoints
    ]
    planned = plan.tests()
    unplanned = sorted(
        {j.test for j in jobs if not any(_matches(t, j) for t in planned)}, key=str.lower
    )
    named = {r for tp in plan.testpoints for r in tp.rules} | {
        r for cg in plan.covergroups for r in cg.rules
    }
    conf = Conformance(
        plan=plan,
        rules=statuses,
        testpoints=tps,
        goals=[],
        jobs=list(jobs),
        funcov=fcov,
        codecov=ccov,
        unplanned_tests=unplanned,
        unknown_rules=sorted(named - rule_ids),
        unused_rule_waivers=sorted(unused_waivers),
        goals_enforced=goals_enforced,
        profile_claimed=profile_claimed,
    )
    conf.goals = _goals(conf)
    return conf


def _goals(conf: Conformance) -> list[Goal]:
    g = conf.plan.goals
    goals: list[Goal] = []
    if g.functional_coverage_pct is not None:
        goals.append(_funcov_goal(conf, g.functional_coverage_pct))
    if g.line_coverage_pct is not None:
        goals.append(_line_goal(conf, g.line_coverage_pct))
    if g.every_rule_passing:
        bad = {s: [r.rule.id for r in conf.rules if r.status == s] for s in (FAIL, NOT_RUN)}
        bad[UNCOVERED] = [r.rule.id for r in conf.rules if r.status == UNCOVERED]
        # a profile rule that the DUT does not claim is no contract failure (docs/spec.md)
        n_pass = conf.count(PASS) + conf.count(WAIVED) + conf.count(NOT_CLAIMED)
        why = "; ".join(
            f"{s}: {', '.join(ids[:12])}{' ...' if len(ids) > 12 else ''}"
            for s, ids in bad.items()
            if ids
        )
        if conf.unknown_rules:
            why += f"; plan names unknown rule(s): {', '.join(conf.unknown_rules)}"
        n_waived = conf.count(WAIVED)
        goals.append(
            Goal(
                "every rule passing",
                f"all {len(conf.rules)} spec rules PASS (or WAIVED)",
                f"{n_pass}/{len(conf.rules)} PASS"
                + (f" ({n_waived} WAIVED)" if n_waived else "")
                + (f" ({conf.count(NOT_CLAIMED)} NOT CLAIMED)" if conf.count(NOT_CLAIMED) else ""),
                n_pass == len(conf.rules) and bool(conf.rules) and not conf.unknown_rules,
                why.strip("; "),
            )
        )
    return goals


def _funcov_goal(conf: Conformance, target: float) -> Goal:
    name, tgt = "functional coverage", f">= {target:g} %"
    fcov = conf.funcov
    if fcov is None or not fcov.files:
        why = "no functional coverage exported (no passing pyuvm test ran)"
        if fcov is not None and fcov.errors:
            why += f"; {len(fcov.errors)} unreadable export(s)"
        return Goal(name, tgt, "no data", False, why)
    # a covergroup that evidences only profile rules (e.g. back-to-back events: IMS-090) is not
    # a goal for a DUT that does not claim the ims_ctrl profile
    profile = {r.rule.id for r in conf.rules if r.layer == "profile"}
    unclaimed = [
        cg.name
        for cg in conf.plan.covergroups
        if not conf.profile_claimed and cg.rules and set(cg.rules) <= profile
    ]
    planned = [cg.name for cg in conf.plan.covergroups if cg.name not in unclaimed] or sorted(
        n for n in fcov.groups if n not in unclaimed
    )
    groups = [fcov.groups[n] for n in planned if n in fcov.groups and fcov.groups[n].total]
    missing = [n for n in planned if n not in fcov.groups or not fcov.groups[n].total]
    covered, total = sum(g.covered for g in groups), sum(g.total for g in groups)
    value = 100.0 * covered / total if total else 0.0
    reasons: list[str] = []
    if unclaimed:
        reasons.append(f"not claimed (profile only): {', '.join(unclaimed)}")
    if missing:
        reasons.append(f"no data for {', '.join(missing)}")
    short = [f"{g.name} {g.pct:.1f} %" for g in groups if g.pct < target]
    if short:
        reasons.append("below goal: " + ", ".join(short))
    if fcov.errors:
        reasons.append(f"{len(fcov.errors)} unreadable export(s)")
    met = value >= target and not missing and not fcov.errors
    return Goal(name, tgt, f"{value:.1f} % ({covered}/{total} bins)", met, "; ".join(reasons))


def _line_goal(conf: Conformance, target: float) -> Goal:
    name, tgt = "line coverage (after waivers)", f">= {target:g} %"
    ccov = conf.codecov
    if ccov is None or not ccov.inputs:
        return Goal(name, tgt, "no data", False, "no code coverage collected (run with --coverage)")
    t = ccov.line
    reasons: list[str] = []
    if t.pct < target:
        worst = sorted(
            (f for f in ccov.files.values() if f.tallies["line"].total),
            key=lambda f: f.tallies["line"].pct,
        )
        reasons.append(
            "lowest: " + ", ".join(f"{f.file} {f.tallies['line'].pct:.1f} %" for f in worst[:3])
        )
    if ccov.errors:
        reasons.append(f"{len(ccov.errors)} unreadable coverage file(s)")
    met = t.pct >= target and not ccov.errors
    actual = f"{t.pct:.1f} % ({t.covered}/{t.total} items, {t.waived} waived)"
    return Goal(name, tgt, actual, met, "; ".join(reasons))


# --------------------------------------------------------------------------- failures


_PREFIX = re.compile(r"^\d+ of \d+ testcases failed; [^:]+:\s*")
_RULE_IN_TEXT = re.compile(r"\b[A-Z]{2,}-\d{3}\b")


def signature(job: JobResult) -> str:
    """An error signature: the first message line with the test name, numbers and hex values
    taken out, so that the same bug on different seeds lands in one bucket."""
    first = job.message.splitlines()[0] if job.message else ""
    text = _PREFIX.sub("", first)
    text = re.sub(r"0x[0-9a-fA-F]+", "0x#", text)
    text = re.sub(r"(?<![-\w])\d+\b", "#", text)  # rule IDs (IMS-030) stay
    return f"{job.status}: {text.strip()}" if text.strip() else job.status


@dataclass
class Bucket:
    signature: str
    jobs: list[JobResult]

    @property
    def rules(self) -> list[str]:
        """Rule IDs named by the failure messages (the scoreboard names the likely rule)."""
        return sorted({r for j in self.jobs for r in _RULE_IN_TEXT.findall(j.message)})


def failure_buckets(jobs: Iterable[JobResult]) -> list[Bucket]:
    """Failed jobs grouped by :func:`signature`, biggest bucket first."""
    buckets: dict[str, Bucket] = {}
    for j in jobs:
        if not j.ok and j.status not in NOT_RUN_STATUSES:  # jobs that never ran are no failure
            sig = signature(j)
            buckets.setdefault(sig, Bucket(sig, [])).jobs.append(j)
    return sorted(buckets.values(), key=lambda b: (-len(b.jobs), b.signature))
