"""Sequences of the `ims_ctrl` bench.

* `items`: RegItem, EvtItem, SinkItem;
* `base`: the port sequences bound to each agent's sequencer, the bench context every sequence
  works through, `ImsSeq` (base of all scenario sequences, which are virtual) and `EntrySeq`;
* `reg_seqs`: reset values, read/write semantics, unmapped offsets (with register-model mirror
  checks);
* `programming`: random programming of pairs from the platform model, event storms;
* `masking`: pending bits, mask/unmask and its races, flushes, the function mask;
* `pasid`: PASID setups; `errors`: error injection, the error interrupt, B errors;
* `timing`: sink backpressure sweeps, register writes racing events;
* `driver_patterns`: the Linux driver access patterns (2021 IMS chip, 2022 idxd chip, MSI-X);
* `platform_seqs`: virtual sequences of whole platform scenarios (bare metal, guest fallback,
  user-space completions guarded by PASID);
* `rule_inputs`: rule inputs reached on purpose (handle and PASID classes of
  `imstb.stim_classes` x table and entry state, byte strobes on every entry word, one CTRL write
  opening both tables with pendings, PBA words past bit 31);
* `random_mix`: the constrained-random mix.
"""
