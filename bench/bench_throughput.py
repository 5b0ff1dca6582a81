"""Bench throughput: events per wall-clock second through the pyuvm bench vs a plain cocotb loop.

Two tests drive the same DUT with the same events: K IMS entries programmed unmasked, IMS
enabled, then N events `IMS[i % K]` back to back (a new event offered every clock), every
message accepted at once (AWREADY = WREADY = 1) and answered OKAY in the next cycle.

* `plain_loop`: minimal cocotb coroutines, no model: one per-clock loop drives the events and the
  always-ready sink and counts the messages.
* `pyuvm_bench`: the full pyuvm env of `tb/imstb/uvm/` (`ImsBaseTest`): events as sequence items
  (bursts of up to 64 events, `EvtBurstItem`) through the event agent's sequencer and driver,
  the port monitor and the agent monitors, the scoreboard replaying every step into `ImsModel`
  and comparing every message, the platform handler check and the covergroups sampled from
  every step; the base test's end-of-test read-backs and final check follow.

Each test times the traffic phase only (`time.perf_counter` from the first event offered to the
last message answered; bring-up, programming and the end-of-test checks are outside), asserts
its functional outcome (N messages / a clean scoreboard) and appends one JSON line to the file
named by $IMS_PERF_OUT. bench/run_bench.py (section `bench_tb`) turns the lines into the table.

Environment: IMS_BENCH_EVENTS (N, default 5000), IMS_BENCH_ENTRIES (K, default 16, at most
IMS_ENTRIES), IMS_BENCH_PROFILE=DIR writes a cProfile of the traffic phase to
DIR/<test>-<sim>.prof (read with `python -m pstats`; a relative DIR is taken from the
repository root). Coverage of `pyuvm_bench` goes to
$IMS_COV_DIR, default build/bench/cov (not the regression's build/cov).
"""

from __future__ import annotations

import cProfile
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cocotb
import pyuvm
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

from imsmodel import regmap as rm
from imstb.bfm.axil_master import AxilMasterConfig
from imstb.bfm.axil_sink import AxilSinkConfig
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.harness import BfmConfigs
from imstb.uvm.base_test import ImsBaseTest
from imstb.uvm.sequences.base import EntrySeq

_ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("IMS_COV_DIR", str(_ROOT / "build" / "bench" / "cov"))

EVENTS = int(os.environ.get("IMS_BENCH_EVENTS", "5000"))
ENTRIES = int(os.environ.get("IMS_BENCH_ENTRIES", "16"))
# Simulated-time limit: the traffic needs about EVENTS clocks of 10 ns; 10x margin plus bring-up.
TIMEOUT_US = 500 + EVENTS // 10
CLK_NS = 10
BURST = 64  # events per sequence item of the pyuvm bench (EvtBurstItem)


def _entries(ims_entries: int) -> int:
    return max(1, min(ENTRIES, ims_entries))


def _events(k: int) -> list[int]:
    """The handles of the N events (all IMS, no PASID)."""
    return [i % k for i in range(EVENTS)]


def _msg_pair(i: int) -> tuple[int, int]:
    """(addr_lo, data) that the plain loop programs into IMS entry i."""
    return 0xFEE00000 | (i & 0xFF) << 12, 0x20 + (i & 0x3F)


