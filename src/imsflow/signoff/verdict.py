"""The sign-off verdict of a run: PASS, FAIL, NOT EVALUATED or PARTIAL, and when goals count.

Goals (the testplan's ``signoff`` block) are *evaluated*, and can fail the run, only when the run
is the full default matrix (every test, both simulators, the default configurations) or when
``--goals`` forces them. A subset (``--tests``, ``--sim`` or ``--config`` narrower than the
default) or ``--no-goals`` shows the goals for information and its verdict is NOT EVALUATED,
never PASS: its exit status says only whether every job passed.

Verdicts, first match wins:

* ``PARTIAL``: some jobs never ran (Ctrl-C, SIGTERM, a dead shard: status ``interrupted`` or
  ``missing``); the run is not complete, whatever the rest says (exit status non-zero);
* ``FAIL``: a job failed (crash, hang, build failure, missing results file), or goals are
  evaluated and one is missed;
* ``NOT EVALUATED``: every job passed, goals not evaluated (subset or ``--no-goals``); exit 0;
* ``PASS``: every job passed and every goal is met on an evaluated run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from imsflow.core.defaults import SIMULATORS
from imsflow.core.types import ALL_CONFIGS, Config, JobResult

__all__ = [
    "NOT_RUN_STATUSES",
    "Verdict",
    "goals_scope",
    "judge",
    "subset_reasons",
]

NOT_RUN_STATUSES = frozenset({"interrupted", "missing"})
"""Job statuses of jobs that never ran to an end (JUnit ``<skipped>``; the run is PARTIAL)."""

PASS, FAIL, NOT_EVALUATED, PARTIAL = "PASS", "FAIL", "NOT EVALUATED", "PARTIAL"


def subset_reasons(tests: str | None, sims: Sequence[str], configs: Sequence[Config]) -> list[str]:
    """What makes a run narrower than the default matrix ([] for the full default run)."""
    reasons = []
    if tests:
        reasons.append(f"--tests {tests}")
    if set(sims) != set(SIMULATORS):
        reasons.append(f"--sim {','.join(sims)}")
    if set(configs) != set(ALL_CONFIGS):
        reasons.append(f"--config {','.join(c.name for c in configs)}")
    return reasons


def goals_scope(
    goals: bool | None, tests: str | None, sims: Sequence[str], configs: Sequence[Config]
) -> tuple[bool, str]:
    """(goals evaluated?, why not). ``goals``: True ``--goals``, False ``--no-goals``, None auto
    (evaluated on the full default matrix only)."""
    if goals is True:
        return True, ""
    if goals is False:
        return False, "--no-goals"
    reasons = subset_reasons(tests, sims, configs)
    if reasons:
        return False, "subset: " + " ".join(reasons)
    return True, ""


@dataclass(frozen=True)
class Verdict:
    word: str  # PASS | FAIL | NOT EVALUATED | PARTIAL
    detail: str  # the text in parentheses
    ok: bool  # the exit status is 0

    @property
    def css(self) -> str:
        return self.word.replace(" ", "_")

    def __str__(self) -> str:
        return f"{self.word} ({self.detail})"


def judge(
    jobs: Sequence[JobResult],
    goals_met: Sequence[bool],
    goals_enforced: bool,
    not_evaluated: str = "",
) -> Verdict:
    """The verdict of a run (see the module doc). ``goals_met``: one bool per goal."""
    n = len(jobs)
    n_ok = sum(j.ok for j in jobs)
    not_run = sum(j.status in NOT_RUN_STATUSES for j in jobs)
    failed = n - n_ok - not_run
    passed = f"{n_ok}/{n} jobs passed"
    met = f"{sum(goals_met)}/{len(goals_met)} goals met"
    if not_run:
        fails = f", {failed} failed" if failed else ""
        return Verdict(PARTIAL, f"{not_run} of {n} jobs not run{fails}; {passed}", False)
    if not n:
        return Verdict(FAIL, "no jobs ran", False)
    if failed:
        tail = f", {met}" if goals_enforced and goals_met else ""
        return Verdict(FAIL, passed + tail, False)
    if not goals_enforced:
        why = not_evaluated or "goals not enforced"
        return Verdict(NOT_EVALUATED, f"{why}; goals not evaluated; {passed}", True)
    if not all(goals_met):
        return Verdict(FAIL, f"{passed}, {met}", False)
    return Verdict(PASS, f"{passed}, {met}" if goals_met else passed, True)
