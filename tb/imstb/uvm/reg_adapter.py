"""`AxilRegAdapter`: register-layer bus operations <-> `RegItem`s of the register agent.

Register-layer accesses are whole words (WSTRB = 0xF) and blocking: the map calls `bus2reg` right
after `finish_item`, so the driver holds the item until its B or R response. A response other
than OKAY gives status UVM_NOT_OK (SLVERR: unmapped offset, IMS-025).
"""

from __future__ import annotations

from pyuvm import uvm_access_e, uvm_reg_adapter, uvm_reg_bus_op, uvm_status_e

from imstb.uvm.sequences.items import RegItem

__all__ = ["AxilRegAdapter"]


class AxilRegAdapter(uvm_reg_adapter):
    def __init__(self, name: str = "axil_reg_adapter") -> None:
        super().__init__(name)
        self.supports_byte_enable = False
        self.provides_responses = False

    def reg2bus(self, rw: uvm_reg_bus_op) -> RegItem:
        write = rw.kind == uvm_access_e.UVM_WRITE
        return RegItem(
            "reg_layer", write=write, addr=int(rw.addr), data=int(rw.data) if write else 0,
            blocking=True,
        )  # fmt: skip

    def bus2reg(self, bus_item: RegItem, rw: uvm_reg_bus_op) -> None:
        rw.kind = uvm_access_e.UVM_WRITE if bus_item.write else uvm_access_e.UVM_READ
        rw.addr = bus_item.addr
        if bus_item.write:
            rw.data = bus_item.data
        else:
            rw.data = bus_item.rdata if bus_item.rdata is not None else 0
        rw.status = uvm_status_e.UVM_IS_OK if bus_item.resp == "OKAY" else uvm_status_e.UVM_NOT_OK
