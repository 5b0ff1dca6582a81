"""Timing: sink backpressure sweeps and register writes racing events on the same entry
(IMS-071..073, IMS-080..084, IMS-090)."""

from __future__ import annotations

from imsmodel import regmap as rm
from imstb.bfm.common import Delay
from imstb.uvm.sequences.base import BURST, LONG_B, MASK, SHORT_B, BenchCtx, EntrySeq, entry_offset

__all__ = ["BackpressureSeq", "RaceSeq"]


class BackpressureSeq(EntrySeq):
    """Message bursts under every sink READY level x B delay; MSG_COUNT read while messages are
    accepted; many writes in flight (IMS-071..073, IMS-084, IMS-090)."""

    def __init__(self, name: str, ctx: BenchCtx, per_setting: int = 24) -> None:
        super().__init__(name, ctx)
        self.per_setting = per_setting

    async def body(self) -> None:
        ctx = self.ctx
        await self.enable(msix=True, ims=True)
        targets = [(False, i) for i in self.pick(False, 4)] + [
            (True, i) for i in self.pick(True, 8)
        ]
        for ims, i in targets:
            await self.program(ims, i, reg_layer=False)
            await self.set_ctrl_word(ims, i, 0, wait=False)
        await ctx.harness.master.drain()
        self.set_evt_gap(Delay(0, 2, zero_prob=0.7))
        settings = [(r, b) for r in (1.0, 0.75, 0.5, 0.1) for b in (SHORT_B, LONG_B)]
        self.rng.shuffle(settings)
        for ready, b_delay in settings:
            await ctx.sink.configure(ready=ready, b_delay=b_delay, max_inflight=32)
            for k in range(self.per_setting):
                await self.event(*self.rng.choice(targets))
                if k % 6 == 0:
                    await ctx.reg.read(rm.MSG_COUNT.offset, wait=False)  # IMS-084
            await self.quiesce()
            await self.read_errors()
        await ctx.sink.configure(ready=1.0, b_delay=SHORT_B)


class RaceSeq(EntrySeq):
    """Register writes to the entry an event names, 0..4 cycles apart in both orders, of the
    control word (mask toggles) or of addr/data; reads of MSG_COUNT racing acceptance
    (IMS-080..084)."""

    def __init__(self, name: str, ctx: BenchCtx, rounds: int = 48) -> None:
        super().__init__(name, ctx)
        self.rounds = rounds

    async def body(self) -> None:
        ctx = self.ctx
        m = ctx.harness.master.cfg
        saved = (m.aw_delay, m.w_delay, m.ar_delay, m.order)
        m.aw_delay = m.w_delay = m.ar_delay = Delay(0, 0)
        m.order = "together"
        self.set_evt_gap(BURST)
        await self.enable(msix=True, ims=True)
        targets = [(False, i) for i in self.pick(False, 2)] + [
            (True, i) for i in self.pick(True, 2)
        ]
        for ims, i in targets:
            await self.program(ims, i, reg_layer=False)
        await ctx.harness.master.drain()
        for r in range(self.rounds):
            ims, i = self.rng.choice(targets)
            d = self.rng.randint(0, 4)
            write_first = self.rng.random() < 0.5
            if self.rng.random() < 0.5:
                off = entry_offset(ims, i, rm.WORD_CTRL)
                value = self.rng.choice((0, MASK))
            else:
                off = entry_offset(ims, i, self.rng.choice((rm.WORD_ADDR_LO, rm.WORD_DATA)))
                b = ctx.platform.alloc(ims, i)
                value = b.addr & 0xFFFFFFFF if off & 0xF == 0 else b.data
            if write_first:
                w = await ctx.reg.write(off, value, wait=False)
                await self.cycles(d)
                e = await self.event(ims, i)
            else:
                e = await self.event(ims, i)
                await self.cycles(d)
                w = await ctx.reg.write(off, value, wait=False)
            if r % 5 == 0:
                await ctx.reg.read(rm.MSG_COUNT.offset, wait=False)
            await w.wait()
            await e.wait()
            await self.cycles(self.rng.randint(1, 3))
        await self.quiesce()
        m.aw_delay, m.w_delay, m.ar_delay, m.order = saved
        self.set_evt_gap(Delay(0, 3, zero_prob=0.4))
