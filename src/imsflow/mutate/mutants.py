"""Mutation testing of the RTL: does the bench find bugs? (`make mutate`, `ims-mutate`)

Each mutant is the repository RTL with exactly one textual change made by an operator
(swapped logical/comparison operators, a dropped negation, a stuck constant, an off-by-one
increment, a comparison bound moved by one). Mutants are enumerated deterministically from
the source text, so a mutant id (`file:line:col:operator`) names the same change on every run.
Each mutant is built and run against a regression subset on one simulator; the result is

* **killed**: some test fails (the first failing test is recorded),
* **timed out**: the simulation hung and was killed (counted as detected),
* **survived**: every test passed,
* **invalid**: the mutant does not build (not counted).

Survivors must be analysed in `docs/mutation_analysis.hjson` (`equivalent` with a reason, or
the test that now kills it). Score = (killed + timed out) / (valid - equivalent).
The exit status is non-zero when the score is below `--target` (default 95%).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from imsmodel import sim

# (name, pattern, replacement). Patterns apply to code with comments removed.
OPERATORS: tuple[tuple[str, str, str], ...] = (
    ("and_to_or", r"&&", "||"),
    ("or_to_and", r"\|\|", "&&"),
    ("eq_to_ne", r"==", "!="),
    ("ne_to_eq", r"!=", "=="),
    ("drop_not", r"!(?=[A-Za-z_(])", ""),
    ("drop_bitnot", r"~(?=[A-Za-z_(])", ""),
    ("lt_to_le", r"(?<![<=!>])<(?![<=])", "<="),
    ("ge_to_gt", r">=", ">"),
    ("true_to_false", r"1'b1\b", "1'b0"),
    ("false_to_true", r"1'b0\b", "1'b1"),
    ("inc_by_two", r"(?<=\+ )(\d+)'d1\b", r"\g<1>'d2"),
)

# Lines that are declarations or structure, not logic: never mutated. `end else if (...)`
# holds a condition and is mutated like any `if`.
_SKIP_LINE = re.compile(
    r"^\s*(module|endmodule|input|output|parameter|localparam|reg\s|integer|function|"
    r"endfunction|`|\$display|\$finish|initial|end\b(?!\s+else\s+if\b)|begin\b|"
    r"else\s*begin|always)"
)


@dataclass(frozen=True)
class Mutant:
    file: str  # file name inside rtl/
    line: int  # 1-based
    col: int  # 0-based column of the match
    op: str
    before: str
    after: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}:{self.col}:{self.op}"

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.id)


@dataclass
class MutantResult:
    mutant: Mutant
    status: str  # killed | timeout | survived | invalid
    first_failure: str = ""
    rerun: str = ""
    seconds: float = 0.0


def _code_part(line: str) -> str:
    return line.split("//", 1)[0]


def _in_sim_only_block(lines: Sequence[str]) -> list[bool]:
    """True for lines inside `ifndef SYNTHESIS ... `endif (simulation-only checks)."""
    flags, inside = [], False
    for line in lines:
        s = line.strip()
        if s.startswith("`ifndef SYNTHESIS"):
            inside = True
        flags.append(inside)
        if inside and s.startswith("`endif"):
            inside = False
    return flags


def enumerate_mutants(rtl_dir: Path) -> list[Mutant]:
    """Every single-site mutant of the RTL, in a stable order."""
    mutants: list[Mutant] = []
    for path in sorted(rtl_dir.glob("*.v")):
        lines = path.read_text().splitlines()
        sim_only = _in_sim_only_block(lines)
        for no, line in enumerate(lines, start=1):
            code = _code_part(line)
            if sim_only[no - 1] or not code.strip() or _SKIP_LINE.match(code):
                continue
            if re.match(r"^\s*wire\b", code) and "=" not in code:
                continue  # a plain declaration
            if re.match(r"^\s*wire\s+unused_", code):
                continue  # a lint sink for deliberately unused bits, no logic
            for op, pattern, repl in OPERATORS:
                for m in re.finditer(pattern, code):
                    after = m.expand(repl) if "\\g<" in repl else repl
                    mutants.append(Mutant(path.name, no, m.start(), op, m.group(0), after))
    return mutants


def apply(mutant: Mutant, rtl_dir: Path, out_dir: Path) -> Path:
    """Copy the RTL into out_dir with the mutation applied; return the .f file list."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for src in sorted(rtl_dir.glob("*.v")):
        shutil.copy(src, out_dir / src.name)
    target = out_dir / mutant.file
    lines = target.read_text().splitlines(keepends=True)
    line = lines[mutant.line - 1]
    if line[mutant.col : mutant.col + len(mutant.before)] != mutant.before:
        raise ValueError(f"{mutant.id}: source changed since enumeration")
    lines[mutant.line - 1] = (
        line[: mutant.col] + mutant.after + line[mutant.col + len(mutant.before) :]
    )
    target.write_text("".join(lines))
    flist = out_dir / f"{mutant.slug}.f"
    flist.write_text("".join(f"{p.name}\n" for p in sorted(out_dir.glob("*.v"))))
    return flist


def select(mutants: list[Mutant], count: int, only: str | None) -> list[Mutant]:
    """An evenly spread, deterministic subset of `count` mutants (all when count <= 0)."""
    if only:
        rx = re.compile(only)
        mutants = [m for m in mutants if rx.search(m.id)]
    if count <= 0 or count >= len(mutants):
        return mutants
    step = len(mutants) / count
    return [mutants[int(i * step)] for i in range(count)]


