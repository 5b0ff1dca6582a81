"""Build hook (everything else is in pyproject.toml): the installed kit carries what a user needs
to run `ims regress --rtl their.f` outside the repository.

A wheel gets, under ``imsflow/kit/``, copies of the cocotb test modules (``tb/test_*.py``), the
testplan, spec and coverage waivers (``docs/``), the register-map outputs (``docs/regmap/``) and
the RTL (``rtl/*.v``). ``imsflow.core.paths.kit_dir`` finds them when there is no checkout; in a
checkout (and an editable install) the repository's own files are used and nothing is copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
KIT_FILES = (
    "tb/test_*.py",
    "docs/spec.md",
    "docs/testplan.hjson",
    "docs/coverage_waivers.hjson",
    "docs/regmap/ims_ctrl.rdl",
    "docs/regmap/ims_ctrl.h",
    "docs/regmap/ims_ctrl.xml",
    "rtl/*.v",
)


class BuildPyWithKit(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install runs from the checkout: tb/, docs/, rtl/ are there
        dest = Path(self.build_lib) / "imsflow" / "kit"
        shutil.rmtree(dest, ignore_errors=True)  # build/lib is reused: no stale test module
        for pattern in KIT_FILES:
            found = sorted(HERE.glob(pattern))
            if not found:
                raise SystemExit(f"setup.py: the kit needs {pattern}, none found in {HERE}")
            for src in found:
                target = dest / src.relative_to(HERE)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)


setup(cmdclass={"build_py": BuildPyWithKit})
