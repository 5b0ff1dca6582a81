"""Robustness of `ims_ctrl`: extreme backpressure and B errors (docs/testplan.hjson). Plain cocotb
on `imstb.directed.ImsEnv`; the machinery is `imstb.robust.backpressure`, the shared parts
`imstb.robust.common` ($IMS_ROBUST_ITEMS scales the traffic).

`ims_extreme_backpressure_test`: sink ready 1 % of the cycles (AW, W or both), B responses 100..300
cycles late, 16 writes in flight, SLVERR/DECERR on random messages: nothing lost or duplicated,
every failure on an ordinary message logged (IMS-053), none on a raise (IMS-062).
"""

from __future__ import annotations

import random

import cocotb

from imstb.bfm.axil_master import AxilMasterConfig
from imstb.bfm.axil_sink import AxilSinkConfig, SinkWrite
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.directed import ImsEnv, msg_addr
from imstb.robust.backpressure import run_extreme_backpressure
from imstb.robust.common import Run, limit_us


@cocotb.test(timeout_time=limit_us(1500), timeout_unit="us")
async def ims_extreme_backpressure_test(dut: object) -> None:
    """IMS-053, IMS-062, IMS-071..074, IMS-084: sink ready 1% of the cycles on AW, W or both, B
    responses 100+ cycles late, up to 16 writes in flight, SLVERR/DECERR on random messages,
    BREADY/RREADY 10% on the register port: every message exactly once and in order, MSG_COUNT
    counts them, every failed ordinary message logged (ERR_COUNT), no failed raise logged."""
    brng = random.Random()

    vector0 = msg_addr(False, 0)

    def decide(w: SinkWrite) -> str:  # vector 0 (error interrupt) fails more often
        p = 0.35 if w.addr == vector0 else 0.12
        return brng.choice(("SLVERR", "DECERR")) if brng.random() < p else "OKAY"

    env = ImsEnv(
        dut,
        master=AxilMasterConfig(order="random", bready_prob=0.1, rready_prob=0.1),
        evt=EvtSourceConfig(gap=Delay(0, 2, 0.6)),
        sink=AxilSinkConfig(resp=decide),
    )
    run = Run(env, "ims_extreme_backpressure_test", __name__)
    brng.seed(env.rng.getrandbits(64))
    await run.guard(run_extreme_backpressure(run))
