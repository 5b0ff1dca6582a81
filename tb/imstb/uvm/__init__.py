"""pyuvm layer of the `ims_ctrl` bench, on the pyuvm-free parts of `imstb` (BFMs, harness,
scoreboard, model probe, platform model). Only pyuvm things live here:

* `agents/`: register (AXI4-Lite master), event source and message sink agents;
* `port_monitor`: forwards the shared `ImsMonitor`'s transactions of each edge (analysis port);
* `reg_model`, `reg_adapter`, `reg_predictor`: the register layer, built from `imsmodel.regmap`;
* `scoreboard`: the UVM component around `imstb.scoreboard` with a `imstb.model_probe` model;
* `coverage`: the testplan's covergroups (cocotb-coverage), exported per test;
* `sequences/`: items, port and base sequences, scenario sequences, driver patterns, virtual
  (platform) sequences;
* `env`, `base_test`: the uvm_env and the base test every test of `tb/test_ims.py` derives from.

docs/testplan.hjson names the tests and covergroups.
"""
