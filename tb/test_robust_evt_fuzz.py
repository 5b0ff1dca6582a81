"""Robustness of `ims_ctrl`: event fuzzing with forbidden-attempt counters (docs/testplan.hjson).
Plain cocotb on `imstb.directed.ImsEnv`; the machinery is `imstb.robust.evt_fuzz`, the shared parts
`imstb.robust.common` ($IMS_ROBUST_ITEMS scales the traffic).

`ims_evt_fuzz_test`: events of every handle and PASID class against the target entry, while
tables are disabled or masked and racing register writes; per-class tallies and "N <kind> events
tried, 0 delivered" counters at the end (what each class and counter means: the machinery's
docstring).
"""

from __future__ import annotations

import cocotb

from imstb.bfm.axil_master import AxilMasterConfig
from imstb.bfm.axil_sink import AxilSinkConfig
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.directed import ImsEnv
from imstb.model_probe import ProbedModel
from imstb.robust.common import Run, limit_us
from imstb.robust.evt_fuzz import run_evt_fuzz


@cocotb.test(timeout_time=limit_us(400), timeout_unit="us")
async def ims_evt_fuzz_test(dut: object) -> None:
    """IMS-033, IMS-040..045, IMS-050..052: events on both tables with handles and PASID fields
    picked by class (imstb.stim_classes; disabled tables, masked entries) racing random
    CTRL/mask/PASID writes; a per-class tally ends the log; the
    forbidden attempts are counted against the messages the DUT sent: none may be delivered.
    The scoreboard is not strict here, so a broken DUT still gets its counters reported."""
    env = ImsEnv(
        dut,
        master=AxilMasterConfig(
            aw_delay=Delay(0, 3, 0.5), w_delay=Delay(0, 3, 0.5), order="random", bready_prob=0.7
        ),
        evt=EvtSourceConfig(gap=Delay(0, 3, 0.5)),
        sink=AxilSinkConfig(awready_prob=0.8, wready_prob=0.8, b_delay=Delay(0, 4)),
        strict=False,
        model_factory=ProbedModel,
    )
    run = Run(env, "ims_evt_fuzz_test", __name__)
    await run.guard(run_evt_fuzz(run))
