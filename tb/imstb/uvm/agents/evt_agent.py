"""Event agent: the device's event stream (`evt_*`).

* `EvtDriver` queues every `EvtItem` (each event of an `EvtBurstItem`) in
  `bfm.evt_source.EvtSource`, which idles a random gap between events and sends back-to-back
  bursts (its `EvtSourceConfig`).
* `EvtMonitor` reports every event (`bfm.monitors.EvtTxn`) at its handshake edge, in accepted
  order.
"""

from __future__ import annotations

from pyuvm import (
    ConfigDB,
    uvm_agent,
    uvm_analysis_port,
    uvm_driver,
    uvm_monitor,
    uvm_sequencer,
)

from imstb.harness import DutHarness
from imstb.uvm.port_monitor import PortItem, analysis_imp
from imstb.uvm.sequences.items import EvtBurstItem, EvtItem

__all__ = ["EvtAgent", "EvtDriver", "EvtMonitor"]


class EvtDriver(uvm_driver):
    def connect_phase(self) -> None:
        harness: DutHarness = ConfigDB().get(self, "", "ims_harness")
        self.source = harness.evt

    async def run_phase(self) -> None:
        while True:
            item: EvtItem | EvtBurstItem = await self.seq_item_port.get_next_item()
            item.issue(self.source)
            if item.blocking:
                await item.wait()
            self.seq_item_port.item_done()


class EvtMonitor(uvm_monitor):
    """Publishes every accepted event on `ap`."""

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)
        self.port_imp = analysis_imp("port_imp", self, self._on_port)

    def _on_port(self, item: PortItem) -> None:
        if item.event is not None:
            self.ap.write(item.event)


class EvtAgent(uvm_agent):
    def build_phase(self) -> None:
        super().build_phase()
        self.monitor = EvtMonitor("monitor", self)
        if self.active():
            self.seqr = uvm_sequencer("seqr", self)
            self.driver = EvtDriver("driver", self)

    def connect_phase(self) -> None:
        if self.active():
            self.driver.seq_item_port.connect(self.seqr.seq_item_export)
