"""Register map of `ims_ctrl` for Python (docs/spec.md section 3).

Everything about *where* things are and *which bits* they have is reachable from here: register
offsets, region bases and sizes, field definitions (name, lsb, width, access, reset) of every
register and table word, the error codes (IMS-054), the ID value (IMS-020), the parameter ranges
(IMS-001) and `decode`, which classifies a slave-port offset (IMS-025). No behaviour lives here;
see `model.py`.

The offsets, fields, access codes, resets, table bases and windows come from the SystemRDL source
`docs/regmap/ims_ctrl.rdl` through the generated `imsmodel.regmap_rdl` (plain literals, standard
library only; `make regmap` regenerates it, docs/regmap/README.md). Edit the RDL, not this file,
to change them.

Rules referenced: IMS-001, IMS-013 (address bits [1:0] ignored), IMS-020..028, IMS-054.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from imsmodel import regmap_rdl as _rdl
from imsmodel.errors import ImsArgumentError

__all__ = [
    "ADDR_LO_MASK",
    "ADDR_SPACE",
    "AXI_RESP",
    "CAP",
    "CTRL",
    "CTRL_ERR_INT_ENABLE",
    "CTRL_IMS_ENABLE",
    "CTRL_MSIX_ENABLE",
    "CTRL_MSIX_FUNC_MASK",
    "CTRL_WRITABLE",
    "ENTRY_BYTES",
    "ERR_COUNT",
    "ERR_COUNT_MAX",
    "ERR_INFO",
    "ERR_PASID",
    "ERR_STATUS",
    "ERR_STATUS_OVERFLOW",
    "ERR_STATUS_VALID",
    "HANDLE_MAX",
    "HANDLE_RELEASE",
    "ID",
    "ID_VALUE",
    "IMS_CTRL_MASK",
    "IMS_CTRL_PASID_EN",
    "IMS_CTRL_PASID_LSB",
    "IMS_CTRL_WRITABLE",
    "IMS_ENTRIES_DEFAULT",
    "IMS_ENTRIES_MAX",
    "IMS_ENTRIES_MIN",
    "IMS_ENTRY_WORDS",
    "IMS_PBA_BASE",
    "IMS_TABLE_BASE",
    "MSG_COUNT",
    "MSIX_CTRL_MASK",
    "MSIX_CTRL_WRITABLE",
    "MSIX_ENTRIES_DEFAULT",
    "MSIX_ENTRIES_MAX",
    "MSIX_ENTRIES_MIN",
    "MSIX_ENTRY_WORDS",
    "MSIX_PBA_BASE",
    "MSIX_TABLE_BASE",
    "PASID_MAX",
    "PBA_WORDS",
    "REGION_SIZE",
    "REGISTERS",
    "REGISTERS_BY_NAME",
    "REGISTERS_BY_OFFSET",
    "RELEASE_IMS",
    "RELEASE_INDEX",
    "STRB_BYTE_MASK",
    "WORD_ADDR_HI",
    "WORD_ADDR_LO",
    "WORD_CTRL",
    "WORD_DATA",
    "Access",
    "ErrorCode",
    "Field",
    "Kind",
    "Location",
    "Register",
    "cap_value",
    "check_params",
    "decode",
    "lookup",
    "pba_qwords",
    "reset_value",
]

# --------------------------------------------------------------------------- parameters (IMS-001)
IMS_ENTRIES_MIN = 1
IMS_ENTRIES_MAX = 2048
IMS_ENTRIES_DEFAULT = _rdl.IMS_ENTRIES_DEFAULT
MSIX_ENTRIES_MIN = 1
MSIX_ENTRIES_MAX = 256
MSIX_ENTRIES_DEFAULT = _rdl.MSIX_ENTRIES_DEFAULT

ADDR_SPACE = 0x10000  # 16-bit slave address
HANDLE_MAX = 0xFFFF  # evt_handle[15:0]
PASID_MAX = 0xFFFFF  # evt_pasid[19:0]
ERR_COUNT_MAX = 0xFFFFFFFF  # IMS-050: saturating

ID_VALUE = 0x494D5301  # IMS-020: "IMS" + version 1

#: AXI response encodings (resp[1:0]) by the names the model API uses.
AXI_RESP: dict[str, int] = {"OKAY": 0, "EXOKAY": 1, "SLVERR": 2, "DECERR": 3}

#: WSTRB (0..15) -> the bit mask of the bytes it enables (IMS-023).
STRB_BYTE_MASK: tuple[int, ...] = tuple(
    sum(0xFF << (8 * b) for b in range(4) if (s >> b) & 1) for s in range(16)
)


def check_params(ims_entries: object, msix_entries: object) -> None:
    """Raise `ImsArgumentError` unless both table sizes are in range (IMS-001)."""
    if (
        not isinstance(ims_entries, int)
        or isinstance(ims_entries, bool)
        or not IMS_ENTRIES_MIN <= ims_entries <= IMS_ENTRIES_MAX
    ):
        raise ImsArgumentError(
            f"IMS-001: ims_entries must be an int in {IMS_ENTRIES_MIN}..{IMS_ENTRIES_MAX}, "
            f"got {ims_entries!r}"
        )
    if (
        not isinstance(msix_entries, int)
        or isinstance(msix_entries, bool)
        or not MSIX_ENTRIES_MIN <= msix_entries <= MSIX_ENTRIES_MAX
    ):
        raise ImsArgumentError(
            f"IMS-001: msix_entries must be an int in {MSIX_ENTRIES_MIN}..{MSIX_ENTRIES_MAX}, "
            f"got {msix_entries!r}"
        )


def pba_qwords(entries: int) -> int:
    """G(entries) = ceil(entries / 64): the number of mapped PBA QWORDs of a table."""
    return (entries + 63) // 64


# --------------------------------------------------------------------------- error codes (IMS-054)
class ErrorCode(enum.IntEnum):
    """ERR_STATUS.CODE values (IMS-054)."""

    MSG_WRITE_FAILED = 0x01
    IMS_DISABLED = 0x02
    MSIX_DISABLED = 0x03
    INVALID_HANDLE = 0x19
    PASID_MISMATCH = 0x1A


# --------------------------------------------------------------------------- fields and registers
class Access(enum.Enum):
    """Access codes of docs/spec.md section 3."""

    RO = "RO"
    RW = "RW"
    RW1C = "RW1C"
    WO = "WO"  # write-only: reads 0, a write is a command (HANDLE_RELEASE, IMS-028)


@dataclass(frozen=True, slots=True)
class Field:
    """One bit field of a 32-bit register or table word. Bits outside every field are reserved:
    they read 0 and writes to them are ignored (IMS-022)."""

    name: str
    lsb: int
    width: int
    access: Access
    reset: int = 0

    @property
    def mask(self) -> int:
        """The field's bits in place."""
        return ((1 << self.width) - 1) << self.lsb

    def get(self, word: int) -> int:
        """Extract this field from a 32-bit word."""
        return (word >> self.lsb) & ((1 << self.width) - 1)

    def put(self, word: int, value: int) -> int:
        """Return `word` with this field replaced by `value` (which must fit)."""
        if not 0 <= value < (1 << self.width):
            raise ImsArgumentError(f"value {value:#x} does not fit field {self.name}")
        return (word & ~self.mask) | (value << self.lsb)


