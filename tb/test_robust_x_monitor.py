"""Robustness of `ims_ctrl`: proof of the monitors' X/Z checks (docs/testplan.hjson). Plain cocotb
on `imstb.directed.ImsEnv`; the machinery is `imstb.robust.x_monitor`, the shared parts
`imstb.robust.common` ($IMS_ROBUST_ITEMS scales the traffic).

`ims_x_monitor_test`: the monitors already fail a test on X/Z on any output after reset and on a
valid/ready output at 1 in reset (`imstb.bfm.monitors`, IMS-010); this test proves it: a strict
monitor is shown each fault (forced on the real ports on Icarus, injected into its samples on either
simulator: Verilator ignores Force and has no X/Z) and must raise naming the output and IMS-010; X
sampled at the first reset edge (before the flip-flops reset) is no alarm.
"""

from __future__ import annotations

import cocotb

from imstb.directed import ImsEnv
from imstb.robust.common import Run, limit_us
from imstb.robust.x_monitor import run_x_monitor


@cocotb.test(timeout_time=limit_us(100), timeout_unit="us")
async def ims_x_monitor_test(dut: object) -> None:
    """IMS-010: proves the monitors' checks: X or Z on any DUT output after reset, X/Z or a
    valid/ready output at 1 on an edge in reset (after the first) each make a strict monitor
    raise naming the output and IMS-010; X sampled at the first reset edge is no alarm. Faults
    are forced on the real ports where the simulator supports it (Icarus) and injected into the
    monitor's samples on either simulator."""
    env = ImsEnv(dut, strict=False)
    run = Run(env, "ims_x_monitor_test", __name__)
    await run.guard(run_x_monitor(run))
