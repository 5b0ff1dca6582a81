"""The constrained-random mix of `ims_random_test`; its length is $IMS_RANDOM_ITEMS."""

from __future__ import annotations

import os

import cocotb

from imsmodel import regmap as rm
from imstb.uvm.sequences.base import (
    EI_EN,
    I_EN,
    LONG_B,
    MASK,
    PASID_EN,
    PASID_LSB,
    SHORT_B,
    X_EN,
    X_FM,
    BenchCtx,
    EntrySeq,
    entry_offset,
)

__all__ = ["RandomMixSeq", "random_items"]


def random_items(default: int = 300) -> int:
    """Length of the random test: $IMS_RANDOM_ITEMS, default 300."""
    return int(os.environ.get("IMS_RANDOM_ITEMS", default))


class RandomMixSeq(EntrySeq):
    """Constrained-random mix of everything: programming, mask changes (read-modify-write and
    whole word), PASID settings, events (in and out of range, with and without PASID), CTRL
    changes, error clears, PBA/register reads, strobed writes, sink behaviour and injected
    errors."""

    def __init__(self, name: str, ctx: BenchCtx, items: int) -> None:
        super().__init__(name, ctx)
        self.items = items

    async def body(self) -> None:
        ctx = self.ctx
        pool = [(False, i) for i in self.pick(False, 8)] + [(True, i) for i in self.pick(True, 12)]
        pasid: dict[tuple[bool, int], int] = {}
        for ims, i in pool:
            await self.program(ims, i, reg_layer=False)
        ops = (
            ("event", 40), ("program", 6), ("mask", 10), ("pasid", 4), ("ctrl", 5),
            ("clear", 3), ("read", 8), ("strobe", 3), ("sink", 3), ("inject", 2), ("quiet", 1),
        )  # fmt: skip
        resolver = cocotb.start_soon(self.resolver())
        names = [o for o, _ in ops]
        weights = [w for _, w in ops]
        for _ in range(self.items):
            op = self.rng.choices(names, weights)[0]
            ims, i = self.rng.choice(pool)
            if op == "event":  # PASID fields by class against the entry (imstb.stim_classes)
                if self.rng.random() < 0.15:  # any handle class, out of range too
                    await self.class_event(ims, in_range=[j for t, j in pool if t == ims])
                else:
                    await self.pasid_event(ims, i)
            elif op == "program":
                await self.program(ims, i, reg_layer=False)
            elif op == "mask":
                p = pasid.get((ims, i))
                base = ((p << PASID_LSB) | PASID_EN) if ims and p is not None else 0
                await self.set_ctrl_word(ims, i, base | self.rng.choice((0, MASK)), wait=False)
            elif op == "pasid" and ims:
                p = self.rng.getrandbits(20)
                pasid[(ims, i)] = p
                await self.set_ctrl_word(ims, i, (p << PASID_LSB) | PASID_EN | MASK, wait=False)
            elif op == "ctrl":
                await ctx.reg.write(rm.CTRL.offset, self.rng.choice(
                    (X_EN | I_EN, X_EN | I_EN, X_EN | I_EN | EI_EN, X_EN | X_FM | I_EN, I_EN,
                     X_EN, 0, X_EN | I_EN | EI_EN)), wait=False)  # fmt: skip
            elif op == "clear":
                await ctx.reg.write(rm.ERR_STATUS.offset, self.rng.getrandbits(2), wait=False)
            elif op == "read":
                off = self.rng.choice(
                    [r.offset for r in rm.REGISTERS]
                    + [entry_offset(ims, i, self.rng.randrange(4))]
                    + [reg.offset for pair in ctx.regs.pba(ims) for reg in pair]
                )
                await ctx.reg.read(off, wait=False)
            elif op == "strobe":
                off = entry_offset(ims, i, self.rng.randrange(4))
                await ctx.reg.write(
                    off, self.rng.getrandbits(32), self.rng.randrange(16), wait=False
                )
            elif op == "sink":
                await ctx.sink.configure(
                    ready=self.rng.choice((1.0, 0.75, 0.5, 0.1)),
                    b_delay=self.rng.choice((SHORT_B, LONG_B)),
                )
            elif op == "inject":
                await ctx.sink.inject(self.rng.choice(("SLVERR", "DECERR")))
            elif op == "quiet":
                await self.quiesce()
            if self.rng.random() < 0.3:
                await self.cycles(self.rng.randint(0, 4))
        resolver.cancel()
        await ctx.sink.configure(ready=1.0, b_delay=SHORT_B)
        await self.quiesce()
