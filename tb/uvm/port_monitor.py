"""`ImsPortMonitor`: the UVM face of the shared per-edge monitor (`bfm.monitors.ImsMonitor`).

The DUT's ports are sampled by one monitor on one edge counter, so the transactions of all ports
come out in one order: per edge k, message AW, W, accept, B, then the step of edge k (register
write commit, register read AR, event). That order is what lets the scoreboard replay steps into
the model (docs/spec.md section 8), so this component forwards it unchanged through `ap`, followed
by an `EdgeDone(k)` marker once everything of edge k has been reported. The agent monitors and
the scoreboard subscribe to `ap`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyuvm import uvm_analysis_port, uvm_monitor

from bfm.monitors import ImsMonitor, Txn

__all__ = ["EdgeDone", "ImsPortMonitor", "PortItem"]


@dataclass(frozen=True, slots=True)
class EdgeDone:
    """Everything with an edge <= `edge` has been reported."""

    edge: int


PortItem = Txn | EdgeDone


class ImsPortMonitor(uvm_monitor):
    """Forwards every `ImsMonitor` transaction (DUT order) and one `EdgeDone` per edge."""

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)

    def attach(self, monitor: ImsMonitor) -> None:
        """Listen to `monitor` (call after every subscriber is connected)."""
        monitor.add_listener(self)

    # TxnListener protocol of bfm.monitors
    def on_txn(self, txn: Txn) -> None:
        self.ap.write(txn)

    def edge_done(self, k: int) -> None:
        self.ap.write(EdgeDone(k))
