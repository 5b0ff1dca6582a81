"""The robustness tests' machinery: `common` (length, limits, failure report) and one module per
concern (`reg_fuzz`, `evt_fuzz`, `reset`, `backpressure`, `x_monitor`), each used by
`tb/test_robust_<concern>.py`."""
