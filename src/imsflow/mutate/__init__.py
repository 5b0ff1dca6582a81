"""Mutation testing of the RTL: does the bench find bugs? (`make mutate`, `ims mutate`)

Each mutant is the repository RTL (or another implementation's `.f` file list, `--rtl`) with
exactly one change made by an operator. Operator families (`--operators`):

* `flip`: textual operator flips on one line (swapped logical/comparison operators, a dropped
  negation, a stuck constant, an off-by-one increment, a comparison bound moved by one);
* design-level, on the parsed source (`imsflow.mutate.design`): `drop_operand` (one operand of
  an `&&`/`||` condition), `swap_branches` (adjacent bodies of an `if`/`else if`/`else` chain),
  `off_by_one` (`<=` -> `<`, `>` -> `>=`, an `==`/`!=` constant c -> c+1, c-1) and
  `drop_assign` (one assignment of a multi-assignment `begin ... end` block).

Mutants are enumerated deterministically from the source text, so a mutant id
(`file:line:col:operator`) names the same change on every run.
Each mutant is built and run against a regression subset on one simulator; the result is

* **killed**: some test fails (the first failing test is recorded),
* **timed out**: the simulation hung and was killed (counted as detected),
* **survived**: every test passed,
* **invalid**: the mutant does not build (not counted).

Survivors must be analysed in `docs/mutation_analysis.hjson` (`equivalent` with a reason, or
the test that now kills it). Score = (killed + timed out) / (valid - equivalent).
The exit status is non-zero when the score is below `--target` (default 95%).
"""

from imsflow.mutate.analysis import load_analysis, render, score, stale_analysis
from imsflow.mutate.cli import main
from imsflow.mutate.mutants import (
    FAMILIES,
    Mutant,
    MutantResult,
    apply,
    enumerate_mutants,
    resolve_operators,
    select,
    sources,
)
from imsflow.mutate.run import run_mutant

__all__ = [
    "FAMILIES",
    "Mutant",
    "MutantResult",
    "apply",
    "enumerate_mutants",
    "load_analysis",
    "main",
    "render",
    "resolve_operators",
    "run_mutant",
    "score",
    "select",
    "sources",
    "stale_analysis",
]
