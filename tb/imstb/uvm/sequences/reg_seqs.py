"""Register sequences: reset values, read/write semantics, unmapped offsets, slave-port protocol.

The scoreboard compares every response and read value with the model. In addition these
sequences check the register model's mirror (maintained by `ImsRegPredictor` from the monitored
accesses and the regmap field definitions), an expectation independent of the model's code:
`check_mirror` reads registers in a quiet phase and compares their non-volatile fields.
"""

from __future__ import annotations

from imsmodel import regmap as rm
from imstb.bfm.axil_master import AxilRead
from imstb.uvm.reg_model import ImsReg
from imstb.uvm.sequences.base import I_EN, BenchCtx, ImsSeq, SeqError, entry_offset
from imstb.uvm.sequences.items import RegItem

__all__ = ["RegResetSeq", "RegRwSeq", "UnmappedSeq", "unmapped_offsets"]


def unmapped_offsets(n: int, m: int) -> list[int]:
    """Representatives of every hole class of IMS-025 (first, last and a middle offset)."""
    gx, gi = rm.pba_qwords(m), rm.pba_qwords(n)
    classes = [
        (0x000C, 0x000C),
        (0x0024, 0x0FFC),
        (rm.MSIX_TABLE_BASE + rm.ENTRY_BYTES * m, rm.MSIX_PBA_BASE - 4),
        (rm.MSIX_PBA_BASE + 8 * gx, rm.IMS_PBA_BASE - 4),
        (rm.IMS_PBA_BASE + 8 * gi, rm.IMS_PBA_BASE + rm.REGION_SIZE["IMS_PBA"] - 4),
        (0x4000, rm.IMS_TABLE_BASE - 4),
        (rm.IMS_TABLE_BASE + rm.ENTRY_BYTES * n, rm.ADDR_SPACE - 4),
    ]
    out: list[int] = []
    for lo, hi in classes:
        if lo <= hi:
            out += sorted({lo, hi, (lo + (hi - lo) // 2) & ~3})
    return out


class _RegSeq(ImsSeq):
    async def check_mirror(self, regs: list[ImsReg], rules: str) -> None:
        """Read `regs` (pipelined, nothing else in flight) and compare the non-volatile fields
        with the mirror."""
        await self.ctx.harness.drain()
        pending: list[tuple[ImsReg, int, RegItem]] = []
        for reg in regs:
            pending.append(
                (reg, reg.get_mirrored_value(), await self.ctx.reg.read(reg.offset, wait=False))
            )
        for reg, expected, item in pending:
            await item.wait()
            got = item.rdata if item.rdata is not None else 0
            diff = (got ^ expected) & reg.compare_mask
            if diff:
                raise SeqError(
                    f"register model mirror: {reg.get_name()} (0x{reg.offset:04x}) read "
                    f"0x{got:08x}, mirror 0x{expected:08x}, bits 0x{diff:08x} differ ({rules})"
                )

    def sample_regs(self, k: int) -> list[ImsReg]:
        """Global registers, plus k random words of each table (first and last entries
        included), plus every PBA word."""
        ctx = self.ctx
        # (not the write-only HANDLE_RELEASE: a random write to it would release an entry, which
        # the register mirror does not predict; the directed owner-isolation tests cover it)
        regs = [r for r in ctx.regs.regs.values() if r.spec.access is not rm.Access.WO]
        for ims in (False, True):
            size = ctx.size(ims)
            idx = {0, size - 1} | set(self.rng.sample(range(size), min(k, size)))
            regs += [w for i in sorted(idx) for w in ctx.regs.entry(ims, i).words]
            regs += [w for pair in ctx.regs.pba(ims) for w in pair]
        return regs


class RegResetSeq(_RegSeq):
    """Every register, table word and PBA word after reset (IMS-010, IMS-020, IMS-021), read
    back to back; the first access is taken within 16 edges of reset release (IMS-011)."""

    async def body(self) -> None:
        ctx = self.ctx
        first = await ctx.reg.read(rm.ID.offset)
        release, op = ctx.harness.release_edge, first.op
        self.expect(
            release is not None and isinstance(op, AxilRead) and op.ar_edge is not None,
            "reset release or first AR handshake not seen",
        )
        assert release is not None and isinstance(op, AxilRead) and op.ar_edge is not None
        took = op.ar_edge - release
        self.expect(took <= 16, f"first read taken {took} edges after reset release (IMS-011)")
        await self.check_mirror(ctx.regs.all_regs(), "IMS-020/IMS-021 reset values")


class UnmappedSeq(_RegSeq):
    """Every hole and every entry / PBA word past the table size answers SLVERR, reads 0 and
    changes nothing (IMS-025); checked by the scoreboard, and the mirror is unchanged."""

    async def body(self) -> None:
        ctx = self.ctx
        offsets = unmapped_offsets(ctx.n, ctx.m)
        self.rng.shuffle(offsets)
        for off in offsets:
            await ctx.reg.write(off | self.rng.randrange(4), self.rng.getrandbits(32), wait=False)
            await ctx.reg.read(off | self.rng.randrange(4), wait=False)
        await self.check_mirror(self.sample_regs(2), "IMS-025: nothing changes")


class RegRwSeq(_RegSeq):
    """Random reads and writes with random WSTRB, AxPROT and address bits [1:0], interleaved and
    pipelined, to every register class: reserved bits read 0 and ignore writes (IMS-022), WSTRB
    per byte (IMS-023), read-only registers and PBAs answer OKAY and keep their value (IMS-024),
    ERR_STATUS write-1-to-clear (IMS-027), AxPROT and addr[1:0] ignored (IMS-013). The mirror is
    checked after every batch."""

    def __init__(self, name: str, ctx: BenchCtx, batches: int = 6, batch: int = 24) -> None:
        super().__init__(name, ctx)
        self.batches = batches
        self.batch = batch

    async def body(self) -> None:
        ctx = self.ctx
        for b in range(self.batches):
            # an error to clear: an IMS event while IMS is disabled (IMS_DISABLED)
            if b % 2 == 0:
                await self.event(True, self.rng.randrange(ctx.n))
            targets = self.sample_regs(3)
            for _ in range(self.batch):
                reg = self.rng.choice(targets)
                addr = reg.offset | self.rng.randrange(4)
                prot = self.rng.randrange(8)
                if self.rng.random() < 0.6:
                    value = self.rng.getrandbits(32)
                    strb = self.rng.choice((0xF, 0xF, 0x0, self.rng.randrange(16)))
                    await ctx.reg.write(addr, value, strb, prot=prot, wait=False)
                else:
                    await ctx.reg.read(addr, prot=prot, wait=False)
            await self.check_mirror(targets, "IMS-022/IMS-023/IMS-024/IMS-027")
        # leave the tables closed and the error log clear
        await ctx.reg.write(rm.CTRL.offset, I_EN)
        await ctx.reg.write(rm.CTRL.offset, 0)
        await self.clear_errors()
        await ctx.reg.read(entry_offset(True, ctx.n - 1, rm.WORD_CTRL))
