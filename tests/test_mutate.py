"""Mutation tooling (src/imsflow/mutate/): enumeration, application, scoring, and one
real mutant of the mask rule killed by the smoke bench on Icarus."""

from __future__ import annotations

from pathlib import Path

import pytest

from imsflow import mutate, sim

RTL = sim.project_root() / "rtl"


def test_enumeration_is_deterministic_and_skips_declarations() -> None:
    a = mutate.enumerate_mutants(RTL)
    b = mutate.enumerate_mutants(RTL)
    assert a == b
    assert len({m.id for m in a}) == len(a), "mutant ids must be unique"
    for m in a:
        line = (RTL / m.file).read_text().splitlines()[m.line - 1]
        code = line.split("//", 1)[0]
        assert not code.lstrip().startswith(("input", "output", "localparam", "parameter"))
        if m.family == "flip":  # a design mutant may span lines: tests/test_mutate_design.py
            assert code[m.col : m.col + len(m.before)] == m.before


def test_conditions_after_end_else_are_mutated() -> None:
    """`end else if (cond)` holds logic: its operators are mutants like any `if`."""
    ids = {m.id for m in mutate.enumerate_mutants(RTL)}
    for file in RTL.glob("*.v"):
        for no, line in enumerate(file.read_text().splitlines(), start=1):
            code = line.split("//", 1)[0]
            if code.lstrip().startswith("end else if") and "!" in code:
                col = code.index("!")
                assert f"{file.name}:{no}:{col}:drop_not" in ids, (file.name, no, code)


def test_apply_changes_exactly_one_site(tmp_path: Path) -> None:
    m = next(x for x in mutate.enumerate_mutants(RTL) if x.op == "and_to_or")
    flist = mutate.apply(m, RTL, tmp_path / "mut")
    sources = sim.read_filelist(flist)
    assert sorted(p.name for p in sources) == sorted(p.name for p in RTL.glob("*.v"))
    orig = (RTL / m.file).read_text().splitlines()
    new = (tmp_path / "mut" / m.file).read_text().splitlines()
    diff = [i for i, (x, y) in enumerate(zip(orig, new, strict=True)) if x != y]
    assert diff == [m.line - 1]
    assert new[m.line - 1] == orig[m.line - 1][: m.col] + "||" + orig[m.line - 1][m.col + 2 :]


def test_apply_refuses_stale_mutant(tmp_path: Path) -> None:
    m = mutate.Mutant("ims_core.v", 1, 0, "and_to_or", "&&", "||")
    with pytest.raises(ValueError, match="source changed"):
        mutate.apply(m, RTL, tmp_path / "mut")


def test_select_spreads_and_filters() -> None:
    all_m = mutate.enumerate_mutants(RTL)
    assert mutate.select(all_m, 0, None) == all_m
    five = mutate.select(all_m, 5, None)
    assert len(five) == 5 and five[0] == all_m[0]
    flush = mutate.select(all_m, 0, r"^ims_flush\.v:")
    assert flush and all(m.file == "ims_flush.v" for m in flush)


def test_score_counts_equivalents_only_when_analysed() -> None:
    m1 = mutate.Mutant("a.v", 1, 0, "eq_to_ne", "==", "!=")
    m2 = mutate.Mutant("a.v", 2, 0, "eq_to_ne", "==", "!=")
    m3 = mutate.Mutant("a.v", 3, 0, "eq_to_ne", "==", "!=")
    results = [
        mutate.MutantResult(m1, "killed"),
        mutate.MutantResult(m2, "survived"),
        mutate.MutantResult(m3, "survived"),
    ]
    analysis = {m2.id: {"verdict": "equivalent", "reason": "x"}}
    counts = mutate.score(results, analysis)
    assert counts == {
        "killed": 1,
        "timeout": 0,
        "survived": 1,
        "invalid": 0,
        "inconclusive": 0,
        "equivalent": 1,
    }
    text, pct = mutate.render(results, analysis, 95.0)
    assert pct == 50.0
    assert "NOT ANALYSED" in text and "equivalent: x" in text


def test_survivor_analysis_matches_the_rtl() -> None:
    """Every analysed survivor still names a mutant on the line the analysis was written for."""
    path = sim.project_root() / "docs" / "mutation_analysis.hjson"
    assert mutate.stale_analysis(path, RTL) == {}
    assert len(mutate.load_analysis(path)) >= 10


def test_fsm_survivor_analysis_matches_its_rtl() -> None:
    """impl/fsm's analysis (beside its .f, the default for `ims mutate --rtl`) is current."""
    fsm = sim.project_root() / "impl" / "fsm"
    path = fsm / "mutation_analysis.hjson"
    assert mutate.stale_analysis(path, fsm) == {}
    assert len(mutate.load_analysis(path)) >= 5


