"""Programming and use of table entries: pairs from the platform model into both tables, read
back and used; event storms on one entry and across all (IMS-044, IMS-070, IMS-022, IMS-090)."""

from __future__ import annotations

from imsmodel import regmap as rm
from imstb.bfm.common import Delay
from imstb.uvm.sequences.base import BURST, MASK, BenchCtx, EntrySeq

__all__ = ["EventStormSeq", "ProgramPairsSeq"]


class ProgramPairsSeq(EntrySeq):
    """Random pairs from the platform model into random entries of both tables, read back, then
    used: one event per programmed entry (IMS-044, IMS-070, IMS-022)."""

    def __init__(self, name: str, ctx: BenchCtx, per_table: int = 12) -> None:
        super().__init__(name, ctx)
        self.per_table = per_table

    async def body(self) -> None:
        await self.enable(msix=True, ims=True)
        for ims in (False, True):
            size = self.ctx.size(ims)
            chosen = sorted({0, size - 1} | set(self.pick(ims, self.per_table)))  # ends too
            for i in chosen:
                b = await self.program(ims, i, reg_layer=self.rng.random() < 0.5)
                e = self.ctx.regs.entry(ims, i)
                for reg in e.words[:3]:  # read back (reserved addr_lo[1:0] read 0, IMS-022)
                    await self.ctx.reg.read(reg.offset, wait=False)
                # random junk in the reserved bits: must be ignored (IMS-022)
                junk = self.rng.getrandbits(32) & ~(rm.IMS_CTRL_WRITABLE if ims else MASK)
                await self.set_ctrl_word(ims, i, junk & ~MASK)  # unmask, then use it
                await self.event(ims, i)
                self.expect(b.handler is not None, "binding without handler")
        await self.quiesce()
        self.expect(self.ctx.model.stats["event_sent"] > 0, "no event was sent")


class EventStormSeq(EntrySeq):
    """Back-to-back events: a storm on one entry, then one across all entries of both tables
    (IMS tables above `ALL_MAX` entries: a random `ALL_MAX` of them) (IMS-090, IMS-071)."""

    ALL_MAX = 256

    def __init__(self, name: str, ctx: BenchCtx, count: int = 64) -> None:
        super().__init__(name, ctx)
        self.count = count

    async def body(self) -> None:
        await self.enable(msix=True, ims=True)
        targets: list[tuple[bool, int]] = []
        for ims in (False, True):
            idx = self.pick(ims, self.ALL_MAX)
            bound = set(self.rng.sample(idx, min(8, len(idx))))  # some with platform pairs
            for i in idx:
                if i in bound:
                    await self.program(ims, i, reg_layer=False)
                await self.set_ctrl_word(ims, i, 0, wait=False)
            targets += [(ims, i) for i in idx]
        await self.ctx.harness.master.drain()
        self.set_evt_gap(BURST)
        one = self.rng.choice(targets)
        for _ in range(self.count):
            await self.event(*one)
        await self.cycles(self.rng.randint(0, 5))
        self.rng.shuffle(targets)
        for t in targets:
            await self.event(*t)
        await self.quiesce()
        self.set_evt_gap(Delay(0, 3, zero_prob=0.4))
