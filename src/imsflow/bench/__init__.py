"""Benchmarks (`ims bench`, `make bench`): the model, RTL cycles, area, bench throughput and
regression wall time, in one table (bench/results.md).

* :mod:`imsflow.bench.model_perf` - reference-model throughput;
* :mod:`imsflow.bench.sections` - the sections (each one measurement of the table);
* :mod:`imsflow.bench.cli` - the `ims bench` command.

The cocotb modules the RTL sections run (``bench/rtl_perf.py``, ``bench/bench_throughput.py``)
stay in bench/: they run inside the simulator, from that folder.
"""
