"""imsflow: the EDA flow of the ims_ctrl kit (the ``ims`` command).

Simulator runs (:mod:`imsflow.sim`), regressions, shards and launchers (:mod:`imsflow.regress`),
sign-off (:mod:`imsflow.signoff`), formal checks (:mod:`imsflow.formal`), mutation testing
(:mod:`imsflow.mutate`) and benchmarks (:mod:`imsflow.bench`), on top of one bottom layer
(:mod:`imsflow.core`: job/result types, paths and defaults, process trees, rerun commands).
The reference model is the separate package :mod:`imsmodel`.
"""

from __future__ import annotations

import importlib.metadata

DISTRIBUTION = "imsmodel"  # the [project] name of pyproject.toml


def version() -> str:
    """The kit's version: ``pyproject.toml``'s, as the installed distribution records it
    (``ims --version``)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"
