"""Cycle measurements of the RTL (IMS-090..092), read from simulation.

A plain-cocotb module, deliberately independent of the pyuvm bench: it drives the DUT
with minimal coroutines and counts clock edges. Results are appended as JSON lines to the
file named by the environment variable IMS_PERF_OUT, and `ims bench` (imsflow.bench) turns them
into the table. Each measurement also asserts its functional outcome (the number of
messages), so a broken RTL cannot produce a silently wrong number.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

CTRL = 0x0008
MSIX_TAB = 0x1000
IMS_TAB = 0x8000
MSIX_ENABLE, FUNC_MASK, IMS_ENABLE = 1, 2, 4


class Harness:
    """Drivers and one per-edge sampler. Edge k = the k-th rising edge since start."""

    def __init__(self, dut: Any, ready_prob: float = 1.0, b_delay: int = 4) -> None:
        self.dut = dut
        self.edge = 0
        self.aw_edges: list[int] = []
        self.evt_edges: list[int] = []
        self.first_awvalid: list[int] = []
        self.commit_edges: list[int] = []
        self.ready_prob = ready_prob
        self.b_delay = b_delay
        self.rng = random.Random(int(os.environ.get("IMS_PERF_SEED", "1")))
        self._b_due: list[int] = []
        self._aw_open = 0
        self._w_open = 0
        self._awvalid_prev = 0

    async def start(self) -> None:
        d = self.dut
        Clock(d.clk, 10, unit="ns").start()  # schedules the clock itself (cocotb 2)
        for name in (
            "s_axil_awvalid",
            "s_axil_wvalid",
            "s_axil_arvalid",
            "evt_valid",
            "m_axil_bvalid",
            "s_axil_awprot",
            "s_axil_arprot",
            "evt_ims",
            "evt_handle",
            "evt_pasid_valid",
            "evt_pasid",
            "m_axil_bresp",
            "s_axil_awaddr",
            "s_axil_wdata",
            "s_axil_wstrb",
            "s_axil_araddr",
        ):
            getattr(d, name).value = 0
        d.s_axil_bready.value = 1
        d.s_axil_rready.value = 1
        d.m_axil_awready.value = 1
        d.m_axil_wready.value = 1
        d.rst_n.value = 0
        cocotb.start_soon(self._per_edge())
        for _ in range(4):
            await RisingEdge(d.clk)
        d.rst_n.value = 1
        await RisingEdge(d.clk)

    async def _per_edge(self) -> None:
        d = self.dut
        while True:
            await RisingEdge(d.clk)
            self.edge += 1
            k = self.edge
            if not d.m_axil_awvalid.value.is_resolvable:
                continue  # before the first reset edge
            awv = int(d.m_axil_awvalid.value)
            if awv and not self._awvalid_prev:
                self.first_awvalid.append(k)
            if awv and d.m_axil_awready.value == 1:
                self.aw_edges.append(k)
                self._aw_open += 1
                self._awvalid_prev = 0
            else:
                self._awvalid_prev = awv
            if d.m_axil_wvalid.value == 1 and d.m_axil_wready.value == 1:
                self._w_open += 1
            while self._aw_open and self._w_open:
                self._aw_open -= 1
                self._w_open -= 1
                self._b_due.append(k + self.b_delay)
            if d.m_axil_bvalid.value == 1 and d.m_axil_bready.value == 1:
                self._b_due.pop(0)
            if d.evt_valid.value == 1 and d.evt_ready.value == 1:
                self.evt_edges.append(k)
            if d.s_axil_awvalid.value == 1 and d.s_axil_awready.value == 1:
                self.commit_edges.append(k)
            await FallingEdge(d.clk)
            d.m_axil_awready.value = int(self.rng.random() < self.ready_prob)
            d.m_axil_wready.value = int(self.rng.random() < self.ready_prob)
            d.m_axil_bvalid.value = int(bool(self._b_due) and self._b_due[0] <= self.edge)

    async def write(self, addr: int, data: int) -> int:
        d = self.dut
        await FallingEdge(d.clk)
        d.s_axil_awaddr.value = addr
        d.s_axil_wdata.value = data
        d.s_axil_wstrb.value = 0xF
        d.s_axil_awvalid.value = 1
        d.s_axil_wvalid.value = 1
        while True:
            await RisingEdge(d.clk)
            if d.s_axil_awready.value == 1:
                break
        edge = self.edge + 1  # the sampler increments at this same edge
        await FallingEdge(d.clk)
        d.s_axil_awvalid.value = 0
        d.s_axil_wvalid.value = 0
        return edge

    async def events(self, handles: list[tuple[int, int]]) -> None:
        """Drive (ims, handle) events back to back, valid held until ready."""
        d = self.dut
        for ims, handle in handles:
            await FallingEdge(d.clk)
            d.evt_valid.value = 1
            d.evt_ims.value = ims
            d.evt_handle.value = handle
            while True:
                await RisingEdge(d.clk)
                if d.evt_ready.value == 1:
                    break
        await FallingEdge(d.clk)
        d.evt_valid.value = 0

    async def wait_messages(self, count: int, limit: int = 200_000) -> None:
        for _ in range(limit):
            if len(self.aw_edges) >= count:
                return
            await RisingEdge(self.dut.clk)
        raise AssertionError(f"expected {count} messages, saw {len(self.aw_edges)}")

    async def program(self, ims: bool, index: int, mask: int) -> None:
        base = (IMS_TAB if ims else MSIX_TAB) + 16 * index
        await self.write(base + 0, 0xFEE00000 | (index & 0xFF) << 12)
        await self.write(base + 8, 0x20 + (index & 0xDF))
        await self.write(base + 12, mask)


def record(kind: str, **values: Any) -> None:
    out = os.environ.get("IMS_PERF_OUT")
    line = json.dumps({"kind": kind, **values})
    cocotb.log.info("perf %s", line)
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def params(dut: Any) -> tuple[int, int]:
    return int(dut.IMS_ENTRIES.value), int(dut.MSIX_ENTRIES.value)


async def _throughput(dut: Any, ready_prob: float, with_latency: bool) -> None:
    """Program 8 IMS entries unmasked, then (optionally) time one isolated event's
    event-to-AWVALID latency and drive 2000 back-to-back events; record messages per clock."""
    n, _ = params(dut)
    h = Harness(dut, ready_prob=ready_prob, b_delay=6)
    await h.start()
    used = min(n, 8)
    for i in range(used):
        await h.program(True, i, 0)
    await h.write(CTRL, IMS_ENABLE)
    latency = None
    if with_latency:
        await h.events([(1, 0)])  # one isolated event
        await h.wait_messages(1)
        latency = h.first_awvalid[0] - h.evt_edges[0]
    count = 2000
    h.aw_edges.clear()
    await h.events([(1, i % used) for i in range(count)])
    await h.wait_messages(count)
    span = h.aw_edges[-1] - h.aw_edges[0] + 1
    record(
        "throughput",
        ready_prob=ready_prob,
        messages=count,
        clocks=span,
        msgs_per_clock=round(count / span, 4),
        latency=latency,
    )


@cocotb.test(timeout_time=2000, timeout_unit="us")
async def latency_and_throughput(dut: Any) -> None:
    """IMS-090/091: event-to-AWVALID latency and sustained messages per clock."""
    await _throughput(dut, 1.0, with_latency=True)


@cocotb.test(timeout_time=2000, timeout_unit="us")
async def half_ready_throughput(dut: Any) -> None:
    """IMS-090 with a sink that is ready 50% of clocks on AW and W independently."""
    await _throughput(dut, 0.5, with_latency=False)


async def _flush_case(h: Harness, n: int, p: int) -> None:
    """Pend P of N IMS entries (spread over the table), close, unmask, reopen: flush."""
    step = max(1, n // p)
    chosen = [(i * step) % n for i in range(p)]
    chosen = sorted(set(chosen))
    for i in chosen:
        await h.program(True, i, 1)  # masked
    await h.write(CTRL, IMS_ENABLE)
    await h.events([(1, i) for i in chosen])  # masked -> pending
    await h.write(CTRL, 0)  # close the table
    for i in chosen:
        await h.write(IMS_TAB + 16 * i + 12, 0)  # unmask: stays pending (closed)
    await RisingEdge(h.dut.clk)
    h.aw_edges.clear()
    commit = await h.write(CTRL, IMS_ENABLE)
    await h.wait_messages(len(chosen))
    clocks = h.aw_edges[-1] - commit
    bound = len(chosen) + n / 64 + 4
    record("flush", table="ims", n=n, p=len(chosen), clocks=clocks, bound=bound)
    await h.write(CTRL, 0)


@cocotb.test(timeout_time=20000, timeout_unit="us")
async def flush_cycles(dut: Any) -> None:
    """IMS-092: clocks from the releasing write's commit edge to the last AW handshake."""
    n, _ = params(dut)
    h = Harness(dut, ready_prob=1.0, b_delay=2)
    await h.start()
    for p in sorted({1, min(n, 8), min(n, 64), n}):
        await _flush_case(h, n, p)