def record(test: str, **values: Any) -> dict[str, Any]:
    """Append one JSON line to $IMS_PERF_OUT (and log it)."""
    rec = {
        "kind": "bench_tb",
        "test": test,
        "sim": os.environ.get("IMS_SIM", "?"),
        "config": f"{os.environ.get('IMS_ENTRIES', '?')}x{os.environ.get('MSIX_ENTRIES', '?')}",
        **values,
    }
    line = json.dumps(rec)
    cocotb.log.info("perf %s", line)
    out = os.environ.get("IMS_PERF_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return rec


@contextmanager
def profiled(test: str) -> Iterator[None]:
    """Profile the block when $IMS_BENCH_PROFILE names a folder (off otherwise: no overhead).

    cProfile by default (DIR/<test>-<sim>.prof); IMS_BENCH_PROFILER=pyinstrument uses the
    sampling profiler instead (lower overhead, DIR/<test>-<sim>.txt; `pip install pyinstrument`).
    """
    folder = os.environ.get("IMS_BENCH_PROFILE")
    if not folder:
        yield
        return
    base = Path(folder) if Path(folder).is_absolute() else _ROOT / folder  # not the sim's cwd
    stem = base / f"{test}-{os.environ.get('IMS_SIM', 'sim')}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    if os.environ.get("IMS_BENCH_PROFILER", "cprofile") == "pyinstrument":
        from pyinstrument import Profiler  # optional tool, imported only when asked for

        sampler = Profiler(interval=0.0002)
        sampler.start()
        try:
            yield
        finally:
            sampler.stop()
            text = sampler.output_text(unicode=False, color=False, show_all=False)
            stem.with_suffix(".txt").write_text(text)
            cocotb.log.info("profile of the traffic phase: %s", stem.with_suffix(".txt"))
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(stem.with_suffix(".prof"))
        cocotb.log.info("profile of the traffic phase: %s", stem.with_suffix(".prof"))


# ---------------------------------------------------------------------- plain cocotb loop
class PlainLoop:
    """Minimal drivers: values are read at the falling edge before rising edge k (stable there on
    every simulator), a handshake happens at edge k, and outputs change right after edge k."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.fall = FallingEdge(dut.clk)
        self.rise = RisingEdge(dut.clk)
        self.edges = 0

    async def start(self) -> None:
        d = self.dut
        for sig in (
            d.s_axil_awvalid, d.s_axil_wvalid, d.s_axil_arvalid, d.s_axil_awprot,
            d.s_axil_arprot, d.s_axil_awaddr, d.s_axil_wdata, d.s_axil_araddr, d.evt_valid,
            d.evt_ims, d.evt_handle, d.evt_pasid_valid, d.evt_pasid, d.m_axil_bvalid,
            d.m_axil_bresp,
        ):  # fmt: skip
            sig.value = 0
        d.s_axil_wstrb.value = 0xF
        d.s_axil_bready.value = 1
        d.s_axil_rready.value = 1
        d.m_axil_awready.value = 1  # the sink is always ready
        d.m_axil_wready.value = 1
        d.rst_n.value = 0
        Clock(d.clk, CLK_NS, unit="ns").start(start_high=False)
        for _ in range(5):
            await self.rise
        d.rst_n.value = 1
        await self.rise

    async def write(self, addr: int, data: int) -> None:
        """One register write (AW and W together), waits for its B; the response must be OKAY."""
        d = self.dut
        d.s_axil_awaddr.value = addr
        d.s_axil_wdata.value = data
        d.s_axil_awvalid.value = 1
        d.s_axil_wvalid.value = 1
        aw = w = True
        while aw or w:
            await self.fall
            aw_hs = aw and d.s_axil_awready.value == 1
            w_hs = w and d.s_axil_wready.value == 1
            await self.rise
            if aw_hs:
                d.s_axil_awvalid.value = 0
                aw = False
            if w_hs:
                d.s_axil_wvalid.value = 0
                w = False
        while True:  # BREADY is held 1
            await self.fall
            if d.s_axil_bvalid.value == 1:
                resp = int(d.s_axil_bresp.value)
                await self.rise
                break
            await self.rise
        assert resp == 0, f"register write 0x{addr:04x} answered {resp} (OKAY expected)"

    async def traffic(self, handles: list[int], quiet: int = 1000) -> tuple[int, int]:
        """Offer the events back to back (EVT_VALID held until EVT_READY) while the sink takes
        every message (AW and W always ready, B OKAY in the next cycle, held until BREADY).
        Returns (events taken, messages answered) once every event is taken and as many messages
        were answered, or after `quiet` clocks without a handshake."""
        d = self.dut
        fall, rise = self.fall, self.rise
        evt_valid, evt_handle = d.evt_valid, d.evt_handle
        evt_ready = d.evt_ready
        awvalid, wvalid = d.m_axil_awvalid, d.m_axil_wvalid
        bvalid, bready = d.m_axil_bvalid, d.m_axil_bready
        total = len(handles)
        d.evt_ims.value = 1
        sent = aw = w = answered = 0
        b_owed = 0  # writes with AW and W done and no B taken yet
        b_on = False
        if total:
            evt_handle.value = handles[0]
            evt_valid.value = 1
        edges = idle = 0
        while (sent < total or answered < total) and idle < quiet:
            await fall
            evt_hs = sent < total and evt_ready.value == 1
            aw_hs = awvalid.value == 1
            w_hs = wvalid.value == 1
            b_hs = b_on and bready.value == 1
            await rise
            edges += 1
            idle = 0 if evt_hs or aw_hs or w_hs or b_hs else idle + 1
            if evt_hs:
                sent += 1
                if sent < total:
                    evt_handle.value = handles[sent]
                else:
                    evt_valid.value = 0
            if b_hs:
                b_owed -= 1
                answered += 1
            done_before = min(aw, w)
            aw += aw_hs
            w += w_hs
            b_owed += min(aw, w) - done_before
            if (b_owed > 0) != b_on:
                b_on = b_owed > 0
                bvalid.value = int(b_on)
        self.edges += edges
        return sent, answered


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def plain_loop(dut: Any) -> None:
    """N back-to-back events to K unmasked IMS entries, counted at an always-ready sink."""
    loop = PlainLoop(dut)
    await loop.start()
    k = _entries(int(dut.IMS_ENTRIES.value))
    for i in range(k):
        lo, data = _msg_pair(i)
        base = rm.IMS_TABLE_BASE + rm.ENTRY_BYTES * i
        await loop.write(base + 4 * rm.WORD_ADDR_LO, lo)
        await loop.write(base + 4 * rm.WORD_DATA, data)
        await loop.write(base + 4 * rm.WORD_CTRL, 0)  # MASK = 0
    await loop.write(rm.CTRL.offset, rm.CTRL_IMS_ENABLE)
    handles = _events(k)
    t0, c0 = time.perf_counter(), time.process_time()
    with profiled("plain_loop"):
        sent, answered = await loop.traffic(handles)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert sent == len(handles), f"{sent} of {len(handles)} events taken"
    assert answered == len(handles), f"{answered} messages for {len(handles)} events"
    record(
        "plain_loop", events=sent, entries=k, messages=answered, clocks=loop.edges,
        seconds=round(seconds, 4), cpu_s=round(cpu, 4), events_per_s=round(sent / seconds, 1),
    )  # fmt: skip


# ---------------------------------------------------------------------- the pyuvm bench
@pyuvm.test(timeout_time=TIMEOUT_US, timeout_unit="us")
class pyuvm_bench(ImsBaseTest):
    """The same N events to the same K entries through the full pyuvm env (scoreboard against
    ImsModel, platform handler checks, coverage sampling)."""

    def bfm_configs(self, rng: Any) -> BfmConfigs:
        """The plain loop's pin activity: events back to back, the sink always ready with B in
        the next cycle, the register master with no delays and BREADY/RREADY held 1; payload
        pins the DUT ignores (evt_pasid of an event without a PASID, idle buses) held at 0 as the
        plain loop holds them, not the random junk the tests drive there."""
        return BfmConfigs(
            master=AxilMasterConfig(idle_junk=False),
            evt=EvtSourceConfig(gap=Delay(0, 0), idle_junk=False),
            sink=AxilSinkConfig(awready_prob=1.0, wready_prob=1.0, b_delay=Delay(0, 0)),
        )

    async def body(self) -> None:
        env, ctx = self.env, self.ctx
        k = _entries(ctx.n)
        setup = EntrySeq("bench_setup", ctx)
        await setup.program_all(True, list(range(k)), unmask=True)
        await setup.enable(ims=True)
        await env.settle(tail=0)
        model, sb, mon = env.scoreboard.model, env.scoreboard.sb, env.harness.monitor
        sent0 = model.stats["event_sent"]
        msgs0 = sb.stats["messages"]
        evts0 = mon.counts["events"]
        edge0 = env.harness.edge
        handles = _events(k)
        stimulus: list[tuple[bool, int, int | None]] = [(True, h, None) for h in handles]
        port = ctx.evt
        t0, c0 = time.perf_counter(), time.process_time()
        with profiled("pyuvm_bench"):
            for i in range(0, len(stimulus), BURST):
                await port.send_burst(stimulus[i : i + BURST])
            await env.settle(tail=0)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        events = mon.counts["events"] - evts0
        sent = model.stats["event_sent"] - sent0
        messages = sb.stats["messages"] - msgs0
        setup.expect(events == len(handles), f"{events} of {len(handles)} events taken")
        setup.expect(sent == len(handles), f"model sent {sent} messages for {len(handles)}")
        setup.expect(messages == len(handles), f"scoreboard matched {messages} messages")
        sb.raise_if_errors()
        record(
            "pyuvm_bench", events=events, entries=k, messages=messages,
            clocks=env.harness.edge - edge0, seconds=round(seconds, 4), cpu_s=round(cpu, 4),
            events_per_s=round(events / seconds, 1),
        )  # fmt: skip