def run_mutant(
    mutant: Mutant,
    rtl_dir: Path,
    work: Path,
    simulator: str,
    config: sim.Config,
    modules: Sequence[str],
    seed: int,
    timeout: float,
) -> MutantResult:
    start = time.monotonic()
    flist = apply(mutant, rtl_dir, work / mutant.slug)
    spec = sim.make_build(simulator, config, filelist=flist)
    build = sim.build(spec)
    if not build.ok:
        return MutantResult(
            mutant, "invalid", build.message.splitlines()[0], "", time.monotonic() - start
        )
    try:
        for module in modules:
            res = sim.run_test(spec, module, seed=seed, timeout=timeout)
            if res.status == "timeout":
                return MutantResult(
                    mutant,
                    "timeout",
                    f"{module}: {res.message}",
                    res.rerun,
                    time.monotonic() - start,
                )
            if not res.ok:
                failed = [t.name for t in res.testcases if not t.passed]
                first = failed[0] if failed else module
                return MutantResult(
                    mutant,
                    "killed",
                    f"{first}: {_first_line(res)}",
                    res.rerun,
                    time.monotonic() - start,
                )
        return MutantResult(mutant, "survived", "", "", time.monotonic() - start)
    finally:
        shutil.rmtree(spec.build_dir, ignore_errors=True)


def _first_line(res: sim.RunResult) -> str:
    for t in res.testcases:
        if not t.passed and t.message:
            return t.message.splitlines()[0][:200]
    return res.message.splitlines()[0][:200] if res.message else res.status


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

    lines = {p.name: p.read_text().splitlines() for p in rtl_dir.glob("*.v")}
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
        text = _code_part(lines[name][int(line) - 1]).strip()
        if text != code:
            problems[mid] = f"the line is now {text!r}, the analysis is of {code!r}"
    return problems


def score(results: Sequence[MutantResult], analysis: dict[str, dict[str, str]]) -> dict[str, int]:
    counts = {"killed": 0, "timeout": 0, "survived": 0, "invalid": 0, "equivalent": 0}
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
        f"invalid {c['invalid']}.",
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
        lines.append(
            f"| `{m.id}` | `{m.before}` -> `{m.after or '(removed)'}` | {r.status} | {note} |"
        )
    return "\n".join(lines) + "\n", pct


def _batches(items: Sequence[Mutant], n: int) -> Iterator[Sequence[Mutant]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ims-mutate", description=__doc__.splitlines()[0])
    ap.add_argument("--sim", choices=sim.SIMULATORS, default="icarus")
    ap.add_argument("--config", default="64x9", type=sim.Config.parse)
    ap.add_argument(
        "--modules",
        default="test_smoke",
        help="comma-separated tb modules run against each mutant (%(default)s)",
    )
    ap.add_argument(
        "--count",
        type=int,
        default=60,
        help="mutants to run, spread evenly over all (0: all; %(default)s)",
    )
    ap.add_argument("--only", help="regex on mutant ids (file:line:col:op)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300.0, help="per simulation (s)")
    ap.add_argument("--target", type=float, default=95.0, help="required score (%%)")
    ap.add_argument("--list", action="store_true", help="list the selected mutants and exit")
    ap.add_argument("--out", type=Path, default=sim.project_root() / "build" / "mutate")
    args = ap.parse_args(argv)
    if args.count < 0 or args.jobs < 1 or args.timeout <= 0:
        ap.error("--count must be >= 0, --jobs >= 1 and --timeout > 0")
    root = sim.project_root()
    rtl_dir = root / "rtl"
    chosen = select(enumerate_mutants(rtl_dir), args.count, args.only)
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.before!r} -> {m.after!r}")
        return 0
    if not chosen:
        ap.error("no mutant selected")
    sim.check_simulator(args.sim)
    modules = [m.strip() for m in args.modules.split(",") if m.strip()]
    analysis_path = root / "docs" / "mutation_analysis.hjson"
    stale = stale_analysis(analysis_path, rtl_dir)
    for mid, why in stale.items():
        print(f"stale survivor analysis, not applied: {mid}: {why}", file=sys.stderr)
    analysis = {k: v for k, v in load_analysis(analysis_path).items() if k not in stale}
    args.out.mkdir(parents=True, exist_ok=True)
    results: list[MutantResult] = []
    t0 = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="ims-mutants-") as tmp,
        ThreadPoolExecutor(max_workers=args.jobs) as pool,
    ):
        futures = [
            pool.submit(
                run_mutant,
                m,
                rtl_dir,
                Path(tmp),
                args.sim,
                args.config,
                modules,
                args.seed,
                args.timeout,
            )
            for m in chosen
        ]
        for i, fut in enumerate(futures, start=1):
            r = fut.result()
            results.append(r)
            print(
                f"[{i}/{len(chosen)}] {r.status:8} {r.mutant.id} "
                f"({r.seconds:.0f} s) {r.first_failure[:90]}",
                flush=True,
            )
    text, pct = render(results, analysis, args.target)
    (args.out / "report.md").write_text(text)
    (args.out / "results.json").write_text(
        json.dumps(
            [
                {
                    **asdict(r.mutant),
                    "id": r.mutant.id,
                    "status": r.status,
                    "first_failure": r.first_failure,
                    "rerun": r.rerun,
                }
                for r in results
            ],
            indent=1,
        )
    )
    unanalysed = [
        r.mutant.id for r in results if r.status == "survived" and r.mutant.id not in analysis
    ]
    print(
        f"\nmutation score {pct:.1f}% (target {args.target:.0f}%) over {len(results)} mutants "
        f"in {time.monotonic() - t0:.0f} s; report: {args.out / 'report.md'}"
    )
    for mid in unanalysed:
        print(f"  survivor not analysed: {mid}")
    return 0 if pct >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
