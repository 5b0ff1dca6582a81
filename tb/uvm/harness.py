"""The plain-cocotb world under the UVM layer: clock, reset, the shared edge sampler, the three BFMs
of `tb/bfm/` and the passive port monitor, for one `ims_ctrl` instance.

The UVM components never touch DUT signals themselves: drivers call the BFMs held here and
monitors forward what the shared `ImsMonitor` reports. Each BFM gets its own `random.Random`
drawn from the test seed, so a test is reproduced by its seed alone.
"""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass, field
from typing import Any

from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from bfm.axil_master import AxilMaster, AxilMasterConfig
from bfm.axil_sink import AxilSink, AxilSinkConfig
from bfm.clocking import EdgeSampler
from bfm.evt_source import EvtSource, EvtSourceConfig
from bfm.monitors import ImsMonitor
from imsmodel import regmap

__all__ = ["CLK_PERIOD_NS", "BfmConfigs", "DutHarness", "dut_params"]

CLK_PERIOD_NS = 10


@dataclass
class BfmConfigs:
    """Timing knobs of the three BFMs (a test sets them in its `bfm_configs`)."""

    master: AxilMasterConfig = field(default_factory=AxilMasterConfig)
    evt: EvtSourceConfig = field(default_factory=EvtSourceConfig)
    sink: AxilSinkConfig = field(default_factory=AxilSinkConfig)


def dut_params(dut: Any) -> tuple[int, int]:
    """(IMS_ENTRIES, MSIX_ENTRIES) of the DUT: its parameters when the simulator shows them, else
    the IMS_ENTRIES/MSIX_ENTRIES environment the runner sets, else the defaults. The CAP read at
    bring-up is compared with the model built from these (IMS-020), so a wrong guess fails."""
    try:
        return int(dut.IMS_ENTRIES.value), int(dut.MSIX_ENTRIES.value)
    except (AttributeError, ValueError, TypeError):
        pass
    n = int(os.environ.get("IMS_ENTRIES", regmap.IMS_ENTRIES_DEFAULT))
    m = int(os.environ.get("MSIX_ENTRIES", regmap.MSIX_ENTRIES_DEFAULT))
    regmap.check_params(n, m)
    return n, m


class DutHarness:
    """Clock, reset, sampler, BFMs and port monitor of one DUT (no UVM in here)."""

    def __init__(self, dut: Any, seed: int, cfg: BfmConfigs | None = None) -> None:
        cfg = cfg if cfg is not None else BfmConfigs()
        self.dut = dut
        self.log = logging.getLogger("cocotb.tb.harness")
        self.rng = random.Random(seed)
        self.n, self.m = dut_params(dut)
        self.sampler = EdgeSampler(dut.clk)
        rst = dut.rst_n
        # Registration order = callback order at every edge: the BFMs record their handshakes
        # before the monitor (and through it the scoreboard) sees the edge.
        self.master = AxilMaster(dut, self.sampler, self._sub_rng(), cfg.master, rst_n=rst)
        self.evt = EvtSource(dut, self.sampler, self._sub_rng(), cfg.evt, rst_n=rst)
        self.sink = AxilSink(dut, self.sampler, self._sub_rng(), cfg.sink, rst_n=rst)
        # Triage only, as in tb/env.py: IMS_TB_WAIVE="IMS-010 ..." turns monitor protocol errors
        # naming those rules into warnings. Never set in a regression.
        waive = tuple(os.environ.get("IMS_TB_WAIVE", "").replace(",", " ").split())
        self.monitor = ImsMonitor(dut, self.sampler, strict=True, waive=waive)
        if waive:
            self.log.warning("protocol checks waived for %s (IMS_TB_WAIVE)", ", ".join(waive))
        self._clock: Clock | None = None
        self._rst_key = self.sampler.watch_signal("rst_n", rst)
        self._rst_prev: int | None = None
        self.release_edge: int | None = None  # first edge with rst_n sampled 1 after a reset
        self.sampler.on_edge(self._track_reset)

    def _track_reset(self, k: int) -> None:
        rst = self.sampler.values[self._rst_key]
        if rst == 1 and self._rst_prev == 0:
            self.release_edge = k
        self._rst_prev = rst

    def _sub_rng(self) -> random.Random:
        return random.Random(self.rng.getrandbits(64))

    @property
    def edge(self) -> int:
        """Rising edges seen so far (the edge numbering of every transaction)."""
        return self.sampler.edge

    async def start(self, reset_cycles: int = 5) -> None:
        """Start sampling and the clock, then a synchronous reset of `reset_cycles` edges."""
        self.dut.rst_n.value = 0
        self.sampler.start()
        self._clock = Clock(self.dut.clk, CLK_PERIOD_NS, unit="ns")
        self._clock.start(start_high=False)
        await self.reset(reset_cycles)

    async def reset(self, cycles: int = 5) -> None:
        """Hold rst_n low for `cycles` edges, then release it."""
        clk = self.dut.clk
        await RisingEdge(clk)
        self.dut.rst_n.value = 0
        await ClockCycles(clk, cycles)
        self.dut.rst_n.value = 1
        await RisingEdge(clk)

    async def cycles(self, n: int) -> None:
        if n > 0:
            await ClockCycles(self.dut.clk, n)

    async def drain(self) -> None:
        """Wait until every queued register access has its response and every event was taken."""
        await self.master.drain()
        await self.evt.drain()

    def stop(self) -> None:
        self.sampler.stop()
