"""Sign-off of one regression run folder: merge its coverage, join it with the testplan, report.

A run folder (``build/regress/<run-id>/``, written by :mod:`imsflow.regress`) holds
``results.xml`` and ``jobs/<job>/``, where each Verilator coverage job leaves ``coverage.dat`` and
each passing pyuvm test leaves its functional coverage export under ``jobs/<job>/cov/``.
:func:`evaluate_run` works on such a folder alone (results can also be passed in), so folders of
several shards can be evaluated the same way once their ``jobs/`` are gathered in one place.

Written into the run folder: ``coverage/funcov.json`` (merged functional coverage, readable by
:func:`imsflow.signoff.funcov.read_export`), ``coverage/coverage.dat`` (merged Verilator points,
readable by ``verilator_coverage``), ``coverage/lcov.info`` and ``coverage/cobertura.xml``
(:mod:`imsflow.signoff.covexport`), ``report.html`` and ``report.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from imsflow.core.paths import project_root
from imsflow.core.types import JobResult
from imsflow.signoff import codecov, conformance, covexport, funcov, report_html, testplan
from imsflow.signoff.conformance import Conformance

__all__ = ["Sources", "evaluate_run", "finish_run"]


class Sources:
    """Where the testplan, spec and waivers are (defaults: the repository's docs/)."""

    def __init__(
        self,
        root: Path | None = None,
        testplan: Path | None = None,
        spec: Path | None = None,
        waivers: Path | None = None,
        title: str = "ims_ctrl sign-off",
        profile_claimed: bool = True,
    ) -> None:
        self.root = (root or project_root()).resolve()
        docs = self.root / "docs"
        self.testplan = testplan or docs / "testplan.hjson"
        self.spec = spec or docs / "spec.md"
        self.waivers = waivers or docs / "coverage_waivers.hjson"
        self.title = title
        # the DUT claims the ims_ctrl profile: else its profile rules are NOT CLAIMED
        self.profile_claimed = profile_claimed


def evaluate_run(
    run_dir: Path,
    sources: Sources | None = None,
    jobs: Sequence[JobResult] | None = None,
    *,
    goals_enforced: bool = True,
    coverage_dirs: Sequence[Path] | None = None,
    not_evaluated: str = "",
) -> Conformance:
    """Merge the run's coverage and evaluate the testplan against it and its job results.

    ``jobs`` default to the run's ``results.xml``; ``coverage_dirs`` (where the per-job
    coverage files are) to the run's ``jobs/`` folder, e.g. the ``jobs/`` of every shard.

    Raises :class:`imsflow.signoff.testplan.TestplanError` or
    :class:`imsflow.signoff.codecov.WaiverError` when the testplan or waiver file is malformed.
    """
    src = sources or Sources()
    run_dir = Path(run_dir)
    if jobs is None:
        jobs = conformance.load_results(run_dir / "results.xml")
    plan = testplan.load_testplan(src.testplan)
    rules = testplan.spec_rules(src.spec)
    waivers = codecov.load_waivers(src.waivers)
    dirs = [Path(d) for d in coverage_dirs] if coverage_dirs is not None else [run_dir / "jobs"]
    fcov = funcov.merge_files([f for d in dirs for f in funcov.find_exports(d)])
    if fcov.files:
        funcov.write_export(fcov, run_dir / "coverage" / "funcov.json")
    dats = [f for d in dirs for f in codecov.find_dat_files(d)]
    ccov = codecov.merge_files(dats, waivers, src.root) if dats else None
    if ccov is not None and ccov.inputs:
        codecov.write_dat(ccov.raw, run_dir / "coverage" / "coverage.dat")
        covexport.write_exports(ccov, run_dir / "coverage")  # lcov.info, cobertura.xml
    conf = conformance.evaluate(
        plan,
        rules,
        jobs,
        fcov,
        ccov,
        goals_enforced=goals_enforced,
        profile_claimed=getattr(src, "profile_claimed", True),
    )
    conf.not_evaluated = "" if goals_enforced else (not_evaluated or "--no-goals")
    return conf


def finish_run(
    run_dir: Path,
    sources: Sources | None = None,
    jobs: Sequence[JobResult] | None = None,
    *,
    goals_enforced: bool = True,
    coverage_dirs: Sequence[Path] | None = None,
    not_evaluated: str = "",
) -> tuple[Conformance, str]:
    """:func:`evaluate_run`, write report.html/report.md, return the terminal summary too."""
    src = sources or Sources()
    conf = evaluate_run(
        run_dir,
        src,
        jobs,
        goals_enforced=goals_enforced,
        coverage_dirs=coverage_dirs,
        not_evaluated=not_evaluated,
    )
    paths = report_html.write_reports(conf, Path(run_dir), src.title, src.root)
    cwd = Path.cwd()
    shown = [p.relative_to(cwd) if p.is_relative_to(cwd) else p for p in paths]
    return conf, report_html.terminal_summary(conf, shown)
