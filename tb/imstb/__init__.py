"""`imstb`: the verification bench of `ims_ctrl` (cocotb 2.x; pyuvm only under `imstb.uvm`).

Module map (tb/README.md says which layer is for what and how to add a test):

* `bfm/`: the edge sampler, the three BFMs and the passive protocol monitor;
* `reg_offsets`: slave-port offsets and bits as plain ints, derived from `imsmodel.regmap`;
* `harness`: clock, reset, BFMs, monitor, parameters, seed, waivers and `settle` of one DUT;
* `scoreboard`: `ImsScoreboard`, the model replayed in edge order and compared bit for bit;
* `model_probe`: `ProbedModel`, the model that reports every step (coverage);
* `platform_model`: the interrupt controller in the loop (message -> handler);
* `directed`: `ImsEnv` (harness + model + scoreboard) and the helpers of the plain-cocotb tests;
* `robust/`: the machinery of the robustness tests (`tb/test_robust_*.py`);
* `uvm/`: the pyuvm layer (agents, env, base test, register layer, coverage, sequences).
"""
