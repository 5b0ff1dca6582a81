"""Sections of the sign-off report that make it evidence: the run, every job with its log,
formal results, the mutation score, the annotated RTL source.

* **Run**: ``metadata.json`` of the run folder (:mod:`imsflow.signoff.metadata`): commit and dirty
  flag, base seed, command line, tool versions, machine.
* **Jobs**: every job with status, seed and a link to its log relative to the report.
* **Formal**: the newest ``status.json`` under ``build/formal/`` (:mod:`imsflow.formal.status`):
  per job proved / bounded to depth k / failed / not run, with the commit and age of that run;
  "no formal results" when there is none.
* **Mutation**: the newest ``build/mutate/summary.json`` (:mod:`imsflow.mutate.summary`): score,
  target, counts, every survivor with its analysis (``docs/mutation_analysis.hjson``).
* **Annotated source**: each RTL file of the code coverage line by line with its hit count,
  uncovered and waived lines marked (:func:`imsflow.signoff.covexport.annotate`).

Formal and mutation results are older than the run in general: each shows its commit, flagged
when it is not the run's commit, and its age.
"""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imsflow.core.types import JobResult
from imsflow.mutate.analysis import load_analysis
from imsflow.signoff.codecov import CodeCoverage
from imsflow.signoff.covexport import annotate

__all__ = [
    "CSS",
    "html_formal",
    "html_jobs",
    "html_mutation",
    "html_run",
    "html_source",
    "latest",
    "log_href",
    "md_formal",
    "md_mutation",
    "md_run",
]

CSS = """
.meta th{width:11em}.meta td{overflow-wrap:anywhere}
td.text{min-width:20em;max-width:46em;overflow-wrap:break-word}
table{display:block;max-width:100%;overflow-x:auto}table.src{display:table}
.src{border-collapse:collapse;font:12px/1.35 ui-monospace,Menlo,Consolas,monospace}
.src td{border:none;padding:0 6px;white-space:pre-wrap;overflow-wrap:anywhere}
.src td.ln,.src td.hit{text-align:right;color:#777;white-space:nowrap;user-select:none}
.src tr.covered td.hit{background:#d9f2d9}.src tr.uncovered{background:#f8d0d0}
.src tr.waived{background:#e8e8e8;color:#666}.src tr.waived td.hit{font-style:italic}
.warn{color:#a40;font-weight:bold}
td.n{white-space:nowrap}td.ev{min-width:14em;overflow-wrap:anywhere}
@media (max-width:700px){body{margin:8px}td,th{padding:2px 4px}td.text{min-width:12em}
.verdict{display:block;width:max-content;margin-bottom:4px}
.detail{margin-left:0}}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def log_href(log: str, run_dir: Path, root: Path | None) -> str:
    """A job's log as a link relative to the report (``report.html`` is in the run folder)."""
    path = Path(log)
    if not path.is_absolute():
        path = (root or Path.cwd()) / path
    try:
        return Path(os.path.relpath(path, run_dir)).as_posix()
    except ValueError:
        return path.as_posix()


def _age(epoch: object) -> str:
    if not isinstance(epoch, int | float):
        return "age unknown"
    s = max(0.0, time.time() - float(epoch))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:.1f} {unit} ago"
    return f"{s:.0f} s ago"


