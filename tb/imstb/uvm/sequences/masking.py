"""Masks, pending bits and flushes: per-entry MASK, the function mask, closed tables, and the
flush when a table opens (IMS-030..036, IMS-043, IMS-085)."""

from __future__ import annotations

import cocotb

from imsmodel import regmap as rm
from imstb.uvm.sequences.base import I_EN, MASK, X_EN, X_FM, BenchCtx, EntrySeq, entry_offset

__all__ = ["FlushSeq", "FuncMaskSeq", "MaskPendingSeq", "MaskRaceSeq"]


class MaskPendingSeq(EntrySeq):
    """Events on masked entries set pending (several give one bit); unmask sends exactly one
    message with the pair current at the unmask; mask/unmask without pending and addr/data writes
    of a pending entry send nothing (IMS-030, IMS-031, IMS-034, IMS-036, IMS-043)."""

    async def body(self) -> None:
        ctx = self.ctx
        await self.enable(msix=True, ims=True)
        for ims in (False, True):
            idx = self.pick(ims, 6)
            await self.program_all(ims, idx, unmask=False)  # MASK = 1 since reset
            for i in idx:
                for _ in range(self.rng.randint(1, 4)):  # IMS-034: one pending bit
                    await self.event(ims, i)
            await self.quiesce()
            await self.read_pbas()
            for i in idx:
                if self.rng.random() < 0.5:  # reprogram while pending: unmask uses the new pair
                    await self.program(ims, i, reg_layer=False)
                    await ctx.harness.master.drain()
                e = ctx.regs.entry(ims, i)
                # IMS-036: rewrite data and ctrl with MASK unchanged: nothing is sent
                await ctx.reg.write(e.data.offset, e.data.get_mirrored_value())
                await self.set_ctrl_word(ims, i, MASK)
                await self.mask(ims, i, False)  # IMS-031: exactly one message
                await self.event(ims, i)  # unmasked now: sent directly
                await self.mask(ims, i, True)  # mask 0 -> 1, nothing pending
                await self.mask(ims, i, False)  # unmask, nothing pending: nothing sent
            await self.quiesce()
            await self.read_pbas()
        self.expect(ctx.model.stats["unmask_messages"] > 0, "no unmask message was produced")


