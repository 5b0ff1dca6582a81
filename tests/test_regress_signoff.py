"""ims regress and the sign-off: test discovery of pyuvm tests, coverage options, exit status."""

from __future__ import annotations

from pathlib import Path

from imsmodel import regress


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
