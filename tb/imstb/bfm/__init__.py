"""Bus-functional models and monitors of the `ims_ctrl` bench (cocotb 2.x, cocotb_bus.Bus).

All components share one `EdgeSampler` (clocking.py): one edge counter and one snapshot per edge.
"""
