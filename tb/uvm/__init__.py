"""pyuvm testbench layer of `ims_ctrl` on top of the plain-cocotb BFMs of `tb/bfm/`.

Structure (docs/testplan.hjson names the tests and covergroups):

* `harness`: clock, reset, the shared `EdgeSampler`, the three BFMs and the port monitor;
* `agents/`: register (AXI4-Lite master), event source and message sink agents;
* `reg_model`, `reg_adapter`, `reg_predictor`: the register layer, built from `imsmodel.regmap`;
* `model_probe`, `scoreboard`: `ImsModel` replayed in DUT step order (wraps `tb/scoreboard.py`);
* `platform`: the interrupt controller model in the loop (decodes every message to a handler);
* `coverage`: the testplan's covergroups (cocotb-coverage), exported per test;
* `sequences/`: items, port and base sequences, scenario sequences, driver patterns, virtual
  (platform) sequences;
* `env`, `base_test`: the uvm_env and the base test every test of `tb/test_ims.py` derives from.
"""
