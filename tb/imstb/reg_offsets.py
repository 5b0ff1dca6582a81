"""Slave-port offsets and bits as plain ints for the bench, all derived from `imsmodel.regmap`
(the one source of truth, docs/spec.md section 3): `regmap` holds `Register` objects and word
indices, the tests want ints they can add to a base. Nothing here is a new fact."""

from __future__ import annotations

from imsmodel import regmap as rm

__all__ = [
    "ADDR_HI",
    "ADDR_LO",
    "CAP",
    "CTRL",
    "CTRL_ERR_INT_ENABLE",
    "CTRL_IMS_ENABLE",
    "CTRL_MSIX_ENABLE",
    "CTRL_MSIX_FUNC_MASK",
    "DATA",
    "ERR_COUNT",
    "ERR_INFO",
    "ERR_OVERFLOW",
    "ERR_PASID",
    "ERR_STATUS",
    "ERR_VALID",
    "HANDLE_RELEASE",
    "ID",
    "IMS_PBA",
    "IMS_TABLE",
    "MASK",
    "MSG_COUNT",
    "MSIX_PBA",
    "MSIX_TABLE",
    "PASID_EN",
    "PASID_LSB",
    "REGISTERS",
    "RELEASE_IMS",
    "VCTRL",
    "WORDS",
    "entry_base",
    "ims_entry",
    "msix_entry",
]

# register offsets
ID = rm.ID.offset
CAP = rm.CAP.offset
CTRL = rm.CTRL.offset
ERR_STATUS = rm.ERR_STATUS.offset
ERR_INFO = rm.ERR_INFO.offset
ERR_PASID = rm.ERR_PASID.offset
ERR_COUNT = rm.ERR_COUNT.offset
MSG_COUNT = rm.MSG_COUNT.offset
HANDLE_RELEASE = rm.HANDLE_RELEASE.offset
RELEASE_IMS = rm.RELEASE_IMS  # HANDLE_RELEASE [16]: the IMS table ([15:0]: the index)
REGISTERS: tuple[int, ...] = tuple(r.offset for r in rm.REGISTERS)

# region bases
MSIX_TABLE = rm.MSIX_TABLE_BASE
MSIX_PBA = rm.MSIX_PBA_BASE
IMS_PBA = rm.IMS_PBA_BASE
IMS_TABLE = rm.IMS_TABLE_BASE

# CTRL and ERR_STATUS bits
CTRL_MSIX_ENABLE = rm.CTRL_MSIX_ENABLE
CTRL_MSIX_FUNC_MASK = rm.CTRL_MSIX_FUNC_MASK
CTRL_IMS_ENABLE = rm.CTRL_IMS_ENABLE
CTRL_ERR_INT_ENABLE = rm.CTRL_ERR_INT_ENABLE
ERR_VALID = rm.ERR_STATUS_VALID
ERR_OVERFLOW = rm.ERR_STATUS_OVERFLOW

# byte offsets of the four words of a table entry, and the entry control bits
ADDR_LO = 4 * rm.WORD_ADDR_LO
ADDR_HI = 4 * rm.WORD_ADDR_HI
DATA = 4 * rm.WORD_DATA
VCTRL = 4 * rm.WORD_CTRL
WORDS = (ADDR_LO, ADDR_HI, DATA, VCTRL)
MASK = rm.IMS_CTRL_MASK  # the same bit (0) in MSI-X Vector Control
PASID_EN = rm.IMS_CTRL_PASID_EN
PASID_LSB = rm.IMS_CTRL_PASID_LSB

assert rm.MSIX_CTRL_MASK == rm.IMS_CTRL_MASK


def msix_entry(i: int, word: int = 0) -> int:
    """Offset of byte offset `word` (ADDR_LO/ADDR_HI/DATA/VCTRL) of MSI-X entry i."""
    return MSIX_TABLE + rm.ENTRY_BYTES * i + word


def ims_entry(i: int, word: int = 0) -> int:
    """Offset of byte offset `word` of IMS entry i."""
    return IMS_TABLE + rm.ENTRY_BYTES * i + word


def entry_base(ims: bool, i: int) -> int:
    """Offset of entry i of the IMS (ims=True) or MSI-X table."""
    return ims_entry(i) if ims else msix_entry(i)
