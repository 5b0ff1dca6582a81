"""Child process that calls ``cocotb_tools.runner`` for :mod:`imsflow.sim`.

``imsflow.sim`` starts ``python -m imsflow.sim.worker JOB.json`` in its own process group,
with a wall-clock timeout. Doing the runner call here, not in the caller, means:

* a hang (a simulation that never ends) is killed with its whole process group;
* ``Runner.test()`` calling ``sys.exit()`` on a simulator failure ends this process only;
* the environment the runner copies (it lets ``os.environ`` override ``extra_env``) is ours.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# Variables that would silently override what the job asks for: cocotb's runner copies
# os.environ over its own settings (seed, test filter, waves).
_SCRUB = (
    "PYTEST_CURRENT_TEST",
    "COCOTB_TEST_FILTER",
    "COCOTB_TESTCASE",
    "COCOTB_TEST_MODULES",
    "COCOTB_TOPLEVEL",
    "COCOTB_RANDOM_SEED",
    "RANDOM_SEED",
    "COCOTB_RESULTS_FILE",
    "WAVES",
    "GUI",
)


def _prepare(job: dict[str, Any]) -> None:
    for name in _SCRUB:
        os.environ.pop(name, None)
    os.environ.update({k: str(v) for k, v in job.get("env", {}).items()})
    # The runner hands sys.path to the simulator's embedded Python as PYTHONPATH.
    for entry in reversed(job.get("pythonpath", [])):
        sys.path.insert(0, entry)


def main(argv: list[str]) -> int:
    job: dict[str, Any] = json.loads(Path(argv[0]).read_text())
    _prepare(job)

    from cocotb_tools.runner import get_runner

    runner = get_runner(job["sim"])
    timescale = tuple(job["timescale"])
    if job["action"] == "build":
        runner.build(
            sources=job["sources"],
            includes=job.get("includes", []),
            defines=job.get("defines", {}),
            hdl_toplevel=job["toplevel"],
            parameters=job["parameters"],
            build_args=job["build_args"],
            build_dir=job["build_dir"],
            timescale=timescale,
            waves=job["waves"],
            always=True,
        )
        return 0
    runner.test(
        test_module=job["module"],
        hdl_toplevel=job["toplevel"],
        hdl_toplevel_lang="verilog",
        test_filter=job["test_filter"],
        seed=job["seed"],
        parameters=job["parameters"],
        build_dir=job["build_dir"],
        test_dir=job["test_dir"],
        results_xml=job["results_xml"],
        plusargs=job["plusargs"],
        timescale=timescale,
        waves=job["waves"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