def latest(folder: Path, name: str) -> tuple[Path, dict[str, Any]] | None:
    """The newest readable ``name`` in ``folder`` or one level below, with its data."""
    found = sorted(
        (p for p in [folder / name, *folder.glob(f"*/{name}")] if p.is_file()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for p in found:
        try:
            data = json.loads(p.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            return p, data
    return None


def _commit_note(data: dict[str, Any], meta: dict[str, Any] | None) -> str:
    commit = str(data.get("commit") or "unknown")
    note = f"commit <code>{_e(commit[:12])}</code>"
    if data.get("dirty"):
        note += " (dirty)"
    run_commit = (meta or {}).get("commit")
    if run_commit and commit != run_commit:
        note += " <span class='warn'>(not the commit of this run)</span>"
    return f"{note}, {_e(data.get('written', '?'))} ({_e(_age(data.get('epoch')))})"


# --------------------------------------------------------------------------- run and jobs


def _rows(meta: dict[str, Any]) -> list[tuple[str, str]]:
    tools = meta.get("tools") or {}
    machine = meta.get("machine") or {}
    dirty = meta.get("dirty")
    return [
        ("commit", f"{meta.get('commit') or 'unknown'} ({meta.get('branch') or '?'})"),
        ("dirty", "unknown" if dirty is None else ("YES: uncommitted changes" if dirty else "no")),
        ("base seed", str(meta.get("base_seed"))),
        ("command line", str(meta.get("command", "?"))),
        ("started", str(meta.get("started", "?"))),
        ("tools", ", ".join(f"{k} {v or 'not installed'}" for k, v in tools.items())),
        (
            "machine",
            f"{machine.get('hostname', '?')}, {machine.get('cores', '?')} cores, "
            f"{machine.get('os', '?')}",
        ),
    ]


def html_run(meta: dict[str, Any] | None) -> list[str]:
    out = ["<h2 id='run'>Run</h2>"]
    if meta is None:
        return [*out, "<p>No run metadata (metadata.json) in the run folder.</p>"]
    rows = "".join(
        f"<tr><th>{_e(k)}</th><td>{'<code>' + _e(v) + '</code>' if k == 'command line' else _e(v)}"
        f"</td></tr>"
        for k, v in _rows(meta)
    )
    return [*out, f"<table class='meta'>{rows}</table>"]


def md_run(meta: dict[str, Any] | None) -> list[str]:
    if meta is None:
        return ["## Run", "", "No run metadata.", ""]
    out = ["## Run", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v.replace('|', chr(92) + '|')} |" for k, v in _rows(meta)]
    return [*out, ""]


def html_jobs(jobs: Sequence[JobResult], run_dir: Path, root: Path | None) -> list[str]:
    rows = []
    for j in jobs:
        href = log_href(j.log, run_dir, root) if j.log else ""
        link = f"<a href='{_e(href)}'>{_e(Path(href).name)}</a>" if href else ""
        status = (
            "PASS" if j.ok else ("NOT_RUN" if j.status in ("interrupted", "missing") else "FAIL")
        )
        rows.append(
            f"<tr><td>{_e(j.sim)}</td><td>{_e(j.config)}</td><td>{_e(j.module)}.{_e(j.test)}</td>"
            f"<td class='n'>{j.seed}</td><td><span class='{status}'>&nbsp;{_e(j.status)}&nbsp;"
            f"</span></td><td>{link}</td></tr>"
        )
    return [
        f"<details><summary>All {len(jobs)} jobs with their logs</summary>",
        "<table><tr><th>simulator</th><th>config</th><th>test</th><th>seed</th><th>status</th>"
        f"<th>log</th></tr>{''.join(rows)}</table></details>",
    ]


# --------------------------------------------------------------------------- formal, mutation


def html_formal(root: Path, meta: dict[str, Any] | None) -> list[str]:
    out = ["<h2 id='formal'>Formal (ims formal)</h2>"]
    found = latest(root / "build" / "formal", "status.json")
    if found is None:
        return [*out, "<p>No formal results (run <code>make formal</code>).</p>"]
    path, data = found
    out.append(
        f"<p>From <code>{_e(_relto(path, root))}</code>: {_commit_note(data, meta)}; "
        f"<code>{_e(data.get('command', ''))}</code></p>"
    )
    rows = []
    for j in data.get("jobs", []):
        status = str(j.get("status", "?"))
        depth = j.get("depth")
        shown = {
            "proved": "proved (all depths)",
            "bounded": f"bounded to depth {depth}",
        }.get(status, status)
        css = {"proved": "PASS", "bounded": "WAIVED", "not run": "NOT_RUN"}.get(status, "FAIL")
        t = j.get("time")
        rows.append(
            f"<tr><td><b>{_e(j.get('job'))}</b><br><span class='small'>{_e(j.get('what', ''))}"
            f"</span></td><td>{_e(', '.join(j.get('groups', [])))}</td>"
            f"<td>{_e(j.get('engine', ''))}</td><td><span class='{css}'>&nbsp;{_e(shown)}&nbsp;"
            f"</span></td><td class='n'>{'' if t is None else _e(f'{t:g} s')}</td>"
            f"<td class='small'>{_e(j.get('assertion') or '')} "
            f"{_e(j.get('detail') or '')}</td></tr>"
        )
    out.append(
        "<table><tr><th>job</th><th>property groups</th><th>engine</th><th>result</th>"
        f"<th>time</th><th>detail</th></tr>{''.join(rows)}</table>"
    )
    return out


def md_formal(root: Path) -> list[str]:
    found = latest(root / "build" / "formal", "status.json")
    if found is None:
        return ["## Formal", "", "No formal results.", ""]
    _, data = found
    out = ["## Formal", "", f"commit {data.get('commit')}, {data.get('written')}", ""]
    out += ["| job | engine | result | depth | time |", "|---|---|---|---|---|"]
    out += [
        f"| {j.get('job')} | {j.get('engine')} | {j.get('status')} | {j.get('depth')} | "
        f"{j.get('time')} |"
        for j in data.get("jobs", [])
    ]
    return [*out, ""]


def html_mutation(root: Path, meta: dict[str, Any] | None) -> list[str]:
    out = ["<h2 id='mutation'>Mutation testing (ims mutate)</h2>"]
    found = latest(root / "build" / "mutate", "summary.json")
    if found is None:
        return [*out, "<p>No mutation results (run <code>make mutate</code>).</p>"]
    path, data = found
    c = data.get("counts", {})
    pct, target = data.get("score_pct", 0.0), data.get("target_pct", 0.0)
    css = "PASS" if pct >= target else "FAIL"
    out.append(
        f"<p>From <code>{_e(_relto(path, root))}</code>: {_commit_note(data, meta)}; "
        f"<code>{_e(data.get('command', ''))}</code><br>{_e(data.get('mutants'))} mutants "
        f"({_e(data.get('sim'))}, {_e(data.get('config'))}, "
        f"{_e(', '.join(data.get('modules', [])))}): killed {c.get('killed', 0)}, timed out "
        f"{c.get('timeout', 0)}, survived {c.get('survived', 0)}, equivalent "
        f"{c.get('equivalent', 0)}, invalid {c.get('invalid', 0)}, "
        f"inconclusive {c.get('inconclusive', 0)}. Score "
        f"<span class='{css}'>&nbsp;<b>{pct:.1f} %</b>&nbsp;</span> (target {target:g} %; "
        "killed + timed out over valid minus equivalent).</p>"
    )
    surv = data.get("survivors", [])
    if not surv:
        out.append("<p>No survivors in this run.</p>")
    if surv:
        rows = "".join(
            f"<tr><td><code>{_e(s.get('id'))}</code></td><td><code>{_e(s.get('before'))}</code> "
            f"&rarr; <code>{_e(s.get('after') or '(removed)')}</code></td>"
            f"<td>{_e(s.get('verdict'))}</td><td class='text'>{_e(s.get('reason'))}</td></tr>"
            for s in surv
        )
        out.append(
            "<table><tr><th>survivor</th><th>change</th><th>analysis</th><th>reason</th></tr>"
            f"{rows}</table>"
        )
    out += _analysis_on_file(root)
    return out


def _analysis_on_file(root: Path) -> list[str]:
    """Every survivor analysed in docs/mutation_analysis.hjson (the last full campaign)."""
    try:
        analysis = load_analysis(root / "docs" / "mutation_analysis.hjson")
    except (OSError, ValueError):
        return []
    entries = [{"id": k, **v} for k, v in analysis.items()]
    counts: dict[str, int] = {}
    for e in entries:
        counts[str(e.get("verdict"))] = counts.get(str(e.get("verdict")), 0) + 1
    rows = "".join(
        f"<tr><td><code>{_e(e.get('id'))}</code></td><td>{_e(e.get('verdict'))}</td>"
        f"<td class='text'>{_e(e.get('reason'))}</td></tr>"
        for e in entries
    )
    what = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    return [
        f"<details><summary>Survivor analysis on file (<code>docs/mutation_analysis.hjson</code>"
        f", the last full campaign): {len(entries)} survivors, {_e(what)}</summary>",
        f"<table><tr><th>mutant</th><th>verdict</th><th>reason</th></tr>{rows}</table></details>",
    ]


def md_mutation(root: Path) -> list[str]:
    found = latest(root / "build" / "mutate", "summary.json")
    if found is None:
        return ["## Mutation testing", "", "No mutation results.", ""]
    _, d = found
    out = [
        "## Mutation testing",
        "",
        f"Score {d.get('score_pct')} % (target {d.get('target_pct')} %) over {d.get('mutants')} "
        f"mutants, commit {d.get('commit')}, {d.get('written')}.",
        "",
    ]
    for s in d.get("survivors", []):
        out.append(f"* `{s.get('id')}`: {s.get('verdict')}: {s.get('reason')}")
    return [*out, ""]


def _relto(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- annotated source


def html_source(cov: CodeCoverage | None) -> list[str]:
    if cov is None or not cov.inputs:
        return []
    out = [
        "<h3 id='source'>Annotated source</h3>",
        "<p class='small'>Hits per line: the smallest count of the line/branch items on it "
        "(green: covered, red: an item on it not hit, grey: waived, with the reason on hover). "
        "The same data as <code>coverage/lcov.info</code> and <code>coverage/cobertura.xml"
        "</code>.</p>",
    ]
    for name in sorted(cov.files):
        lines = annotate(cov, name)
        if lines is None:
            out.append(f"<p><code>{_e(name)}</code>: source not found</p>")
            continue
        n_unc = sum(a.state == "uncovered" for a in lines)
        n_cov = sum(a.state == "covered" for a in lines)
        n_wv = sum(a.state == "waived" for a in lines)
        rows = []
        for a in lines:
            hits = "" if a.hits is None else str(a.hits)
            title = f" title='{_e(a.note)}'" if a.note else ""
            rows.append(
                f"<tr class='{a.state}'{title}><td class='ln'>{a.number}</td>"
                f"<td class='hit'>{hits}</td><td>{_e(a.text) or ' '}</td></tr>"
            )
        out.append(
            f"<details><summary><code>{_e(name)}</code>: {n_cov} lines covered, "
            f"<b>{n_unc} not covered</b>, {n_wv} waived</summary>"
            f"<table class='src'>{''.join(rows)}</table></details>"
        )
    return out
