"""Robustness of `ims_ctrl`: owner isolation under reassignment (issue #16 item 2; docs/spec.md
IMS-038, IMS-039, IMS-107, IMS-108). Plain cocotb on `imstb.directed.ImsEnv`; the machinery is
`imstb.robust.reassign`, the shared parts `imstb.robust.common` ($IMS_ROBUST_ITEMS = the number of
reassignments; default 200).

`ims_reassign_test`: a driver moves IMS and MSI-X entries between owners (processes with their
own PASID and address/data pairs) with the documented sequence, under every owner's traffic,
with late events of the previous owner before the release, while its B is held and after it,
the master port fast, slow or failing while the release drains. The platform model's owner
checker attributes every delivered message and fails on a cross-owner delivery; the test prints
"N reassignments, M late events, 0 cross-owner deliveries".
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
from imstb.robust.reassign import run_reassign


@cocotb.test(timeout_time=limit_us(2000), timeout_unit="us")
async def ims_reassign_test(dut: object) -> None:
    """IMS-038, IMS-039, IMS-107, IMS-108, IMS-040: entries reassigned among owners under traffic
    with the documented sequence; the previous owner's late events (before the release, while
    its B is held, after it) fail the PASID check and nothing of an owner reaches another's pair,
    with the master port slow or answering errors while a release drains."""
    env = ImsEnv(
        dut,
        master=AxilMasterConfig(aw_delay=Delay(0, 2, 0.5), w_delay=Delay(0, 2, 0.5)),
        evt=EvtSourceConfig(gap=Delay(0, 3, 0.5)),
        sink=AxilSinkConfig(awready_prob=0.9, wready_prob=0.9, b_delay=Delay(0, 3)),
        model_factory=ProbedModel,
    )
    run = Run(env, "ims_reassign_test", __name__)
    await run.guard(run_reassign(run))
