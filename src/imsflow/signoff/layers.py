"""The two layers of docs/spec.md in the sign-off reports: the device contract and the ims_ctrl
profile, shown separately (one section of the console summary, report.md and report.html).

A DUT that does not claim the ims_ctrl profile (`ims regress --profile none`, the default for a
foreign `--rtl`) has its profile rules listed as NOT CLAIMED: they are no contract failures and do
not count against the `every_rule_passing` goal.
"""

from __future__ import annotations

import html

from imsflow.signoff.conformance import NOT_CLAIMED, Conformance, RuleStatus
from imsflow.signoff.testplan import CONTRACT, PROFILE

__all__ = ["layers_html", "layers_md", "layers_terminal"]

_TITLE = "Device contract and ims_ctrl profile"


def _claim(conf: Conformance) -> str:
    if conf.profile_claimed:
        return "the DUT claims the ims_ctrl profile: profile rules are checked too"
    return (
        "the DUT does not claim the ims_ctrl profile: its profile rules are NOT CLAIMED "
        "(not checked, no failures); the contract is checked"
    )


def _by_layer(conf: Conformance, layer: str) -> list[RuleStatus]:
    return [r for r in conf.rules if r.layer == layer]


def _summary(rules: list[RuleStatus]) -> str:
    counts: dict[str, int] = {}
    for r in rules:
        counts[r.status] = counts.get(r.status, 0) + 1
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none"


def layers_terminal(conf: Conformance) -> list[str]:
    out = [f"{_TITLE}: {_claim(conf)}"]
    for layer in (CONTRACT, PROFILE):
        rules = _by_layer(conf, layer)
        out.append(f"  {layer:<8} {len(rules):3d} rules: {_summary(rules)}")
        bad = [r.rule.id for r in rules if r.status not in ("PASS", "WAIVED", NOT_CLAIMED)]
        if bad:
            out.append(f"           not passing: {', '.join(bad)}")
    return out


def layers_md(conf: Conformance) -> list[str]:
    out = ["", f"## {_TITLE}", "", f"{_claim(conf)[0].upper()}{_claim(conf)[1:]}.", ""]
    for layer in (CONTRACT, PROFILE):
        rules = _by_layer(conf, layer)
        out += [f"**{layer}** ({len(rules)} rules: {_summary(rules)})", ""]
        out += ["| rule | status | text |", "|---|---|---|"]
        out += [
            f"| {r.rule.id} | {r.status} | {r.rule.text[:100].replace('|', '/')} |" for r in rules
        ]
        out.append("")
    return out


def layers_html(conf: Conformance) -> list[str]:
    out = [f"<h2>{_TITLE}</h2>", f"<p>{html.escape(_claim(conf))}.</p>"]
    for layer in (CONTRACT, PROFILE):
        rules = _by_layer(conf, layer)
        out.append(f"<h3>{layer} ({len(rules)} rules: {html.escape(_summary(rules))})</h3>")
        rows = "".join(
            f"<tr><td><b>{html.escape(r.rule.id)}</b></td><td>{html.escape(r.status)}</td>"
            f"<td class='small'>{html.escape(r.rule.text[:160])}</td></tr>"
            for r in rules
        )
        out.append(f"<table><tr><th>rule</th><th>status</th><th>text</th></tr>{rows}</table>")
    return out
