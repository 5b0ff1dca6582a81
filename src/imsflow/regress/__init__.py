"""Regressions: tests x seeds x simulators x configurations, shards, merges and launchers.

* :mod:`imsflow.regress.discover` - the cocotb tests of the test folder;
* :mod:`imsflow.regress.jobs` - the job matrix, options, plan and outcome of a regression;
* :mod:`imsflow.regress.runner` - running a matrix (or one shard of it) into a run folder;
* :mod:`imsflow.regress.rundir` - run folders;
* :mod:`imsflow.regress.report` - the text summary, progress lines and JUnit file;
* :mod:`imsflow.regress.shard` - the deterministic slices of a matrix;
* :mod:`imsflow.regress.manifest` - ``manifest.json`` and ``results/<job>.json``;
* :mod:`imsflow.regress.merge` - several run folders of one matrix into one;
* :mod:`imsflow.regress.launchers` - shards as tasks of a launcher (local, Slurm).
"""

from imsflow.regress.discover import (
    TestRef,
    UnknownTestError,
    check_patterns,
    check_test,
    discover_tests,
    module_tests,
    select_tests,
)
from imsflow.regress.jobs import (
    Job,
    Plan,
    RegressError,
    Regression,
    RegressOptions,
    make_matrix,
    plan,
    seeds_for,
)
from imsflow.regress.rundir import cpu_count, new_run_dir
from imsflow.regress.runner import run_regression, signoff_sources, write_reports

__all__ = [
    "Job",
    "Plan",
    "RegressError",
    "RegressOptions",
    "Regression",
    "TestRef",
    "UnknownTestError",
    "check_patterns",
    "check_test",
    "cpu_count",
    "discover_tests",
    "make_matrix",
    "module_tests",
    "new_run_dir",
    "plan",
    "run_regression",
    "seeds_for",
    "select_tests",
    "signoff_sources",
    "write_reports",
]
