"""Sign-off report of a regression: terminal summary, one self-contained HTML file, Markdown.

Everything is rendered from a :class:`imsflow.signoff.conformance.Conformance`: the sign-off goals,
the job table, the spec-conformance matrix (every spec rule with its status, the testpoints naming
it and the coverage evidencing it), the testpoints with their tests' pass/fail counts across seeds,
simulators and configurations, functional coverage per covergroup and coverpoint (with the bins not
yet hit), code coverage per RTL file (with the uncovered items and the waivers and their reasons),
and the failures bucketed by error signature with rerun commands. The HTML has inline CSS and no
scripts or external assets, so it can be mailed or attached to a CI run as one file.
"""

from __future__ import annotations

import html
import textwrap
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from imsflow.signoff import metadata, report_extra
from imsflow.signoff.conformance import (
    FAIL,
    NOT_RUN,
    PASS,
    UNCOVERED,
    WAIVED,
    Bucket,
    Conformance,
    Evidence,
    JobResult,
    failure_buckets,
)
from imsflow.signoff.layers import layers_html, layers_md, layers_terminal
from imsflow.signoff.verdict import NOT_RUN_STATUSES, Verdict, judge

__all__ = ["render_html", "render_markdown", "terminal_summary", "write_reports"]

MAX_UNCOVERED = 200
"""Uncovered code items listed per file in the reports (the rest is counted)."""
MAX_BUCKET_JOBS = 10
MAX_LISTED = 20
"""Failing testpoints listed one per line in the terminal summary."""


def _verdict(conf: Conformance) -> Verdict:
    return judge(conf.jobs, [g.met for g in conf.goals], conf.goals_enforced, conf.not_evaluated)


def _not_evaluated(conf: Conformance) -> str:
    return conf.not_evaluated or "goals not enforced"


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f} %"


def _ev(e: Evidence) -> str:
    return f"{e.name} {_pct(e.pct)}"


def _job_groups(jobs: Sequence[JobResult]) -> list[tuple[str, str, int, int, int]]:
    """(simulator, config, passed, failed, not run) per simulator x configuration."""
    groups: dict[tuple[str, str], list[JobResult]] = defaultdict(list)
    for j in jobs:
        groups[(j.sim, j.config)].append(j)
    return [
        (
            s,
            c,
            sum(j.ok for j in js),
            sum(not j.ok and j.status not in NOT_RUN_STATUSES for j in js),
            sum(j.status in NOT_RUN_STATUSES for j in js),
        )
        for (s, c), js in groups.items()
    ]


def _failing(conf: Conformance) -> tuple[list[str], list[str]]:
    """Lines naming each failing testpoint (its failing tests and rules), and the failing rule
    IDs."""
    tps = [
        f"{t.testpoint.name}: "
        + ", ".join(f"{x.name} {x.failed} failed/{len(x.jobs)}" for x in t.tests if x.failed)
        + f" -> rules {', '.join(t.testpoint.rules)}"
        for t in conf.testpoints
        if t.status == FAIL
    ]
    return tps, [r.rule.id for r in conf.rules if r.status == FAIL]


def _named_by_failures(conf: Conformance) -> list[str]:
    """Rule IDs that the failure messages name (the scoreboard names the likely rule), with
    their status: where to look first when many rules fail through shared tests."""
    named = sorted({r for b in failure_buckets(conf.jobs) for r in b.rules})
    status = {r.rule.id: r.status for r in conf.rules}
    return [f"{r} ({status.get(r, 'not in spec')})" for r in named]


def _counts(conf: Conformance, of: str) -> str:
    statuses = (PASS, FAIL, NOT_RUN, UNCOVERED, WAIVED) if of == "rules" else (PASS, FAIL, NOT_RUN)
    return ", ".join(f"{conf.count(s, of)} {s}" for s in statuses if conf.count(s, of))


# --------------------------------------------------------------------------- terminal


