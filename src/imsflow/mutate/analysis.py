"""Survivors and the score: the analysis in `docs/mutation_analysis.hjson`, the report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from imsflow.mutate.mutants import Mutant, MutantResult, code_part, enumerate_mutants, sources


def load_analysis(path: Path) -> dict[str, dict[str, str]]:
    """Survivor analysis: {mutant id: {"verdict": "equivalent"|..., "reason": ...}}."""
    if not path.exists():
        return {}
    import hjson

    data = hjson.loads(path.read_text())
    out: dict[str, dict[str, str]] = {}
    for item in data.get("survivors", []):
        if not item.get("reason"):
            raise ValueError(f"{path}: survivor {item.get('id')} has no reason")
        out[str(item["id"])] = {"verdict": str(item["verdict"]), "reason": str(item["reason"])}
    return out


def stale_analysis(path: Path, rtl_dir: Path) -> dict[str, str]:
    """Entries of the survivor analysis that no longer fit the RTL, {id: why}: an id that names
    no mutant, or a mutant whose line is not the entry's `code` any more (the RTL moved or
    changed it). A stale verdict must not be applied to whatever mutant now has that id."""
    if not path.exists():
        return {}
    import hjson

    lines = {name: p.read_text().splitlines() for name, p in sources(rtl_dir)}
    ids = {m.id for m in enumerate_mutants(rtl_dir)}
    problems: dict[str, str] = {}
    for item in hjson.loads(path.read_text()).get("survivors", []):
        mid, code = str(item.get("id")), item.get("code")
        if mid not in ids:
            problems[mid] = f"no such mutant in {rtl_dir}"
            continue
        if not code:
            problems[mid] = "no `code` (the mutated line) recorded"
            continue
        name, line = mid.split(":")[:2]
        text = code_part(lines[name][int(line) - 1]).strip()
        if text != code:
            problems[mid] = f"the line is now {text!r}, the analysis is of {code!r}"
    return problems


def _change(m: Mutant) -> str:
    """The change as one table cell (a design mutant may span lines)."""

    def one(t: str) -> str:
        t = " ".join(t.split()).replace("|", "\\|")
        return f"`{t[:57] + '...' if len(t) > 60 else t}`"

    return f"{one(m.before)} -> {one(m.after) if m.after else '(removed)'}"


def score(results: Sequence[MutantResult], analysis: dict[str, dict[str, str]]) -> dict[str, int]:
    counts = {
        "killed": 0,
        "timeout": 0,
        "survived": 0,
        "invalid": 0,
        "inconclusive": 0,
        "equivalent": 0,
    }
    for r in results:
        if r.status == "survived" and analysis.get(r.mutant.id, {}).get("verdict") == "equivalent":
            counts["equivalent"] += 1
        else:
            counts[r.status] += 1
    return counts


def render(
    results: Sequence[MutantResult], analysis: dict[str, dict[str, str]], target: float
) -> tuple[str, float]:
    c = score(results, analysis)
    detected = c["killed"] + c["timeout"]
    denom = detected + c["survived"]
    pct = 100.0 * detected / denom if denom else 100.0
    lines = [
        "# Mutation testing report",
        "",
        f"Mutants run: {len(results)}; killed {c['killed']}, timed out {c['timeout']}, "
        f"survived {c['survived']}, equivalent (analysed) {c['equivalent']}, "
        f"invalid {c['invalid']}, inconclusive (contract checker bound) {c['inconclusive']}.",
        f"Score (killed + timed out) / (valid - equivalent): **{pct:.1f}%** "
        f"(target {target:.0f}%).",
        "",
        "| mutant | change | result | first failing test |",
        "|---|---|---|---|",
    ]
    for r in results:
        m = r.mutant
        note = r.first_failure
        if r.status == "survived":
            a = analysis.get(m.id)
            note = f"{a['verdict']}: {a['reason']}" if a else "NOT ANALYSED"
        note = note.replace("|", "\\|")
        lines.append(f"| `{m.id}` | {_change(m)} | {r.status} | {note} |")
    return "\n".join(lines) + "\n", pct
