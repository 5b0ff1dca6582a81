"""Register agent: AXI4-Lite master on the DUT's slave port (`s_axil_*`).

* `RegDriver` queues every `RegItem` in `bfm.axil_master.AxilMaster`, which drives random VALID
  delays, AW before W / W before AW / together, random BREADY/RREADY and several accesses in
  flight (its `AxilMasterConfig`). Non-blocking items are released at once, so reads and writes
  of concurrent sequences interleave on the bus.
* `RegMonitor` reports every completed access (`bfm.monitors.RegWrite` / `RegRead`, with its
  response) in step order: write at its commit edge, read at its AR edge.
"""

from __future__ import annotations

from collections import deque

from pyuvm import (
    ConfigDB,
    uvm_agent,
    uvm_analysis_port,
    uvm_driver,
    uvm_monitor,
    uvm_sequencer,
)

from imstb.bfm.monitors import RegRead, RegWrite
from imstb.harness import DutHarness
from imstb.uvm.port_monitor import PortItem, analysis_imp
from imstb.uvm.sequences.items import RegItem

__all__ = ["RegAgent", "RegDriver", "RegMonitor"]


class RegDriver(uvm_driver):
    def connect_phase(self) -> None:
        harness: DutHarness = ConfigDB().get(self, "", "ims_harness")
        self.master = harness.master

    async def run_phase(self) -> None:
        while True:
            item: RegItem = await self.seq_item_port.get_next_item()
            item.issue(self.master)
            if item.blocking:
                await item.wait()
            self.seq_item_port.item_done()


class RegMonitor(uvm_monitor):
    """Publishes completed register accesses on `ap`, in DUT step order."""

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)
        self.port_imp = analysis_imp("port_imp", self, self._on_port)
        self._pending: deque[RegWrite | RegRead] = deque()

    def _on_port(self, item: PortItem) -> None:
        pending = self._pending
        if item.regs:
            pending.extend(item.regs)
        while pending and pending[0].complete:
            self.ap.write(pending.popleft())


class RegAgent(uvm_agent):
    def build_phase(self) -> None:
        super().build_phase()
        self.monitor = RegMonitor("monitor", self)
        if self.active():
            self.seqr = uvm_sequencer("seqr", self)
            self.driver = RegDriver("driver", self)

    def connect_phase(self) -> None:
        if self.active():
            self.driver.seq_item_port.connect(self.seqr.seq_item_export)
