"""Robustness of `ims_ctrl`: register fuzzing (docs/testplan.hjson). Plain cocotb on
`imstb.directed.ImsEnv`; the machinery is `imstb.robust.reg_fuzz`, the shared parts
`imstb.robust.common` ($IMS_ROBUST_ITEMS scales the traffic).

`ims_reg_fuzz_test`: random accesses over the whole 64 KiB slave space (registers, holes, table
entries and PBA QWORDs in and out of range, address bits [1:0], AxPROT), random data and WSTRB (0,
partial, full; reserved bits), reads issued while writes are half done, with events running.
"""

from __future__ import annotations

import cocotb

from imstb.bfm.axil_master import AxilMasterConfig
from imstb.bfm.axil_sink import AxilSinkConfig
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.directed import ImsEnv
from imstb.robust.common import Run, limit_us
from imstb.robust.reg_fuzz import run_reg_fuzz


@cocotb.test(timeout_time=limit_us(400), timeout_unit="us")
async def ims_reg_fuzz_test(dut: object) -> None:
    """IMS-012..014, IMS-022..027, IMS-080/081: register fuzzing over the whole slave address
    space with random timing, reads racing half-done writes, events running; the scoreboard
    checks every response and read value."""
    env = ImsEnv(
        dut,
        master=AxilMasterConfig(
            aw_delay=Delay(0, 6, 0.4),
            w_delay=Delay(0, 6, 0.4),
            ar_delay=Delay(0, 3, 0.5),
            order="random",
            bready_prob=0.5,
            rready_prob=0.5,
        ),
        evt=EvtSourceConfig(gap=Delay(2, 12, 0.2)),
        sink=AxilSinkConfig(awready_prob=0.7, wready_prob=0.7, b_delay=Delay(0, 6)),
    )
    run = Run(env, "ims_reg_fuzz_test", __name__)
    await run.guard(run_reg_fuzz(run))
