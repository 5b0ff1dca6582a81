"""PASID setups: PASID_EN with matching, mismatching (walking one) and absent PASIDs; PASID
ignored when disabled and for MSI-X events (IMS-040, IMS-042, IMS-045)."""

from __future__ import annotations

from imstb.uvm.sequences.base import PASID_EN, PASID_LSB, EntrySeq

__all__ = ["PasidSeq"]


class PasidSeq(EntrySeq):
    """PASID_EN with matching, mismatching and absent PASIDs; PASID ignored when PASID_EN = 0 and
    for MSI-X events (IMS-040, IMS-042, IMS-045)."""

    async def body(self) -> None:
        await self.enable(msix=True, ims=True)
        idx = self.pick(True, 8)
        await self.program_all(True, idx, unmask=False)
        pasids = {}
        for k, i in enumerate(idx):
            p = self.rng.getrandbits(20)
            pasids[i] = p
            en = PASID_EN if k == 0 or self.rng.random() < 0.7 else 0
            await self.set_ctrl_word(True, i, (p << PASID_LSB) | en)
        walk = 0  # walking-one mismatches: every bit of the PASID compare must reject
        for _ in range(12 * len(idx)):
            i = self.rng.choice(idx)
            r = self.rng.random()
            if r < 0.35:
                pasid: int | None = pasids[i]
            elif r < 0.7:
                pasid = pasids[i] ^ (1 << (walk % 20))
                walk += 1
            elif r < 0.8:
                pasid = self.rng.getrandbits(20)
            else:  # absent: evt_pasid carries the entry's PASID or zeros, still a mismatch
                pasid = None
            absent = pasids[i] if self.rng.random() < 0.5 else 0
            await self.event(True, i, pasid, absent_bits=absent)
            if self.rng.random() < 0.1:  # MSI-X events carry a PASID that must be ignored
                await self.program(False, 0, reg_layer=False)
                await self.set_ctrl_word(False, 0, 0, wait=False)
                await self.event(False, 0, self.rng.getrandbits(20))
            if self.rng.random() < 0.1:
                await self.read_errors(wait=False)
                await self.clear_errors()
        # walking one on an entry with PASID_EN: each compared bit alone must reject (IMS-040)
        for k in range(20):
            await self.event(True, idx[0], pasids[idx[0]] ^ (1 << k))
            await self.event(True, idx[0], pasids[idx[0]])
        await self.quiesce()  # events are queued: let them be taken before the PASID changes
        # PASID change of an entry (keep ctrl[2:0], replace [31:3], as Linux does)
        for i in idx[:2]:
            ctrl = await self.reg_read(self.ctx.regs.entry(True, i).ctrl)
            p = self.rng.getrandbits(20)
            await self.set_ctrl_word(True, i, (ctrl & 0x7) | (p << PASID_LSB) | PASID_EN)
            await self.event(True, i, p)
            await self.event(True, i, pasids[i])
        await self.quiesce()
        # PASID_EN = 0: the entry's PASID and the event's are ignored (IMS-045)
        i = idx[0]
        await self.set_ctrl_word(True, i, pasids[i] << PASID_LSB)
        for pasid in (pasids[i], pasids[i] ^ 0x80001, None, self.rng.getrandbits(20)):
            await self.event(True, i, pasid)
        await self.quiesce()
        await self.read_errors()
        self.expect(
            self.ctx.model.stats["error_pasid_mismatch"] > 0, "no PASID mismatch was produced"
        )
