"""Rule inputs that random stimulus reaches only by luck, reached on purpose (issue #16 item 3):

* `EventClassSeq`: every handle class of both tables (0, last, in range, = size, size + 1, far;
  `imstb.stim_classes`) and every PASID class of IMS entries (equal, one bit off, absent with the
  entry's bits, absent with zeros, entry without PASID_EN), under each table state (open,
  MSI-X function-masked, both disabled) and entry state (masked or not, PASID_EN or not), so
  that each class meets each outcome it can have (IMS-040..045).
* `StrobeSeq`: every word of an entry of both tables written with each single-byte strobe,
  with 0x0, 0xF and a random multi-byte strobe, each read back (IMS-023).
* `OpenBothSeq`: one CTRL write opens both tables from closed while pending unmasked entries
  wait in both, in one of them, or in none; before it, every PBA word is read, with pending
  entries in the upper word of a QWORD (entries 64q+32..64q+63) when the table has them
  (IMS-026, IMS-032, IMS-037, IMS-103).

The PASID and handle fields are picked against the entry state the model has (`class_event`);
coverage samples what the monitors saw and what the model did (cg_pasid_class, cg_handle_class,
cg_strobe, cg_open_both, cg_pba_high), not what these sequences aimed at.
"""

from __future__ import annotations

from imsmodel import regmap as rm
from imstb.stim_classes import (
    IN_RANGE_CLASSES,
    PASID_CLASSES,
    PasidClass,
    handle_classes,
    specific_pasid,
)
from imstb.uvm.sequences.base import I_EN, MASK, PASID_EN, PASID_LSB, X_EN, X_FM, EntrySeq

__all__ = ["EventClassSeq", "OpenBothSeq", "StrobeSeq"]

_EN_CLASSES = tuple(c for c in PASID_CLASSES if c is not PasidClass.NO_PASID_EN)


class _ClassSeq(EntrySeq):
    async def _settled(self) -> None:
        """Every queued event taken and in effect before the next write: a read answered after
        the events' handshakes bounds their windows (IMS-101 c). These sequences are about the
        classes each event meets, not about races (ims_race_test, the fuzz and the random mix
        are)."""
        await self.ctx.harness.evt.drain()
        await self.ctx.reg.read(rm.CTRL.offset)


class EventClassSeq(_ClassSeq):
    """Each handle class x table state x entry state, each PASID class on each IMS target."""

    async def body(self) -> None:
        ctx = self.ctx
        targets: dict[bool, list[int]] = {}
        for ims in (False, True):
            size = ctx.size(ims)
            mid = [self.rng.randrange(1, size - 1)] if size > 2 else []
            targets[ims] = sorted({0, size - 1, *mid})
            for i in targets[ims]:
                await self.program(ims, i, reg_layer=False)
        await ctx.harness.master.drain()
        for ctrl in (X_EN | I_EN, X_EN | X_FM | I_EN, 0):  # open; MSI-X function-masked; off
            await self._settled()
            await self.ctrl_write(ctrl)
            for masked in (False, True):
                for pasid_en in (True, False):
                    await self._settled()  # the entry state below is what they meet
                    for ims in (False, True):
                        for i in targets[ims]:
                            value = MASK * masked
                            if ims:
                                value |= PASID_EN * pasid_en | specific_pasid(self.rng) << PASID_LSB
                            await self.set_ctrl_word(ims, i, value, wait=False)
                    await ctx.harness.master.drain()
                    await self._events(targets, pasid_en)
                    if self.rng.random() < 0.5:
                        await self.clear_errors()
        await self.quiesce()
        await self.read_errors()
        self.expect(ctx.model.stats["error_pasid_mismatch"] > 0, "no PASID mismatch was produced")

    async def _events(self, targets: dict[bool, list[int]], pasid_en: bool) -> None:
        for ims in (False, True):
            for hc in handle_classes(self.ctx.size(ims)):
                if ims and pasid_en and hc in IN_RANGE_CLASSES:
                    for pc in _EN_CLASSES:
                        await self.class_event(True, hc, pasid_cls=pc, in_range=targets[True])
                else:
                    await self.class_event(ims, hc, in_range=targets[ims])


class StrobeSeq(EntrySeq):
    """Each word of an entry of each table: every single-byte strobe, 0x0, 0xF and a random
    multi-byte strobe, random data, each read back (IMS-023)."""

    MULTI = (0x3, 0x5, 0x6, 0x7, 0x9, 0xA, 0xB, 0xC, 0xD, 0xE)

    async def body(self) -> None:
        ctx = self.ctx
        for ims in (False, True):
            i = self.rng.randrange(ctx.size(ims))
            for word in (rm.WORD_ADDR_LO, rm.WORD_ADDR_HI, rm.WORD_DATA, rm.WORD_CTRL):
                off = rm.IMS_TABLE_BASE if ims else rm.MSIX_TABLE_BASE
                off += rm.ENTRY_BYTES * i + 4 * word
                strobes = [0x1, 0x2, 0x4, 0x8, 0x0, 0xF, self.rng.choice(self.MULTI)]
                self.rng.shuffle(strobes)
                for strb in strobes:
                    await ctx.reg.write(off, self.rng.getrandbits(32), strb, wait=False)
                    await ctx.reg.read(off, wait=False)
        await ctx.harness.master.drain()
        await self.quiesce()


class OpenBothSeq(_ClassSeq):
    """One CTRL write opens both tables from closed, with pending unmasked entries in both, in
    MSI-X only, in IMS only and in none (shuffled); every PBA word is read before it."""

    async def body(self) -> None:
        ctx = self.ctx
        variants = [(True, True), (True, False), (False, True), (False, False)]
        self.rng.shuffle(variants)
        for x_pend, i_pend in variants:
            pend = {False: self._pend_targets(False) if x_pend else [],
                    True: self._pend_targets(True) if i_pend else []}  # fmt: skip
            # pend: MSI-X entries by the function mask, IMS entries by their MASK
            await self.ctrl_write(X_EN | X_FM | I_EN)
            for ims in (False, True):
                for i in pend[ims]:
                    await self.program(ims, i, reg_layer=False)
                    await self.set_ctrl_word(ims, i, MASK if ims else 0, wait=False)
            await ctx.harness.master.drain()
            for ims in (False, True):
                for i in pend[ims]:
                    await self.event(ims, i)
            await self._settled()
            await self.ctrl_write(0)  # both closed; pending bits stay (IMS-033)
            for i in pend[True]:  # unmask while closed: stays pending (IMS-031)
                await self.set_ctrl_word(True, i, 0, wait=False)
            await ctx.harness.master.drain()
            await self.read_pbas()  # pending bits, past bit 31 too (IMS-026)
            await self.ctrl_write(X_EN | I_EN)  # one write opens both: flush (IMS-032, IMS-037)
            await self.quiesce()
        self.expect(ctx.model.stats["flush_messages"] > 0, "no flush message")

    def _pend_targets(self, ims: bool) -> list[int]:
        """First and last entry, one in the upper half of a QWORD when the table has one, and a
        few at random."""
        size = self.ctx.size(ims)
        out = {0, size - 1, *self.rng.sample(range(size), min(3, size))}
        if size > 32:
            q = self.rng.randrange((size - 33) // 64 + 1)  # a QWORD with an upper half
            out.add(min(size - 1, 64 * q + self.rng.randrange(32, 64)))
        return sorted(out)