def test_stale_survivor_analysis_is_reported(tmp_path: Path) -> None:
    """An entry whose line changed, one whose id names no mutant, and one without `code`."""
    (tmp_path / "a.v").write_text("assign x = a && b;\nassign y = c || d;\nassign z = e && f;\n")
    ana = tmp_path / "ana.hjson"
    ana.write_text(
        "{survivors: [\n"
        '{id: "a.v:1:13:and_to_or", code: "assign x = a && b;", verdict: "equivalent",\n'
        ' reason: "x"}\n'
        '{id: "a.v:2:13:or_to_and", code: "assign w = c || d;", verdict: "equivalent",\n'
        ' reason: "x"}\n'
        '{id: "a.v:9:1:or_to_and", code: "assign v = 1;", verdict: "equivalent",\n'
        ' reason: "x"}\n'
        '{id: "a.v:3:13:and_to_or", verdict: "equivalent",\n reason: "x"}\n'
        "]}\n"
    )
    stale = mutate.stale_analysis(ana, tmp_path)
    assert set(stale) == {"a.v:2:13:or_to_and", "a.v:9:1:or_to_and", "a.v:3:13:and_to_or"}
    assert "assign y = c || d;" in stale["a.v:2:13:or_to_and"]
    assert "no such mutant" in stale["a.v:9:1:or_to_and"]
    assert "no `code`" in stale["a.v:3:13:and_to_or"]


def test_bad_cli_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        mutate.main(["--count", "-1"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        mutate.main(["--config", "4096x9"])
    assert exc.value.code == 2
    fsm = str(sim.project_root() / "impl" / "fsm" / "ims_ctrl.f")
    with pytest.raises(SystemExit) as exc:  # a mistyped analysis is not silently "none"
        mutate.main(["--rtl", fsm, "--only", "ims_ctrl.v:80:20", "--analysis", "/no/such.hjson"])
    assert exc.value.code == 2


@pytest.mark.sim
def test_mask_check_mutant_is_killed(tmp_path: Path) -> None:
    """IMS-043: dropping the entry-mask term of the event rule must fail the smoke bench."""
    core = (RTL / "ims_core.v").read_text().splitlines()
    target = next(
        mutate.Mutant("ims_core.v", no, line.index("e_mask || "), "drop_mask", "e_mask || ", "")
        for no, line in enumerate(core, start=1)
        if "wire       t_masked = e_mask || " in line
    )
    res = mutate.run_mutant(
        target, RTL, tmp_path, "icarus", sim.Config(64, 9), ["test_smoke"], 1, 300.0
    )
    assert res.status == "killed", res
    assert "IMS-043" in res.first_failure, res.first_failure


@pytest.mark.parametrize("profile", ["ims_ctrl", "none"])
def test_run_mutant_passes_the_claimed_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    """A mutant runs through a file list; what it is held to must not depend on that (our RTL's
    mutants claim the ims_ctrl profile, another implementation's only the contract)."""
    from imsflow.core.types import BuildResult, RunResult
    from imsflow.mutate import run as mutate_run

    seen: list[str] = []

    def fake_build(spec: object, **_: object) -> BuildResult:
        return BuildResult(spec, True, tmp_path / "build.log", 0.0)  # type: ignore[arg-type]

    def fake_run(spec: object, module: str, **kw: object) -> RunResult:
        env = kw["extra_env"]
        assert isinstance(env, dict)
        seen.append(env["IMS_PROFILE"])
        raise RuntimeError("stop after the first run")

    monkeypatch.setattr(mutate_run, "build", fake_build)
    monkeypatch.setattr(mutate_run, "run_test", fake_run)
    m = mutate.enumerate_mutants(RTL)[0]
    with pytest.raises(RuntimeError, match="stop after"):
        mutate_run.run_mutant(
            m, RTL, tmp_path, "icarus", sim.Config(64, 9), ["test_smoke"], 1, 10.0, profile
        )
    assert seen == [profile]


def test_a_checker_bound_is_inconclusive_not_a_kill() -> None:
    """A run that stopped because the contract checker gave up proves nothing about the mutant:
    it is neither killed nor survived, and the score leaves it out."""
    from imsflow.mutate.analysis import render, score
    from imsflow.mutate.mutants import MutantResult

    m = mutate.enumerate_mutants(RTL)[:3]
    results = [
        MutantResult(m[0], "killed", "t: read data mismatch"),
        MutantResult(m[1], "inconclusive", "t: contract checker: ambiguity bound 20000 exceeded"),
        MutantResult(m[2], "survived"),
    ]
    c = score(results, {})
    assert (c["killed"], c["inconclusive"], c["survived"]) == (1, 1, 1)
    text, pct = render(results, {}, 95.0)
    assert pct == 50.0  # 1 killed of 2 that decided
    assert "inconclusive (contract checker bound) 1" in text
