"""Event agent: the device's event stream (`evt_*`).

* `EvtDriver` queues every `EvtItem` in `bfm.evt_source.EvtSource`, which idles a random gap
  between events and sends back-to-back bursts (its `EvtSourceConfig`).
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
    uvm_subscriber,
)

from bfm.monitors import EvtTxn
from uvm.harness import DutHarness
from uvm.port_monitor import PortItem
from uvm.sequences.items import EvtItem

__all__ = ["EvtAgent", "EvtDriver", "EvtMonitor"]


class EvtDriver(uvm_driver):
    def connect_phase(self) -> None:
        harness: DutHarness = ConfigDB().get(self, "", "ims_harness")
        self.source = harness.evt

    async def run_phase(self) -> None:
        while True:
            item: EvtItem = await self.seq_item_port.get_next_item()
            item.issue(self.source)
            if item.blocking:
                await item.wait()
            self.seq_item_port.item_done()


class EvtMonitor(uvm_monitor):
    """Publishes every accepted event on `ap`."""

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)
        self.port_imp = uvm_subscriber.uvm_AnalysisImp("port_imp", self, self._on_port)

    def _on_port(self, item: PortItem) -> None:
        if isinstance(item, EvtTxn):
            self.ap.write(item)


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