class MaskRaceSeq(EntrySeq):
    """Mask/unmask toggles of one entry while events stream onto it (IMS-030, IMS-031, IMS-043,
    IMS-080)."""

    def __init__(self, name: str, ctx: BenchCtx, rounds: int = 40) -> None:
        super().__init__(name, ctx)
        self.rounds = rounds

    async def body(self) -> None:
        await self.enable(msix=True, ims=True)
        ims = self.rng.random() < 0.5
        i = self.pick(ims, 1)[0]
        await self.program(ims, i)

        async def events() -> None:
            for _ in range(self.rounds):
                await self.event(ims, i)
                await self.cycles(self.rng.randint(0, 3))

        async def toggles() -> None:
            for k in range(self.rounds // 2):
                await self.set_ctrl_word(ims, i, MASK if k % 2 == 0 else 0, wait=False)
                await self.cycles(self.rng.randint(0, 6))

        t1 = cocotb.start_soon(events())
        t2 = cocotb.start_soon(toggles())
        await t1
        await t2
        await self.set_ctrl_word(ims, i, 0)
        await self.quiesce()
        await self.read_pbas()


class FlushSeq(EntrySeq):
    """Closed -> open transitions flush every pending unmasked entry in ascending order: IMS_ENABLE
    and MSIX_ENABLE set, MSIX_FUNC_MASK cleared, both tables in one write (MSI-X first); closed
    tables send nothing and keep pending bits (IMS-032, IMS-033, IMS-035, IMS-085)."""

    BIG = 70  # a flush of >= 64 messages when the table has that many entries

    async def _make_pending(self, ims: bool, idx: list[int], ctrl_pend: int) -> None:
        """Entries `idx` pending and unmasked in a closed table (ctrl_pend opens the table only
        long enough to take masked events)."""
        await self.ctrl_write(ctrl_pend)
        for i in idx:
            await self.event(ims, i)
        await self.quiesce()
        for i in idx:
            await self.set_ctrl_word(ims, i, 0, wait=False)  # unmask while closed: stays pending

    async def body(self) -> None:
        ctx, model = self.ctx, self.ctx.model
        # 1. flush sizes 0..>=64 of the IMS table by IMS_ENABLE (IMS-092 sizes)
        sizes = [0, 1, self.rng.randint(2, 7), self.rng.randint(8, 63), min(ctx.n, self.BIG)]
        for k in sorted({min(k, ctx.n) for k in sizes}):
            idx = self.pick(True, k)
            await self.program_all(True, idx, unmask=False)
            if idx:
                await self.ctrl_write(I_EN)  # events on masked entries: pending
                for i in idx:
                    await self.event(True, i)
                await self.quiesce()
                await self.ctrl_write(0)  # close
                for i in idx:
                    await self.set_ctrl_word(True, i, 0, wait=False)
                await self.read_pbas()
            before = model.stats["flush_messages"]
            await self.ctrl_write(I_EN)  # open: flush in ascending order
            await self.quiesce()
            self.expect(model.stats["flush_messages"] - before == len(idx), f"IMS flush of {k}")
            await self.read_pbas()
            await self.ctrl_write(0)
            for i in idx:
                await self.set_ctrl_word(True, i, MASK, wait=False)
        # 2. MSI-X: function mask clear flushes; enable with FM set does not
        sizes = [0, 1, self.rng.randint(2, 7), self.rng.randint(8, 63), min(ctx.m, self.BIG)]
        for k in sorted({min(k, ctx.m) for k in sizes}):
            idx = self.pick(False, k)
            await self.program_all(False, idx, unmask=True)
            await self.ctrl_write(X_EN | X_FM)
            for i in idx:
                await self.event(False, i)  # FM: pending (IMS-043)
            await self.quiesce()
            await self.read_pbas()
            if self.rng.random() < 0.5:
                await self.ctrl_write(X_FM)  # disable while FM: still closed, nothing sent
                await self.ctrl_write(X_EN)  # enable + clear FM in one write: flush
            else:
                await self.ctrl_write(X_EN)  # clear FM: flush
            await self.quiesce()
            await self.read_pbas()
        # 3. one write opens both tables: the MSI-X flush goes first (IMS-032)
        cap = ctx.m + ctx.n
        totals = [0, 1, self.rng.randint(2, 7), self.rng.randint(8, 63), min(cap, self.BIG)]
        for total in sorted({min(t, cap) for t in totals}):
            x = self.rng.randint(max(0, total - ctx.n), min(ctx.m, total))
            await self._flush_both(self.pick(False, x), self.pick(True, total - x))
        self.expect(model.stats["flushes"] > 0, "no flush happened")

    async def _flush_both(self, xi: list[int], ii: list[int]) -> None:
        await self.ctrl_write(0)
        await self.program_all(False, xi, unmask=True)
        await self.program_all(True, ii, unmask=False)
        await self.ctrl_write(X_EN | X_FM | I_EN)
        for i in xi:
            await self.event(False, i)  # function-masked: pending
        for i in ii:
            await self.event(True, i)  # masked: pending
        await self.quiesce()
        await self.ctrl_write(X_FM)  # close both
        for i in ii:
            await self.set_ctrl_word(True, i, 0, wait=False)
        if ii:  # a closed table sends nothing: an event on it is an error (IMS_DISABLED)
            await self.event(True, ii[0])
        await self.quiesce()
        await self.read_pbas()
        await self.ctrl_write(X_EN | I_EN)  # open both at once: MSI-X flush, then IMS
        await self.quiesce()
        await self.read_pbas()
        for i in ii:
            await self.set_ctrl_word(True, i, MASK, wait=False)


class FuncMaskSeq(EntrySeq):
    """MSIX_FUNC_MASK: set and cleared with and without pending entries; per-entry MASK is never
    changed by it; masked entries stay pending through the flush (IMS-032, IMS-033)."""

    async def body(self) -> None:
        idx = self.pick(False, 6)
        await self.program_all(False, idx, unmask=False)
        await self.ctrl_write(X_EN)
        half = idx[: len(idx) // 2 + 1]
        for i in half:
            await self.set_ctrl_word(False, i, 0, wait=False)
        for _ in range(2):
            await self.ctrl_update(set_bits=X_FM)  # set FM (pending or not)
            for i in idx:
                await self.event(False, i)
            await self.quiesce()
            await self.read_pbas()
            for i in idx:  # entry reads: FM never changes MASK (IMS-033)
                await self.ctx.reg.read(entry_offset(False, i, rm.WORD_CTRL), wait=False)
            # mask a pending entry while closed: it stays pending through the flush (IMS-033)
            await self.mask(False, self.rng.choice(half), True)
            await self.ctrl_update(clear_bits=X_FM)  # clear FM with pending: flush
            await self.quiesce()
            await self.read_pbas()
            await self.ctrl_update(set_bits=X_FM)  # set FM while the masked ones pend
            await self.ctrl_update(clear_bits=X_FM)
            for i in idx:  # unmask the rest: unmask messages
                await self.mask(False, i, False)
            await self.quiesce()
            for i in idx:
                await self.mask(False, i, self.rng.random() < 0.5)
        await self.read_pbas()
