"""ims regress and the sign-off: test discovery of pyuvm tests, coverage options, exit status."""

from __future__ import annotations

from pathlib import Path

from imsflow import regress


def test_pyuvm_test_classes_are_discovered(tmp_path: Path) -> None:
    (tmp_path / "test_u.py").write_text(
        "import cocotb, pyuvm\n"
        "@pyuvm.test(timeout_time=10, timeout_unit='us')\n"
        "class ims_a_test(Base):\n    pass\n"
        "@pyuvm.test(skip=True)\n"
        "class ims_skipped_test(Base):\n    pass\n"
        "class NotATest:\n    pass\n"
        "@cocotb.test()\n"
        "async def plain(dut):\n    pass\n"
    )
    assert regress.module_tests(tmp_path / "test_u.py") == ["ims_a_test", "plain"]


def test_signoff_applies_to_tb_tests_or_an_explicit_testplan(tmp_path: Path) -> None:
    root = tmp_path
    opts = regress.RegressOptions(root=root)
    src = regress.signoff_sources(opts, root, root / "tb")
    assert src is not None
    assert src.testplan == root / "docs" / "testplan.hjson"
    assert src.title == "ims_ctrl sign-off"
    assert src.profile_claimed
    # tests from elsewhere (the runner self-test fixture): no testplan applies
    assert regress.signoff_sources(opts, root, tmp_path / "fixtures") is None
    plan = tmp_path / "plan.hjson"
    mine = regress.RegressOptions(root=root, testplan=plan, filelist=tmp_path / "theirs.f")
    src = regress.signoff_sources(mine, root, tmp_path / "fixtures")
    assert src is not None and src.testplan == plan
    # a foreign file list does not claim the ims_ctrl profile (docs/spec.md, two layers)
    assert src.title == "ims_ctrl (theirs.f) sign-off (ims_ctrl profile not claimed)"
    assert not src.profile_claimed


def test_cli_signoff_options() -> None:
    from imsflow import cli

    args = cli.build_parser().parse_args(["regress", "--rtl", "x.f"])
    assert args.filelist == Path("x.f")
    # goals None: evaluated on the full default matrix only (imsflow.signoff.verdict)
    assert args.coverage is True and args.goals is None and args.testplan is None
    assert cli.build_parser().parse_args(["regress", "--goals"]).goals is True
    args = cli.build_parser().parse_args(
        ["regress", "--no-coverage", "--no-goals", "--testplan", "p.hjson", "--waivers", "w"]
    )
    assert (args.coverage, args.goals, args.testplan, args.waivers) == (
        False,
        False,
        Path("p.hjson"),
        Path("w"),
    )


def test_coverage_builds_only_for_verilator(tmp_path: Path) -> None:
    (tmp_path / "tb").mkdir()
    (tmp_path / "tb" / "test_a.py").write_text(
        "import cocotb\n@cocotb.test()\nasync def t(d):\n  pass\n"
    )
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "a.v").write_text("module ims_ctrl; endmodule\n")
    p = regress.plan(regress.RegressOptions(root=tmp_path, base_seed=1))
    assert {(s, spec.coverage) for (s, _), spec in p.specs.items()} == {
        ("icarus", False),
        ("verilator", True),
    }
    p = regress.plan(regress.RegressOptions(root=tmp_path, base_seed=1, coverage=False))
    assert not any(spec.coverage for spec in p.specs.values())
