"""`DutHarness`: the plain-cocotb world around one `ims_ctrl` instance, shared by both layers
(the directed tests' `ImsEnv` and the pyuvm `ImsUvmEnv`): clock, reset, the shared edge sampler,
the three BFMs of `imstb.bfm`, the passive protocol monitor, the DUT parameters, seed logging,
the triage waivers and the one `settle`.

* Parameters: the DUT's IMS_ENTRIES/MSIX_ENTRIES when the simulator shows them; else the runner's
  IMS_ENTRIES/MSIX_ENTRIES environment (needed before the first clock: the model and the register
  layer are built at elaboration) and, right after the first reset, CAP is read over the bus and
  must agree (IMS-020): CAP decides, a wrong guess fails bring-up.
* Seeds: every BFM gets its own `random.Random` drawn, in a fixed order, from the test seed
  (`cocotb.RANDOM_SEED`, derived by cocotb from COCOTB_RANDOM_SEED and the test name); both are
  logged at start, so a test is reproduced by its seed alone.
* `settle`: wait until the scoreboard and the sink are idle; after `SETTLE_QUIET` cycles without
  any monitored activity it fails, naming what is missing.
* Triage only: IMS_TB_WAIVE="IMS-010 IMS-012" turns monitor protocol errors naming those rules
  into warnings. Never set it in a regression.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from imsflow.core.rerun import sim_run_command
from imsmodel import regmap as rm
from imstb.bfm.axil_master import AxilMaster, AxilMasterConfig
from imstb.bfm.axil_sink import AxilSink, AxilSinkConfig
from imstb.bfm.clocking import EdgeSampler
from imstb.bfm.common import ProtocolError
from imstb.bfm.evt_source import EvtSource, EvtSourceConfig
from imstb.bfm.monitors import ImsMonitor
from imstb.profile import profile_claimed
from imstb.scoreboard import ImsScoreboard

__all__ = [
    "CLK_PERIOD_NS",
    "SETTLE_QUIET",
    "BfmConfigs",
    "DutHarness",
    "rerun_command",
    "visible_params",
    "waived_rules",
]

CLK_PERIOD_NS = 10
#: Cycles without any monitored activity after which `settle` gives up (and fails). Long enough
#: for the slowest legal sink of the tests (ready 1 % of the cycles, B 300 cycles late).
SETTLE_QUIET = 2000
#: Quiet cycles `settle` waits while some order the contract allows still owes a message.
SETTLE_GRACE = 256


@dataclass
class BfmConfigs:
    """Timing knobs of the three BFMs."""

    master: AxilMasterConfig = field(default_factory=AxilMasterConfig)
    evt: EvtSourceConfig = field(default_factory=EvtSourceConfig)
    sink: AxilSinkConfig = field(default_factory=AxilSinkConfig)


def waived_rules() -> tuple[str, ...]:
    """The rules of $IMS_TB_WAIVE (triage only)."""
    return tuple(os.environ.get("IMS_TB_WAIVE", "").replace(",", " ").split())


def visible_params(dut: Any) -> tuple[int, int] | None:
    """(IMS_ENTRIES, MSIX_ENTRIES) when the simulator shows the DUT's parameters, else None."""
    try:
        return int(dut.IMS_ENTRIES.value), int(dut.MSIX_ENTRIES.value)
    except (AttributeError, ValueError, TypeError):
        return None


_ROOT = Path(__file__).resolve().parents[2]  # the repository (tb/imstb/harness.py)


def rerun_command(module: str, test: str, seed: int, n: int, m: int) -> str:
    """The command (run from the repository root) that reruns this test with waveforms."""
    return sim_run_command(
        _ROOT,
        os.environ.get("IMS_SIM", "icarus"),
        f"{n}x{m}",
        module,
        test,
        seed,
        filelist=os.environ.get("IMS_FILELIST") or None,
        extra=["--waves"],
    )