@dataclass(frozen=True, slots=True)
class Register:
    """A 32-bit register or table word. `offset` is absolute for registers and relative to the
    entry (or PBA QWORD) base for table words."""

    name: str
    offset: int
    access: Access
    fields: tuple[Field, ...]

    @property
    def reset(self) -> int:
        """Reset value from the field resets (CAP depends on parameters: see `reset_value`)."""
        value = 0
        for f in self.fields:
            value |= f.reset << f.lsb
        return value

    @property
    def writable_mask(self) -> int:
        """Bits a write can set or clear (RW fields)."""
        return _mask_of(self.fields, Access.RW)

    @property
    def w1c_mask(self) -> int:
        """Bits a write of 1 clears (RW1C fields)."""
        return _mask_of(self.fields, Access.RW1C)

    @property
    def defined_mask(self) -> int:
        """Bits that belong to some field; the others are reserved and read 0 (IMS-022)."""
        value = 0
        for f in self.fields:
            value |= f.mask
        return value

    def field(self, name: str) -> Field:
        """The field called `name`."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")


def _mask_of(fields: tuple[Field, ...], access: Access) -> int:
    value = 0
    for f in fields:
        if f.access is access:
            value |= f.mask
    return value


def _register_access(fields: tuple[Field, ...]) -> Access:
    """A register's access code: RW1C when a field is, else RW when a field is, else WO when a
    field is, else RO."""
    codes = {f.access for f in fields}
    if Access.RW1C in codes:
        return Access.RW1C
    if Access.RW in codes:
        return Access.RW
    return Access.WO if Access.WO in codes else Access.RO


def _register(spec: _rdl.RegSpec) -> Register:
    name, offset, field_specs = spec
    fields = tuple(Field(n, lsb, w, Access(a), r) for n, lsb, w, a, r in field_specs)
    return Register(name, offset, _register_access(fields), fields)


REGISTERS: tuple[Register, ...] = tuple(_register(r) for r in _rdl.REGISTERS)
REGISTERS_BY_OFFSET: dict[int, Register] = {r.offset: r for r in REGISTERS}
REGISTERS_BY_NAME: dict[str, Register] = {r.name: r for r in REGISTERS}
ID = REGISTERS_BY_NAME["ID"]
CAP = REGISTERS_BY_NAME["CAP"]
CTRL = REGISTERS_BY_NAME["CTRL"]
ERR_STATUS = REGISTERS_BY_NAME["ERR_STATUS"]
ERR_INFO = REGISTERS_BY_NAME["ERR_INFO"]
ERR_PASID = REGISTERS_BY_NAME["ERR_PASID"]
ERR_COUNT = REGISTERS_BY_NAME["ERR_COUNT"]
MSG_COUNT = REGISTERS_BY_NAME["MSG_COUNT"]
HANDLE_RELEASE = REGISTERS_BY_NAME["HANDLE_RELEASE"]
if ID.reset != ID_VALUE:
    raise ImportError(f"regmap_rdl: ID resets to {ID.reset:#x}, the spec says {ID_VALUE:#x}")

CTRL_MSIX_ENABLE = CTRL.field("msix_enable").mask
CTRL_MSIX_FUNC_MASK = CTRL.field("msix_func_mask").mask
CTRL_IMS_ENABLE = CTRL.field("ims_enable").mask
CTRL_ERR_INT_ENABLE = CTRL.field("err_int_enable").mask
CTRL_WRITABLE = CTRL.writable_mask
ERR_STATUS_VALID = ERR_STATUS.field("valid").mask
ERR_STATUS_OVERFLOW = ERR_STATUS.field("overflow").mask
RELEASE_INDEX = HANDLE_RELEASE.field("index").mask  # IMS-028: [15:0] entry index
RELEASE_IMS = HANDLE_RELEASE.field("ims").mask  # IMS-028: [16] 1 = IMS table, 0 = MSI-X

# --------------------------------------------------------------------------- tables
MSIX_TABLE_BASE = _rdl.MSIX_TABLE_BASE
MSIX_PBA_BASE = _rdl.MSIX_PBA_BASE
IMS_PBA_BASE = _rdl.IMS_PBA_BASE
IMS_TABLE_BASE = _rdl.IMS_TABLE_BASE
#: Size of the address window each region owns (offsets past the table size in it are unmapped).
REGION_SIZE: dict[str, int] = dict(_rdl.WINDOW)
ENTRY_BYTES = _rdl.IMS_TABLE_STRIDE
if _rdl.MSIX_TABLE_STRIDE != ENTRY_BYTES or _rdl.IMS_PBA_STRIDE != 8:
    raise ImportError("regmap_rdl: table entries are 16 bytes and PBA QWORDs 8 (spec section 3)")

WORD_ADDR_LO = 0  # +0x0
WORD_ADDR_HI = 1  # +0x4
WORD_DATA = 2  # +0x8
WORD_CTRL = 3  # +0xC

MSIX_ENTRY_WORDS: tuple[Register, ...] = tuple(_register(r) for r in _rdl.MSIX_ENTRY_WORDS)
IMS_ENTRY_WORDS: tuple[Register, ...] = tuple(_register(r) for r in _rdl.IMS_ENTRY_WORDS)
PBA_WORDS: tuple[Register, ...] = tuple(_register(r) for r in _rdl.PBA_WORDS)
_ADDR_LO = MSIX_ENTRY_WORDS[WORD_ADDR_LO]

ADDR_LO_MASK = _ADDR_LO.writable_mask  # 0xFFFFFFFC
MSIX_CTRL_WRITABLE = MSIX_ENTRY_WORDS[WORD_CTRL].writable_mask  # 0x00000001
IMS_CTRL_WRITABLE = IMS_ENTRY_WORDS[WORD_CTRL].writable_mask  # 0xFFFFF009
MSIX_CTRL_MASK = MSIX_ENTRY_WORDS[WORD_CTRL].field("mask").mask
IMS_CTRL_MASK = IMS_ENTRY_WORDS[WORD_CTRL].field("mask").mask
IMS_CTRL_PASID_EN = IMS_ENTRY_WORDS[WORD_CTRL].field("pasid_en").mask
IMS_CTRL_PASID_LSB = IMS_ENTRY_WORDS[WORD_CTRL].field("pasid").lsb


def cap_value(ims_entries: int, msix_entries: int) -> int:
    """CAP = {1'b1, 4'b0, (M-1)[10:0], N[15:0]} (IMS-020)."""
    check_params(ims_entries, msix_entries)
    v = CAP.field("ims_entries").put(0, ims_entries)
    v = CAP.field("msix_entries_m1").put(v, msix_entries - 1)
    return CAP.field("ims_supported").put(v, 1)


def reset_value(register: Register, ims_entries: int, msix_entries: int) -> int:
    """Reset value of a register for the given parameters (IMS-020, IMS-021)."""
    if register is CAP:
        return cap_value(ims_entries, msix_entries)
    return register.reset


# --------------------------------------------------------------------------- decode (IMS-025)
class Kind(enum.Enum):
    """What an offset maps to."""

    REGISTER = "register"
    MSIX_TABLE = "msix_table"
    MSIX_PBA = "msix_pba"
    IMS_PBA = "ims_pba"
    IMS_TABLE = "ims_table"
    UNMAPPED = "unmapped"


@dataclass(frozen=True, slots=True)
class Location:
    """The result of `decode`.

    * REGISTER: `register` is set; `index` = `word` = 0.
    * MSIX_TABLE / IMS_TABLE: `index` = entry, `word` = 0..3 (WORD_*), `register` = the word's
      definition.
    * MSIX_PBA / IMS_PBA: `index` = QWORD q, `word` = half (0: bits 64q+31..64q, 1: the upper 32),
      `register` = the word's definition.
    * UNMAPPED: everything else (IMS-025); `register` is None.
    """

    kind: Kind
    offset: int
    register: Register | None = None
    index: int = 0
    word: int = 0

    @property
    def mapped(self) -> bool:
        """False for an offset that answers SLVERR (IMS-025)."""
        return self.kind is not Kind.UNMAPPED

    @property
    def ims(self) -> bool:
        """True for the IMS table and PBA."""
        return self.kind is Kind.IMS_TABLE or self.kind is Kind.IMS_PBA

    @property
    def name(self) -> str:
        """A readable name, e.g. 'CTRL', 'IMS[3].ctrl', 'MSIX_PBA[0].pba_hi', 'unmapped'."""
        if self.kind is Kind.UNMAPPED or self.register is None:
            return "unmapped"
        if self.kind is Kind.REGISTER:
            return self.register.name
        return f"{self.kind.name}[{self.index}].{self.register.name}"


def decode(offset: int, ims_entries: int, msix_entries: int) -> Location:
    """Classify a slave-port byte offset for the given table sizes.

    Address bits [1:0] are ignored (IMS-013). Raises `ImsArgumentError` for an offset outside
    0..0xFFFF or table sizes outside IMS-001.
    """
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset < ADDR_SPACE:
        raise ImsArgumentError(f"offset must be an int in 0..0xFFFF, got {offset!r}")
    check_params(ims_entries, msix_entries)
    return lookup(offset & ~3, ims_entries, msix_entries)


@functools.lru_cache(maxsize=1 << 15)
def lookup(off: int, ims_entries: int, msix_entries: int) -> Location:
    """`decode` without argument checks, cached: `off` must be a 4-byte aligned offset in
    0..0xFFFC and the sizes valid. For hot paths that have checked their arguments already."""
    if off < MSIX_TABLE_BASE:
        reg = REGISTERS_BY_OFFSET.get(off)
        if reg is None:
            return Location(Kind.UNMAPPED, off)
        return Location(Kind.REGISTER, off, reg)
    if off >= IMS_TABLE_BASE:
        return _decode_table(off, Kind.IMS_TABLE, IMS_TABLE_BASE, ims_entries, IMS_ENTRY_WORDS)
    if off < MSIX_PBA_BASE:
        return _decode_table(off, Kind.MSIX_TABLE, MSIX_TABLE_BASE, msix_entries, MSIX_ENTRY_WORDS)
    if off < IMS_PBA_BASE:
        return _decode_pba(off, Kind.MSIX_PBA, MSIX_PBA_BASE, msix_entries)
    if off < IMS_PBA_BASE + REGION_SIZE["IMS_PBA"]:
        return _decode_pba(off, Kind.IMS_PBA, IMS_PBA_BASE, ims_entries)
    return Location(Kind.UNMAPPED, off)  # 0x4000-0x7FFF


def _decode_table(
    off: int, kind: Kind, base: int, entries: int, words: tuple[Register, ...]
) -> Location:
    index, rel = divmod(off - base, ENTRY_BYTES)
    if index >= entries:
        return Location(Kind.UNMAPPED, off)
    word = rel >> 2
    return Location(kind, off, words[word], index, word)


def _decode_pba(off: int, kind: Kind, base: int, entries: int) -> Location:
    qword, rel = divmod(off - base, 8)
    if qword >= pba_qwords(entries):
        return Location(Kind.UNMAPPED, off)
    half = rel >> 2
    return Location(kind, off, PBA_WORDS[half], qword, half)
