"""`ImsPortMonitor`: the UVM face of the shared per-edge monitor (`bfm.monitors.ImsMonitor`).

The DUT's ports are sampled by one monitor on one edge counter, so the transactions of all ports
come out in one order: per edge k, message AW, W, accept, B, then the step of edge k (register
write commit, register read AR, event). That order is what lets the scoreboard replay steps into
the model (docs/spec.md section 8), so this component forwards it unchanged through `ap`, one
`EdgeTxns` per edge that reported anything: the transactions of edge k in that order, the same
split by port, and the number of register responses that arrived at edge k (everything with an
edge <= k has then been reported). The agent monitors and the scoreboard subscribe to `ap`; one
item per edge rather than one per transaction keeps the analysis fan-out off the per-transaction
path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyuvm import uvm_analysis_port, uvm_component, uvm_monitor, uvm_subscriber

from imstb.bfm.monitors import EdgeTxns, ImsMonitor

__all__ = ["EdgeTxns", "ImsPortMonitor", "PortItem", "analysis_imp"]

PortItem = EdgeTxns


def analysis_imp(name: str, parent: uvm_component, fn: Callable[[Any], None]) -> Any:
    """A `uvm_subscriber.uvm_AnalysisImp` that calls `fn` for every item written to it, with
    `fn` itself as its `write` (the class's `write` only calls `write_fn`: one Python call less
    per item and subscriber, on paths that run several times per clock)."""
    imp = uvm_subscriber.uvm_AnalysisImp(name, parent, fn)
    imp.write = fn
    return imp


class ImsPortMonitor(uvm_monitor):
    """Forwards the `ImsMonitor` transactions of every active edge as one `EdgeTxns`."""

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)

    def attach(self, monitor: ImsMonitor) -> None:
        """Listen to `monitor` (call after every subscriber is connected)."""
        monitor.add_edge_listener(self.ap.write)
