"""Robustness of `ims_ctrl`: reset in mid-traffic (docs/testplan.hjson). Plain cocotb on
`imstb.directed.ImsEnv`; the machinery is `imstb.robust.reset`, the shared parts
`imstb.robust.common` ($IMS_ROBUST_ITEMS scales the traffic).

`ims_reset_midtraffic_test`: rst_n asserted several times at seeded random points while events wait,
messages are queued and in flight and register accesses are half done (one reset with a committed
write whose B is held back and which later steps observed); IMS-010 on every reset edge, IMS-011
after release, reads right after a reset against the register map's reset values (IMS-021,
independent of the model), traffic after each reset checked by the scoreboard.
"""

from __future__ import annotations

import random

import cocotb

from imstb.bfm.axil_master import AxilMasterConfig
from imstb.bfm.axil_sink import AxilSinkConfig, SinkWrite
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.directed import ImsEnv
from imstb.robust.common import Run, limit_us
from imstb.robust.reset import run_reset_midtraffic


@cocotb.test(timeout_time=limit_us(600), timeout_unit="us")
async def ims_reset_midtraffic_test(dut: object) -> None:
    """IMS-010, IMS-011, IMS-021: rst_n asserted several times (seeded random points and
    lengths, 1..8 edges) while events wait, messages are queued and in flight and register
    accesses are half done; outputs checked on every reset edge, every register, PBA word and
    programmed entry read back after release, and the traffic after each reset is checked by the
    resynchronised scoreboard."""
    brng = random.Random()

    def decide(_: SinkWrite) -> str:
        return brng.choice(("SLVERR", "DECERR")) if brng.random() < 0.1 else "OKAY"

    env = ImsEnv(
        dut,
        master=AxilMasterConfig(
            aw_delay=Delay(0, 5, 0.3),
            w_delay=Delay(0, 5, 0.3),
            ar_delay=Delay(0, 2, 0.5),
            order="random",
            bready_prob=0.4,
            rready_prob=0.5,
        ),
        evt=EvtSourceConfig(gap=Delay(0, 3, 0.5)),
        sink=AxilSinkConfig(awready_prob=0.4, wready_prob=0.5, b_delay=Delay(0, 30), resp=decide),
    )
    run = Run(env, "ims_reset_midtraffic_test", __name__)
    brng.seed(env.rng.getrandbits(64))
    await run.guard(run_reset_midtraffic(run))
