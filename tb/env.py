"""Test harness of `ims_ctrl`: clock, reset, BFMs, monitors, scoreboard, parameters, seed.

Usage in a cocotb test::

    env = ImsEnv(dut)            # optional BFM configs
    await env.start()            # clock (10 ns), reset, parameters, model + scoreboard
    await env.write(CTRL, CTRL_MSIX_ENABLE)
    await env.event(False, 0)
    await env.finish()           # drain all traffic, scoreboard end-of-test checks

Randomness: every BFM gets its own `random.Random` seeded from `cocotb.RANDOM_SEED` (the per-test
seed cocotb derives from COCOTB_RANDOM_SEED and the test name), which is logged at start; rerun a
failing test with the same COCOTB_RANDOM_SEED to reproduce it.

Triage aid: IMS_TB_WAIVE="IMS-010 IMS-012" turns monitor protocol errors naming those rules into
warnings, so that the tests can look past a known bug. Never set it in a regression.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from bfm.axil_master import AxilMaster, AxilMasterConfig
from bfm.axil_sink import AxilSink, AxilSinkConfig
from bfm.clocking import EdgeSampler
from bfm.common import ProtocolError
from bfm.evt_source import EvtSource, EvtSourceConfig
from bfm.monitors import ImsMonitor
from imsmodel import ImsModel
from scoreboard import ImsScoreboard

__all__ = [
    "CAP",
    "CLK_PERIOD_NS",
    "CTRL",
    "CTRL_ERR_INT_ENABLE",
    "CTRL_IMS_ENABLE",
    "CTRL_MSIX_ENABLE",
    "CTRL_MSIX_FUNC_MASK",
    "ERR_COUNT",
    "ERR_INFO",
    "ERR_PASID",
    "ERR_STATUS",
    "ID",
    "IMS_PBA",
    "IMS_TABLE",
    "MSG_COUNT",
    "MSIX_PBA",
    "MSIX_TABLE",
    "REGISTERS",
    "ImsEnv",
    "ims_entry",
    "msix_entry",
]

CLK_PERIOD_NS = 10

# register offsets (docs/spec.md section 3)
ID = 0x0000
CAP = 0x0004
CTRL = 0x0008
ERR_STATUS = 0x0010
ERR_INFO = 0x0014
ERR_PASID = 0x0018
ERR_COUNT = 0x001C
MSG_COUNT = 0x0020
REGISTERS = (ID, CAP, CTRL, ERR_STATUS, ERR_INFO, ERR_PASID, ERR_COUNT, MSG_COUNT)
MSIX_TABLE = 0x1000
MSIX_PBA = 0x2000
IMS_PBA = 0x3000
IMS_TABLE = 0x8000

CTRL_MSIX_ENABLE = 1 << 0
CTRL_MSIX_FUNC_MASK = 1 << 1
CTRL_IMS_ENABLE = 1 << 2
CTRL_ERR_INT_ENABLE = 1 << 3

ADDR_LO, ADDR_HI, DATA, VCTRL = 0x0, 0x4, 0x8, 0xC


def msix_entry(i: int, word: int = 0) -> int:
    """Offset of word `word` (ADDR_LO/ADDR_HI/DATA/VCTRL byte offset) of MSI-X entry i."""
    return MSIX_TABLE + 16 * i + word


def ims_entry(i: int, word: int = 0) -> int:
    """Offset of word `word` of IMS entry i."""
    return IMS_TABLE + 16 * i + word


class ImsEnv:
    """Everything a test needs around one `ims_ctrl` instance."""

    def __init__(
        self,
        dut: Any,
        *,
        master: AxilMasterConfig | None = None,
        evt: EvtSourceConfig | None = None,
        sink: AxilSinkConfig | None = None,
        strict: bool = True,
        model_factory: Callable[[int, int], ImsModel] | None = None,
    ) -> None:
        """`model_factory(n, m)` builds the reference model the scoreboard replays into (default
        `ImsModel(n, m, auto_complete=False)`), e.g. a subclass that records every step."""
        self.dut = dut
        self.log = logging.getLogger("cocotb.tb.env")
        self.seed = int(getattr(cocotb, "RANDOM_SEED", 0))
        self.rng = random.Random(self.seed)
        self.sampler = EdgeSampler(dut.clk)
        rst = dut.rst_n
        self.master = AxilMaster(dut, self.sampler, self._sub_rng(), master, rst_n=rst)
        self.evt = EvtSource(dut, self.sampler, self._sub_rng(), evt, rst_n=rst)
        self.sink = AxilSink(dut, self.sampler, self._sub_rng(), sink, rst_n=rst)
        waive = tuple(w for w in os.environ.get("IMS_TB_WAIVE", "").replace(",", " ").split() if w)
        self.monitor = ImsMonitor(dut, self.sampler, strict=strict, waive=waive)
        if waive:
            self.log.warning("protocol checks waived for %s (IMS_TB_WAIVE)", ", ".join(waive))
        self.strict = strict
        self._model_factory = model_factory
        self.n = 0
        self.m = 0
        self._model: ImsModel | None = None
        self._scoreboard: ImsScoreboard | None = None
        self._clock: Clock | None = None

    def _sub_rng(self) -> random.Random:
        return random.Random(self.rng.getrandbits(64))

    @property
    def model(self) -> ImsModel:
        assert self._model is not None, "call await env.start() first"
        return self._model

    @property
    def scoreboard(self) -> ImsScoreboard:
        assert self._scoreboard is not None, "call await env.start() first"
        return self._scoreboard

    # ------------------------------------------------------------------ bring-up
    async def start(self, reset_cycles: int = 5) -> None:
        """Start the clock, reset the DUT, read its parameters, attach model and scoreboard."""
        self.log.info(
            "random seed: COCOTB_RANDOM_SEED=%s (regression), %d (this test, derived by cocotb "
            "from it and the test name); rerun with the same COCOTB_RANDOM_SEED to reproduce",
            os.environ.get("COCOTB_RANDOM_SEED", "<unset: time-based>"),
            self.seed,
        )
        self.dut.rst_n.value = 0
        self.sampler.start()
        self._clock = Clock(self.dut.clk, CLK_PERIOD_NS, unit="ns")
        self._clock.start(start_high=False)
        await self.reset(reset_cycles)
        self.n, self.m = await self._read_params()
        self.log.info("DUT parameters: IMS_ENTRIES=%d MSIX_ENTRIES=%d", self.n, self.m)
        make = self._model_factory
        self._model = make(self.n, self.m) if make else ImsModel(self.n, self.m, False)
        self._scoreboard = ImsScoreboard(self._model, strict=self.strict)
        self.monitor.add_listener(self._scoreboard)

    async def reset(self, cycles: int = 5) -> None:
        """Hold rst_n low for `cycles` edges, then release it (synchronous reset)."""
        clk = self.dut.clk
        await RisingEdge(clk)
        self.dut.rst_n.value = 0
        await ClockCycles(clk, cycles)
        self.dut.rst_n.value = 1
        await RisingEdge(clk)

    async def _read_params(self) -> tuple[int, int]:
        try:
            n = int(self.dut.IMS_ENTRIES.value)
            m = int(self.dut.MSIX_ENTRIES.value)
            return n, m
        except (AttributeError, ValueError, TypeError) as exc:
            self.log.info("parameters not visible (%s); reading CAP", exc)
        cap, resp = await self.master.read(CAP)
        if resp != "OKAY":
            raise ProtocolError(f"CAP read answered {resp}")
        return cap & 0xFFFF, ((cap >> 16) & 0x7FF) + 1

    # ------------------------------------------------------------------ traffic
    async def write(self, addr: int, data: int, strb: int = 0xF) -> str:
        return await self.master.write(addr, data, strb)

    async def read(self, addr: int) -> tuple[int, str]:
        return await self.master.read(addr)

    async def event(self, ims: bool, handle: int, pasid: int | None = None) -> int:
        return await self.evt.send(ims, handle, pasid)

    async def cycles(self, n: int) -> None:
        await ClockCycles(self.dut.clk, n)

    async def settle(self, quiet: int = 400, tail: int = 16) -> None:
        """Wait until every queued request is answered and the DUT has sent every message the model
        expects (and its B was taken), then `tail` more cycles so that a late extra message is
        seen. Gives up after `quiet` cycles without any monitored activity."""
        await self.master.drain()
        await self.evt.drain()
        sb = self.scoreboard
        clk = self.dut.clk
        idle = 0
        last = dict(self.monitor.counts)
        while not (sb.settled and self.sink.idle) and idle < quiet:
            await RisingEdge(clk)
            now = self.monitor.counts
            if now != last:
                last = dict(now)
                idle = 0
            else:
                idle += 1
        await ClockCycles(clk, tail)

    async def finish(self) -> None:
        """End of test: drain all traffic, then the scoreboard's and monitors' final checks."""
        await self.settle()
        self.scoreboard.check_done()
        if self.monitor.errors:
            raise ProtocolError("\n".join(self.monitor.errors))
        self.scoreboard.raise_if_errors()
        self.log.info(
            "done at edge %d: monitor %s, scoreboard %s",
            self.sampler.edge,
            self.monitor.counts,
            dict(self.scoreboard.stats),
        )