def terminal_summary(conf: Conformance, reports: Sequence[Path] = ()) -> str:
    """The sign-off block printed at the end of ``ims regress``."""
    plan = conf.plan.path.name if conf.plan.path else conf.plan.name
    out = [
        "",
        f"=== spec conformance ({plan}) ===",
        f"testpoints: {_counts(conf, 'testpoints')}",
        f"rules:      {_counts(conf, 'rules')}",
        *layers_terminal(conf),
    ]
    if conf.funcov is not None and conf.funcov.files:
        f = conf.funcov
        out.append(f"functional coverage: {f.pct:.1f} % ({f.covered}/{f.total} bins)")
        for cg in sorted(f.groups.values(), key=lambda cg: cg.name):
            out.append(f"  {cg.name:<22} {cg.pct:5.1f} % ({cg.covered}/{cg.total})")
    else:
        out.append("functional coverage: no data")
    if conf.codecov is not None and conf.codecov.inputs:
        c = conf.codecov
        ln, tg = c.line, c.toggle
        out.append(
            f"code coverage: line {ln.pct:.1f} % ({ln.covered}/{ln.total}, {ln.waived} waived), "
            f"toggle {tg.pct:.1f} % ({tg.covered}/{tg.total}), {len(c.inputs)} coverage.dat"
        )
        for fc in sorted(c.files.values(), key=lambda f: f.file):
            t = fc.tallies
            out.append(
                f"  {fc.file:<28} line {t['line'].pct:5.1f} %  toggle {t['toggle'].pct:5.1f} %"
            )
    else:
        out.append("code coverage: no data")
    tps, rules = _failing(conf)
    if tps:
        out.append(f"FAILING testpoints ({len(tps)}):")
        out += [f"  {line}" for line in tps[:MAX_LISTED]]
        if len(tps) > MAX_LISTED:
            out.append(f"  ... and {len(tps) - MAX_LISTED} more (report.html)")
    if rules:
        out += textwrap.wrap(
            f"FAILING rules ({len(rules)}): {', '.join(rules)}", 100, subsequent_indent="  "
        )
    named = _named_by_failures(conf)
    if named:
        out.append(f"rules named by the failure messages: {', '.join(named)}")
    buckets = failure_buckets(conf.jobs)
    if buckets:
        out.append(f"failures by signature ({len(buckets)} buckets):")
    for b in buckets[:5]:
        out.append(f"  x{len(b.jobs)}: {b.signature[:160]}")
        out.append(f"      rerun: {b.jobs[0].rerun}")
    if conf.unplanned_tests:
        out.append("tests not in the testplan: " + ", ".join(conf.unplanned_tests))
    if conf.unused_rule_waivers:
        out.append(
            "rule waivers without effect (a testpoint names the rule, or the spec lacks it): "
            + ", ".join(conf.unused_rule_waivers)
        )
    if conf.goals_enforced:
        out.append(f"sign-off goals ({plan} signoff block):")
    else:
        out.append(
            f"sign-off goals ({plan} signoff block), NOT EVALUATED ({_not_evaluated(conf)}); "
            "for information only:"
        )
    for g in conf.goals:
        mark = ("MET   " if g.met else "MISSED") if conf.goals_enforced else "info  "
        why = f" -- {g.why}" if g.why and not g.met else ""
        out.append(f"  [{mark}] {g.name} {g.target}: {g.actual}{why}")
    out.append(f"SIGN-OFF (conformance): {_verdict(conf)}")
    if reports:
        out.append("report: " + ", ".join(str(p) for p in reports))
    return "\n".join(out)


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}
.PASS,.MET{background:#d9f2d9}.FAIL,.MISSED{background:#f8d0d0}
.NOT_EVALUATED,.INFO{background:#dde3ea}.PARTIAL{background:#ffd98a}
.detail{font-weight:bold;margin-left:8px}.note{background:#eef3f8;padding:6px 10px;
border-left:4px solid #8aa}
.NOT_RUN{background:#fff0c2}.UNCOVERED{background:#e6e6e6}.WAIVED{background:#dde8f6}
td>span.PASS,td>span.FAIL,td>span.NOT_RUN,td>span.UNCOVERED,td>span.WAIVED,
td>span.MET,td>span.MISSED,td>span.INFO,td.id{white-space:nowrap}.nav{font-size:13px}
.verdict{display:inline-block;padding:4px 14px;font-weight:bold;border-radius:4px}
.bar{display:inline-block;width:120px;height:10px;background:#eee;vertical-align:middle;
margin-right:6px}.bar span{display:block;height:10px;background:#4a4}.bar span.lo{background:#d84}
code,pre{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f6f6f6}
pre{padding:6px;white-space:pre-wrap}details{margin:2px 0}.small{color:#666;font-size:12px}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _cls(status: str) -> str:
    return status.replace(" ", "_")


def _bar(value: float | None, goal: float = 100.0) -> str:
    if value is None:
        return '<span class="small">no data</span>'
    lo = "" if value >= goal else ' class="lo"'
    width = max(0.0, min(100.0, value))
    return f'<span class="bar"><span{lo} style="width:{width:.1f}%"></span></span>{value:.1f} %'


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], raw: bool = False) -> str:
    """rows are HTML when raw, else escaped text."""
    h = "".join(f"<th>{_e(c)}</th>" for c in head)
    body = []
    for r in rows:
        cells = r if raw else [_e(c) for c in r]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table><tr>{h}</tr>{''.join(body)}</table>"


def _status(status: str) -> str:
    return f'<span class="{_cls(status)}">&nbsp;{_e(status)}&nbsp;</span>'


def render_html(
    conf: Conformance,
    title: str = "ims_ctrl sign-off",
    run_dir: Path | None = None,
    root: Path | None = None,
) -> str:
    """The whole report as one HTML document (inline CSS, no external assets). With
    ``run_dir`` (where the report goes): the run's metadata, every job with a link to its log;
    with ``root`` (the repository): formal and mutation results (:mod:`report_extra`)."""
    meta = metadata.read(run_dir) if run_dir is not None else None
    fgoal = conf.plan.goals.functional_coverage_pct or 100.0
    lgoal = conf.plan.goals.line_coverage_pct or 100.0
    p: list[str] = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(title)}</title><style>{_CSS}{report_extra.CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p><span class="verdict {_verdict(conf).css}">SIGN-OFF: {_e(_verdict(conf).word)}'
        f'</span> <span class="detail">{_e(_verdict(conf).detail)}</span></p><p>'
        f'<span class="small">generated {_e(time.strftime("%Y-%m-%d %H:%M:%S"))}; testplan '
        f"{_e(_shown_path(conf.plan.path, root) or conf.plan.name)}</span></p>",
        _NAV,
        *(report_extra.html_run(meta) if run_dir is not None else []),
        "<h2 id='goals'>Sign-off goals</h2>",
        _table(
            ["goal", "target", "actual", "status", "why"],
            [
                [
                    _e(g.name),
                    _e(g.target),
                    _e(g.actual),
                    _status(("MET" if g.met else "MISSED") if conf.goals_enforced else "INFO")
                    + ("" if conf.goals_enforced else (" met" if g.met else " missed")),
                    _e(g.why),
                ]
                for g in conf.goals
            ],
            raw=True,
        ),
    ]
    if not conf.goals_enforced:
        p.insert(
            -1,
            f"<p class='note'>Goals NOT EVALUATED: {_e(_not_evaluated(conf))}. They are shown "
            "for information; only the full default matrix (or <code>--goals</code>) evaluates "
            "them.</p>",
        )
    p += [
        "<h2 id='jobs'>Jobs</h2>",
        _table(
            ["simulator", "config", "passed", "failed", "not run"],
            [[s, c, str(ok), str(bad), str(nr)] for s, c, ok, bad, nr in _job_groups(conf.jobs)],
        ),
        *(report_extra.html_jobs(conf.jobs, run_dir, root) if run_dir is not None else []),
        f"<p>testpoints: {_e(_counts(conf, 'testpoints'))}<br>rules: "
        f"{_e(_counts(conf, 'rules'))}</p>",
    ]
    named = _named_by_failures(conf)
    if named:
        p.append(f"<p>Rules named by the failure messages: <b>{_e(', '.join(named))}</b></p>")
    p += _html_failures(failure_buckets(conf.jobs), run_dir, root)
    p += layers_html(conf)
    p += ["<h2 id='matrix'>Spec-conformance matrix</h2>", _html_matrix(conf)]
    p += ["<h2 id='testpoints'>Testpoints</h2>", _html_testpoints(conf)]
    p += _html_funcov(conf, fgoal)
    p += _html_codecov(conf, lgoal)
    p += report_extra.html_source(conf.codecov)
    if root is not None:
        p += report_extra.html_formal(root, meta)
        p += report_extra.html_mutation(root, meta)
    if conf.unplanned_tests:
        p.append("<h2>Tests not in the testplan</h2><p>")
        p.append(", ".join(f"<code>{_e(t)}</code>" for t in conf.unplanned_tests) + "</p>")
    p.append("</body></html>")
    return "\n".join(p)


def _log_cell(log: str, run_dir: Path | None, root: Path | None) -> str:
    if not log or run_dir is None:
        return f"<code>{_e(log)}</code>"
    href = report_extra.log_href(log, run_dir, root)
    return f"<a href='{_e(href)}'><code>{_e(href)}</code></a>"


_NAV = (
    "<p class='nav'>"
    + " &middot; ".join(
        f"<a href='#{i}'>{t}</a>"
        for i, t in (
            ("run", "run"),
            ("goals", "goals"),
            ("jobs", "jobs"),
            ("matrix", "conformance matrix"),
            ("testpoints", "testpoints"),
            ("funcov", "functional coverage"),
            ("codecov", "code coverage"),
            ("source", "annotated source"),
            ("formal", "formal"),
            ("mutation", "mutation"),
        )
    )
    + "</p>"
)


def _shown_path(path: Path | None, root: Path | None) -> str:
    if path is None:
        return ""
    if root is not None and Path(path).resolve().is_relative_to(root.resolve()):
        return str(Path(path).resolve().relative_to(root.resolve()))
    return str(path)


def _html_failures(
    buckets: Sequence[Bucket], run_dir: Path | None = None, root: Path | None = None
) -> list[str]:
    if not buckets:
        return []
    n_jobs = sum(len(b.jobs) for b in buckets)
    out = [f"<h2 id='failures'>Failures ({n_jobs} jobs, {len(buckets)} buckets)</h2>"]
    for b in buckets:
        named = f" &mdash; names {_e(', '.join(b.rules))}" if b.rules else ""
        out.append(f"<details open><summary><b>x{len(b.jobs)}</b> <code>{_e(b.signature)}</code>")
        out.append(f"{named}</summary><table><tr><th>job</th><th>log</th><th>rerun</th></tr>")
        for j in b.jobs[:MAX_BUCKET_JOBS]:
            out.append(
                f"<tr><td>{_e(j.name)}<br><span class='small'>{_e(j.message[:300])}</span></td>"
                f"<td>{_log_cell(j.log, run_dir, root)}</td><td><pre>{_e(j.rerun)}</pre></td></tr>"
            )
        out.append("</table>")
        if len(b.jobs) > MAX_BUCKET_JOBS:
            out.append(f"<p class='small'>... and {len(b.jobs) - MAX_BUCKET_JOBS} more</p>")
        out.append("</details>")
    return out


def _html_matrix(conf: Conformance) -> str:
    rows = []
    section = None
    for r in conf.rules:
        if r.rule.section != section:
            section = r.rule.section
            rows.append([f"<th colspan='6'>{_e(section)}</th>"])
        tps = ", ".join(
            f'<span class="{_cls(t.status)}">{_e(t.testpoint.name)}</span>' for t in r.testpoints
        )
        jobs = sum(t.passed + t.failed for t in r.testpoints)
        passed = sum(t.passed for t in r.testpoints)
        ev = [f"{_e(e.name)} {_bar(e.pct)}" for e in r.covergroups]
        ev += [f"<span class='small'>{_e(e.name)}</span> {_bar(e.pct)}" for e in r.coverpoints]
        rows.append(
            [
                f"<td class='id'><b>{_e(r.rule.id)}</b></td>",
                f"<td class='small text'>{_e(r.rule.text)}</td>",  # in full, wrapped
                f"<td>{_status(r.status)}</td>",
                f"<td>{tps or _no_testpoint(r.waiver)}</td>",
                f"<td class='n'>{passed}/{jobs}</td>",
                f"<td class='ev'>{'<br>'.join(ev)}</td>",
            ]
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("rule", "text", "status", "testpoints", "jobs passed", "coverage evidence")
    )
    return f"<table><tr>{head}</tr>" + "".join(f"<tr>{''.join(r)}</tr>" for r in rows) + "</table>"


def _no_testpoint(waiver: str | None) -> str:
    if waiver is None:
        return "<i>no testpoint</i>"
    return f"<i>waived in the testplan:</i> {_e(waiver)}"


def _html_testpoints(conf: Conformance) -> str:
    rows = []
    for t in conf.testpoints:
        tests = "<br>".join(
            f'<span class="{_cls(x.status)}">{_e(x.name)}</span> {x.passed}/{len(x.jobs)}'
            for x in t.tests
        )
        rows.append(
            [
                f"<b>{_e(t.testpoint.name)}</b><br>"
                f"<span class='small'>{_e(t.testpoint.desc)}</span>",
                _e(t.testpoint.stage),
                _status(t.status),
                tests,
                _e(", ".join(t.testpoint.rules)),
                "<br>".join(f"{_e(e.name)} {_bar(e.pct)}" for e in t.coverage),
            ]
        )
    return _table(
        ["testpoint", "stage", "status", "tests (passed/jobs)", "rules", "covergroups"],
        rows,
        raw=True,
    )


def _html_funcov(conf: Conformance, goal: float) -> list[str]:
    out = ["<h2 id='funcov'>Functional coverage</h2>"]
    f = conf.funcov
    if f is None or not f.files:
        out.append("<p>No functional coverage exported.</p>")
        if f is not None and f.errors:
            out.append("<pre>" + _e("\n".join(f.errors)) + "</pre>")
        return out
    out.append(
        f"<p>Metric: covered bins / all bins (a bin is covered when its hits summed over all "
        f"jobs reach at_least). Total {_bar(f.pct, goal)} ({f.covered}/{f.total} bins) from "
        f"{len(f.files)} exports.</p>"
    )
    planned = {cg.name: cg for cg in conf.plan.covergroups}
    names = list(planned) + sorted(n for n in f.groups if n not in planned)
    rows = []
    for n in names:
        g = f.groups.get(n)
        if g is None or not g.total:
            rows.append([f"<b>{_e(n)}</b>", _bar(None), "", ""])
            continue
        pts = []
        for pt in g.points.values():
            miss = pt.missing()
            detail = ""
            if miss:
                detail = (
                    f"<details><summary>{len(miss)} bins not hit</summary><code>"
                    + "<br>".join(_e(m) for m in miss)
                    + "</code></details>"
                )
            pts.append(f"{_e(pt.label)} {_bar(pt.pct, goal)} ({pt.covered}/{pt.total}){detail}")
        rows.append(
            [
                f"<b>{_e(n)}</b>" + ("" if n in planned else " <i>(not in plan)</i>"),
                _bar(g.pct, goal),
                f"{g.covered}/{g.total}",
                "<br>".join(pts),
            ]
        )
    out.append(_table(["covergroup", "coverage", "bins", "coverpoints"], rows, raw=True))
    if f.errors:
        out.append("<p>Unreadable exports:</p><pre>" + _e("\n".join(f.errors)) + "</pre>")
    return out


def _html_codecov(conf: Conformance, goal: float) -> list[str]:
    out = ["<h2 id='codecov'>Code coverage (Verilator)</h2>"]
    c = conf.codecov
    if c is None or not c.inputs:
        out.append("<p>No code coverage collected (run with --coverage on Verilator).</p>")
        return out
    ln, tg = c.line, c.toggle
    out.append(
        f"<p>Line (line + branch items) {_bar(ln.pct, goal)} ({ln.covered}/{ln.total}, "
        f"{ln.waived} waived); toggle {_bar(tg.pct)} ({tg.covered}/{tg.total}, {tg.waived} "
        f"waived); merged from {len(c.inputs)} coverage.dat files. An item is one "
        "(file, line, column, type, comment) point, summed over instances and jobs.</p>"
    )
    rows = []
    for fc in sorted(c.files.values(), key=lambda f: f.file):
        t = fc.tallies
        unc = fc.uncovered
        lines = [
            f"{i.point.type} L{i.point.line}:{i.point.column} {i.point.comment}"
            for i in unc[:MAX_UNCOVERED]
        ]
        more = f"<br>... and {len(unc) - MAX_UNCOVERED} more" if len(unc) > MAX_UNCOVERED else ""
        detail = (
            f"<details><summary>{len(unc)} uncovered</summary><code>"
            + "<br>".join(_e(x) for x in lines)
            + f"{more}</code></details>"
            if unc
            else ""
        )
        rows.append(
            [
                f"<code>{_e(fc.file)}</code>",
                f"{_bar(t['line'].pct if t['line'].total else None, goal)} "
                f"({t['line'].covered}/{t['line'].total}, {t['line'].waived} waived)",
                f"{_bar(t['toggle'].pct if t['toggle'].total else None)} "
                f"({t['toggle'].covered}/{t['toggle'].total}, {t['toggle'].waived} waived)",
                f"{_bar(t['expr'].pct if t['expr'].total else None)} "
                f"({t['expr'].covered}/{t['expr'].total})",
                detail,
            ]
        )
    out.append(_table(["file", "line", "toggle", "expr (info)", "not covered"], rows, raw=True))
    if c.waivers:
        out.append("<h3>Waivers</h3>")
        out.append(
            _table(
                ["waiver", "items", "reason"],
                [[w.label(), str(c.waiver_hits.get(w.index, 0)), w.reason] for w in c.waivers],
            )
        )
        unused = c.unused_waivers()
        if unused:
            out.append(
                "<p>Unused waivers (match nothing): "
                + _e(", ".join(f"#{w.index}" for w in unused))
                + "</p>"
            )
    if c.errors:
        out.append("<p>Unreadable coverage files:</p><pre>" + _e("\n".join(c.errors)) + "</pre>")
    return out


# --------------------------------------------------------------------------- Markdown


def _md_row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def _md_table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    return [_md_row(head), _md_row(["---"] * len(head)), *(_md_row(r) for r in rows)]


def render_markdown(
    conf: Conformance,
    title: str = "ims_ctrl sign-off",
    run_dir: Path | None = None,
    root: Path | None = None,
) -> str:
    """The report as Markdown (same content as the HTML, without the per-bin details)."""
    out = [f"# {title}", "", f"**SIGN-OFF: {_verdict(conf)}**", ""]
    if run_dir is not None:
        out += report_extra.md_run(metadata.read(run_dir))
    out += ["## Sign-off goals", ""]
    if not conf.goals_enforced:
        out += [f"Goals NOT EVALUATED ({_not_evaluated(conf)}), shown for information.", ""]
    out += _md_table(
        ["goal", "target", "actual", "status", "why"],
        [
            [
                g.name,
                g.target,
                g.actual,
                ("MET" if g.met else "MISSED")
                if conf.goals_enforced
                else ("info: met" if g.met else "info: missed"),
                g.why,
            ]
            for g in conf.goals
        ],
    )
    out += ["", "## Jobs", ""]
    out += _md_table(["simulator", "config", "passed", "failed", "not run"], _job_groups(conf.jobs))
    out += ["", f"testpoints: {_counts(conf, 'testpoints')}; rules: {_counts(conf, 'rules')}"]
    buckets = failure_buckets(conf.jobs)
    if buckets:
        out += ["", "## Failures", ""]
        for b in buckets:
            named = f" (names {', '.join(b.rules)})" if b.rules else ""
            out.append(f"* **x{len(b.jobs)}** `{b.signature}`{named}")
            for j in b.jobs[:MAX_BUCKET_JOBS]:
                log = report_extra.log_href(j.log, run_dir, root) if run_dir else j.log
                out.append(f"  * {j.name}: log [{log}]({log})")
                out.append(f"    rerun: `{j.rerun}`")
    out += layers_md(conf)
    out += ["", "## Spec-conformance matrix", ""]
    out += _md_table(
        ["rule", "status", "testpoints", "jobs passed", "coverage evidence", "text"],
        [
            [
                r.rule.id,
                r.status,
                ", ".join(f"{t.testpoint.name} ({t.status})" for t in r.testpoints)
                or (f"waived: {r.waiver}" if r.waiver else "-"),
                f"{sum(t.passed for t in r.testpoints)}/"
                f"{sum(t.passed + t.failed for t in r.testpoints)}",
                ", ".join(_ev(e) for e in [*r.covergroups, *r.coverpoints]) or "-",
                r.rule.text,
            ]
            for r in conf.rules
        ],
    )
    out += ["", "## Testpoints", ""]
    out += _md_table(
        ["testpoint", "stage", "status", "tests (passed/jobs)", "rules"],
        [
            [
                t.testpoint.name,
                t.testpoint.stage,
                t.status,
                ", ".join(f"{x.name} {x.passed}/{len(x.jobs)}" for x in t.tests),
                ", ".join(t.testpoint.rules),
            ]
            for t in conf.testpoints
        ],
    )
    out += ["", "## Functional coverage", ""]
    f = conf.funcov
    if f is None or not f.files:
        out.append("No functional coverage exported.")
    else:
        out.append(f"Total {f.pct:.1f} % ({f.covered}/{f.total} bins, covered bins / all bins).")
        out.append("")
        out += _md_table(
            ["covergroup", "coverage", "bins"],
            [[g.name, f"{g.pct:.1f} %", f"{g.covered}/{g.total}"] for g in f.groups.values()],
        )
    out += ["", "## Code coverage", ""]
    c = conf.codecov
    if c is None or not c.inputs:
        out.append("No code coverage collected.")
    else:
        ln, tg = c.line, c.toggle
        out.append(
            f"Line {ln.pct:.1f} % ({ln.covered}/{ln.total}, {ln.waived} waived), toggle "
            f"{tg.pct:.1f} % ({tg.covered}/{tg.total}), from {len(c.inputs)} coverage.dat."
        )
        out.append("")
        out += _md_table(
            ["file", "line", "toggle", "uncovered line items"],
            [
                [
                    fc.file,
                    f"{fc.tallies['line'].pct:.1f} % ({fc.tallies['line'].covered}/"
                    f"{fc.tallies['line'].total})",
                    f"{fc.tallies['toggle'].pct:.1f} %",
                    ", ".join(
                        f"L{i.point.line} {i.point.comment}"
                        for i in fc.uncovered
                        if i.point.kind == "line"
                    )[:400],
                ]
                for fc in sorted(c.files.values(), key=lambda f: f.file)
            ],
        )
        if c.waivers:
            out += ["", "Waivers:", ""]
            out += _md_table(
                ["waiver", "items", "reason"],
                [[w.label(), c.waiver_hits.get(w.index, 0), w.reason] for w in c.waivers],
            )
    if conf.unplanned_tests:
        out += ["", "Tests not in the testplan: " + ", ".join(conf.unplanned_tests)]
    if root is not None:
        out += ["", *report_extra.md_formal(root), *report_extra.md_mutation(root)]
    return "\n".join(out) + "\n"


def write_reports(
    conf: Conformance, run_dir: Path, title: str = "ims_ctrl sign-off", root: Path | None = None
) -> list[Path]:
    """Write ``report.html`` and ``report.md`` into the run folder; returns their paths.
    ``root``: the repository (formal and mutation results, relative log paths)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    html_path = run_dir / "report.html"
    md_path = run_dir / "report.md"
    html_path.write_text(render_html(conf, title, run_dir, root))
    md_path.write_text(render_markdown(conf, title, run_dir, root))
    return [html_path, md_path]
