"""Register model of `ims_ctrl` (pyuvm `uvm_reg_block`), built entirely from `imsmodel.regmap`.

Offsets, fields, access codes and reset values all come from regmap, so there is one register map
in the project. One root map `axil` (32-bit, byte addressed) holds:

* the global registers (`ImsRegBlock.reg("CTRL")`, ...);
* the MSI-X table (`msix[i].addr_lo/addr_hi/data/ctrl`) and the IMS table (`ims[i]...`);
* both PBAs (`msix_pba[q][half]`, `ims_pba[q][half]`).

Access codes map RO -> "RO", RW -> "RW", RW1C -> "W1C", WO -> "WO". A register is *volatile* (the
DUT changes it by itself, so its mirror is not compared) when it has no RW field and is not a
constant (ID, CAP): the ERR_* registers, MSG_COUNT, the PBAs and the write-only HANDLE_RELEASE.
Every register is added to the map with rights "RW": writes to read-only registers are legal on
this device (IMS-024, answered OKAY); the field access codes keep their mirror unchanged.

Building the 2048/256 model takes about a second, so one model per (N, M) is built per simulator
process and `reset()` between tests (`get_reg_block`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyuvm import uvm_endianness_e, uvm_reg, uvm_reg_block, uvm_reg_field, uvm_reg_map

from imsmodel import regmap as rm

__all__ = ["EntryRegs", "ImsReg", "ImsRegBlock", "get_reg_block"]

_ACCESS = {rm.Access.RO: "RO", rm.Access.RW: "RW", rm.Access.RW1C: "W1C", rm.Access.WO: "WO"}


class ImsReg(uvm_reg):
    """A 32-bit register or table word defined by a `regmap.Register`."""

    def __init__(self, name: str, spec: rm.Register, reset: int, volatile: bool) -> None:
        super().__init__(name, 32)
        self.spec = spec
        self.reset_value = reset
        self.volatile = volatile
        self.offset = -1  # absolute byte offset, set when added to the map

    def build(self) -> None:
        for f in self.spec.fields:
            field = uvm_reg_field(f.name)
            field.configure(
                self,
                f.width,
                f.lsb,
                _ACCESS[f.access],
                self.volatile,
                f.get(self.reset_value),
                True,  # has_reset
                False,  # is_rand
                False,  # individually_accessible
            )

    @property
    def compare_mask(self) -> int:
        """Bits whose mirror is compared on a checked read (non-volatile fields)."""
        return 0 if self.volatile else self.spec.defined_mask

    @property
    def w1c_mask(self) -> int:
        return self.spec.w1c_mask


@dataclass(frozen=True)
class EntryRegs:
    """The four words of one table entry."""

    addr_lo: ImsReg
    addr_hi: ImsReg
    data: ImsReg
    ctrl: ImsReg

    @property
    def words(self) -> tuple[ImsReg, ImsReg, ImsReg, ImsReg]:
        return (self.addr_lo, self.addr_hi, self.data, self.ctrl)


class ImsRegBlock(uvm_reg_block):
    """Global registers, both tables and both PBAs of one `ims_ctrl` (N IMS, M MSI-X entries)."""

    def __init__(self, ims_entries: int, msix_entries: int, name: str = "ims_regs") -> None:
        super().__init__(name)
        rm.check_params(ims_entries, msix_entries)
        self.n = ims_entries
        self.m = msix_entries
        self.regs: dict[str, ImsReg] = {}
        self.msix: list[EntryRegs] = []
        self.ims: list[EntryRegs] = []
        self.msix_pba: list[tuple[ImsReg, ImsReg]] = []
        self.ims_pba: list[tuple[ImsReg, ImsReg]] = []
        self.by_offset: dict[int, ImsReg] = {}

    def build(self) -> None:
        self.map: uvm_reg_map = self.create_map(
            "axil", 0, 4, uvm_endianness_e.UVM_LITTLE_ENDIAN, True
        )
        for spec in rm.REGISTERS:
            const = spec is rm.ID or spec is rm.CAP
            volatile = spec.writable_mask == 0 and not const
            self.regs[spec.name] = self._add(
                spec.name, spec, spec.offset, rm.reset_value(spec, self.n, self.m), volatile
            )
        self.msix = [
            self._entry("msix", i, rm.MSIX_TABLE_BASE, rm.MSIX_ENTRY_WORDS) for i in range(self.m)
        ]
        self.ims = [
            self._entry("ims", i, rm.IMS_TABLE_BASE, rm.IMS_ENTRY_WORDS) for i in range(self.n)
        ]
        self.msix_pba = [self._pba("msix_pba", q, rm.MSIX_PBA_BASE) for q in range(self._g(False))]
        self.ims_pba = [self._pba("ims_pba", q, rm.IMS_PBA_BASE) for q in range(self._g(True))]
        self.lock_model()

    def _g(self, ims: bool) -> int:
        return rm.pba_qwords(self.n if ims else self.m)

    def _add(self, name: str, spec: rm.Register, offset: int, reset: int, volatile: bool) -> ImsReg:
        reg = ImsReg(name, spec, reset, volatile)
        reg.configure(self)
        reg.build()
        reg.offset = offset
        self.map.add_reg(reg, offset, "RW")
        self.by_offset[offset] = reg
        return reg

    def _entry(self, prefix: str, i: int, base: int, words: tuple[rm.Register, ...]) -> EntryRegs:
        at = base + rm.ENTRY_BYTES * i
        regs = [
            self._add(f"{prefix}_{i}_{w.name}", w, at + w.offset, w.reset, False) for w in words
        ]
        return EntryRegs(*regs)

    def _pba(self, prefix: str, q: int, base: int) -> tuple[ImsReg, ImsReg]:
        lo, hi = (
            self._add(f"{prefix}_{q}_{w.name}", w, base + 8 * q + w.offset, 0, True)
            for w in rm.PBA_WORDS
        )
        return lo, hi

    # ------------------------------------------------------------------ lookups
    def reg(self, name: str) -> ImsReg:
        """A global register by its regmap name ("CTRL", "ERR_STATUS", ...)."""
        return self.regs[name]

    def entry(self, ims: bool, index: int) -> EntryRegs:
        return (self.ims if ims else self.msix)[index]

    def pba(self, ims: bool) -> list[tuple[ImsReg, ImsReg]]:
        return self.ims_pba if ims else self.msix_pba

    def at(self, offset: int) -> ImsReg | None:
        """The register at a 4-byte aligned offset, None where nothing is mapped (IMS-025)."""
        return self.by_offset.get(offset & 0xFFFC)

    def all_regs(self) -> list[ImsReg]:
        return list(self.by_offset.values())


_BLOCKS: dict[tuple[int, int], ImsRegBlock] = {}


def get_reg_block(ims_entries: int, msix_entries: int) -> ImsRegBlock:
    """The register model for (N, M), built once per process and reset (mirror = reset values)."""
    key = (ims_entries, msix_entries)
    blk = _BLOCKS.get(key)
    if blk is None:
        blk = ImsRegBlock(ims_entries, msix_entries)
        blk.build()
        _BLOCKS[key] = blk
    blk.reset()
    return blk
