"""Linux driver access patterns (docs/testplan.hjson `driver_patterns`; facts from the Linux IMS
and idxd drivers), all through the register layer, with completions arriving meanwhile.

* `Ims2021Seq` (2021 Linux IMS chip): program address/data *without masking first* (read data
  back), mask and unmask by read-modify-write of the control word with a read-back.
* `Idxd2022Seq` (2022 idxd chip): mask once up front, then whole control-word writes
  `(PASID << 12 | PASID_EN) [| MASK]`, never a read first.
* `LinuxMsixSeq` (Linux MSI-X): if the entry is unmasked, mask it; write address/data; unmask;
  read back.
* `SlotAllocFreeSeq`: free writes 0 to address/data and MASK to the control word and reads it back;
  allocate programs a new pair.

Rules: IMS-031 (unmask of a pending entry sends the current pair once), IMS-036 (address/data
writes and MASK-unchanged control writes send nothing), IMS-023 (whole-word writes).
"""

from __future__ import annotations

from imstb.uvm.reg_model import ImsReg
from imstb.uvm.sequences.base import I_EN, MASK, PASID_EN, PASID_LSB, X_EN, ImsSeq

__all__ = ["DriverPatternsSeq", "Idxd2022Seq", "Ims2021Seq", "LinuxMsixSeq", "SlotAllocFreeSeq"]


class _Driver(ImsSeq):
    async def rmw_mask(self, ctrl: ImsReg, masked: bool) -> None:
        """Read ctrl, set/clear bit 0, write it back, read it again (2021 chip, Linux MSI-X)."""
        value = await self.reg_read(ctrl)
        await self.reg_write(ctrl, (value | MASK) if masked else (value & ~MASK))
        await self.reg_read(ctrl)

    async def completions(self, ims: bool, index: int, k: int, pasid: int | None = None) -> None:
        for _ in range(k):
            await self.event(ims, index, pasid)


class Ims2021Seq(_Driver):
    async def body(self) -> None:
        ctx = self.ctx
        await self.enable(msix=True, ims=True)
        for i in sorted(self.rng.sample(range(ctx.n), min(4, ctx.n))):
            e = ctx.regs.entry(True, i)
            await self.rmw_mask(e.ctrl, False)  # first use: unmask
            for _ in range(2):  # program without masking, completions in flight meanwhile
                await self.completions(True, i, self.rng.randint(0, 2))
                b = ctx.platform.alloc(True, i)
                await self.reg_write(e.addr_lo, b.addr & 0xFFFFFFFF)
                await self.reg_write(e.addr_hi, b.addr >> 32)
                await self.reg_write(e.data, b.data)
                await self.reg_read(e.data)
                await self.completions(True, i, 2)
            await self.rmw_mask(e.ctrl, True)
            await self.completions(True, i, 3)  # pending, one bit (IMS-034)
            await self.quiesce()
            await self.rmw_mask(e.ctrl, False)  # one message (IMS-031)
            await self.quiesce()


class Idxd2022Seq(_Driver):
    async def body(self) -> None:
        ctx = self.ctx
        await self.enable(msix=True, ims=True)
        for i in sorted(self.rng.sample(range(ctx.n), min(4, ctx.n))):
            e = ctx.regs.entry(True, i)
            pasid = self.rng.getrandbits(20)
            en = PASID_EN if self.rng.random() < 0.7 else 0
            word = (pasid << PASID_LSB) | en
            await self.reg_write(e.ctrl, word | MASK)  # mask once up front
            await self.program(True, i)
            await self.reg_write(e.ctrl, word)  # unmask: whole word, no read
            await self.completions(True, i, 3, pasid)
            await self.reg_write(e.ctrl, word | MASK)
            await self.completions(True, i, 2, pasid)  # pending
            await self.reg_write(e.ctrl, word | MASK)  # MASK unchanged: nothing (IMS-036)
            await self.quiesce()
            await self.reg_write(e.ctrl, word)  # unmask: the pending message
            await self.quiesce()


class LinuxMsixSeq(_Driver):
    async def body(self) -> None:
        ctx = self.ctx
        await self.enable(msix=True, ims=True)
        for i in sorted(self.rng.sample(range(ctx.m), min(4, ctx.m))):
            e = ctx.regs.entry(False, i)
            for _ in range(2):
                await self.completions(False, i, self.rng.randint(0, 2))
                if not await self.reg_read(e.ctrl) & MASK:
                    await self.reg_write(e.ctrl, MASK)  # mask before changing the pair
                await self.completions(False, i, 2)  # pending while reprogrammed
                await self.program(False, i)
                await self.reg_write(e.ctrl, 0)  # unmask: sends with the new pair
                await self.reg_read(e.ctrl)
                await self.completions(False, i, 2)
            await self.quiesce()


class SlotAllocFreeSeq(_Driver):
    async def body(self) -> None:
        ctx = self.ctx
        await self.enable(msix=True, ims=True)
        for i in sorted(self.rng.sample(range(ctx.n), min(3, ctx.n))):
            e = ctx.regs.entry(True, i)
            await self.program(True, i)
            await self.reg_write(e.ctrl, 0)
            await self.completions(True, i, 2)
            # free: zero the pair, mask, read ctrl back to flush the posted writes
            ctx.platform.free(True, i)
            for reg in (e.addr_lo, e.addr_hi, e.data):
                await self.reg_write(reg, 0)
            await self.reg_write(e.ctrl, MASK)
            await self.reg_read(e.ctrl)
            await self.completions(True, i, 1)  # a late completion on a freed slot: pending
            await self.quiesce()
            # allocate again to someone else (PASID set while not in use: keep [2:0])
            await self.program(True, i)
            ctrl = await self.reg_read(e.ctrl)
            pasid = self.rng.getrandbits(20)
            await self.reg_write(e.ctrl, (ctrl & 0x7) | (pasid << PASID_LSB) | PASID_EN)
            await self.reg_write(e.ctrl, (pasid << PASID_LSB) | PASID_EN)  # unmask
            await self.completions(True, i, 2, pasid)
            await self.quiesce()


class DriverPatternsSeq(ImsSeq):
    """All four patterns, in random order, the tables enabled (IMS-031, IMS-036, IMS-023)."""

    async def body(self) -> None:
        await self.ctrl_write(X_EN | I_EN)
        seqs: list[ImsSeq] = [
            Ims2021Seq("ims2021", self.ctx),
            Idxd2022Seq("idxd2022", self.ctx),
            LinuxMsixSeq("linux_msix", self.ctx),
            SlotAllocFreeSeq("slot_alloc_free", self.ctx),
        ]
        self.rng.shuffle(seqs)
        for s in seqs:
            await s.run()
        self.expect(self.ctx.model.stats["unmask_messages"] > 0, "no unmask message")