class DutHarness:
    """Clock, reset, sampler, BFMs and protocol monitor of one DUT (no model, no UVM in here)."""

    def __init__(
        self,
        dut: Any,
        seed: int | None = None,
        cfg: BfmConfigs | None = None,
        *,
        strict: bool = True,
    ) -> None:
        cfg = cfg if cfg is not None else BfmConfigs()
        self.dut = dut
        self.log = logging.getLogger("cocotb.tb.harness")
        self.seed = int(getattr(cocotb, "RANDOM_SEED", 0)) if seed is None else seed
        self.rng = random.Random(self.seed)
        shown = visible_params(dut)
        self.params_visible = shown is not None
        if shown is None:
            shown = (
                int(os.environ.get("IMS_ENTRIES", rm.IMS_ENTRIES_DEFAULT)),
                int(os.environ.get("MSIX_ENTRIES", rm.MSIX_ENTRIES_DEFAULT)),
            )
        rm.check_params(*shown)
        self.n, self.m = shown
        self.sampler = EdgeSampler(dut.clk)
        rst = dut.rst_n
        # Registration order = callback order at every edge: the BFMs record their handshakes
        # before the monitor (and through it the scoreboard) sees the edge.
        self.master = AxilMaster(dut, self.sampler, self._sub_rng(), cfg.master, rst_n=rst)
        self.evt = EvtSource(dut, self.sampler, self._sub_rng(), cfg.evt, rst_n=rst)
        self.sink = AxilSink(dut, self.sampler, self._sub_rng(), cfg.sink, rst_n=rst)
        waive = waived_rules()
        self.profile = profile_claimed()  # the DUT claims the ims_ctrl profile (imstb.profile)
        self.monitor = ImsMonitor(
            dut, self.sampler, strict=strict, waive=waive, profile=self.profile
        )
        self.log.info(
            "DUT claims the ims_ctrl profile: %s (IMS_PROFILE); the device contract is checked "
            "for every DUT",
            "yes" if self.profile else "no",
        )
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

    # ------------------------------------------------------------------ bring-up
    async def start(self, reset_cycles: int = 5) -> None:
        """Log the seeds, start sampling and the clock, reset, and confirm the parameters."""
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
        if not self.params_visible:
            await self._confirm_params_by_cap()
        self.log.info("DUT parameters: IMS_ENTRIES=%d MSIX_ENTRIES=%d", self.n, self.m)

    async def _confirm_params_by_cap(self) -> None:
        self.log.info("parameters not visible in the simulator; reading CAP")
        cap, resp = await self.master.read(rm.CAP.offset)
        if resp != "OKAY":
            raise ProtocolError(f"CAP read answered {resp} (IMS-020)")
        n = rm.CAP.field("ims_entries").get(cap)
        m = rm.CAP.field("msix_entries_m1").get(cap) + 1
        if (n, m) != (self.n, self.m):
            raise ProtocolError(
                f"CAP 0x{cap:08x} says IMS_ENTRIES={n} MSIX_ENTRIES={m}, the bench was built for "
                f"{self.n}/{self.m} (IMS_ENTRIES/MSIX_ENTRIES environment; IMS-020)"
            )

    async def reset(self, cycles: int = 5) -> None:
        """Hold rst_n low for `cycles` edges, then release it (synchronous reset)."""
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

    # ------------------------------------------------------------------ quiescence
    async def settle(
        self,
        sb: ImsScoreboard,
        quiet: int = SETTLE_QUIET,
        tail: int = 16,
        final_check: Callable[[], None] | None = None,
    ) -> None:
        """Wait until every queued access and event is done and the DUT has sent (and had
        answered) every message the model expects; then `tail` more cycles so that a late extra
        message shows. After `quiet` cycles without any monitored activity it fails: first
        `final_check` (default: the scoreboard's end checks, which name the missing messages and
        their rules), then an AssertionError with the counts."""
        await self.drain()
        clk = self.dut.clk
        idle = 0
        last = dict(self.monitor.counts)
        # done when no order the contract allows owes anything more, or when one does not and
        # the DUT has been quiet for a while (the other orders are then only the checker's
        # alternatives; its message bound and end check judge them)
        while (
            not ((sb.settled_all or (sb.settled and idle >= SETTLE_GRACE)) and self.sink.idle)
            and idle < quiet
        ):
            await RisingEdge(clk)
            sb.tick(self.sampler.edge - 1)  # deadlines of the contract checker on idle edges
            now = self.monitor.counts
            if now != last:
                last = dict(now)
                idle = 0
            else:
                idle += 1
        if idle >= quiet:
            stuck = (
                f"settle: no activity for {quiet} cycles with work left: {sb.pending_items} "
                f"monitored items waiting, {sb.unmatched} expected messages not seen, "
                f"{sb.model.unaccepted} not accepted, {sb.model.outstanding} without B, sink idle "
                f"{self.sink.idle}"
            )
            self.log.warning("%s", stuck)
            if final_check is not None:
                final_check()
            else:
                sb.check_done()
                sb.raise_if_errors()
            raise AssertionError(f"{stuck} (IMS-073: nothing lost under backpressure)")
        await self.cycles(tail)

    def stop(self) -> None:
        self.sampler.stop()
