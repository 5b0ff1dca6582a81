"""The RTL names that tools depend on are listed in docs/rtl-internals.md and still exist.

Formal's P-EPISODE lemmas hook DUT internals up by hierarchical name (`connect -set`); a renamed
signal would make Yosys fail only inside the slow proof. These checks read the sources and fail
at once, naming the stale entry.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imsflow.formal.jobs import EPISODE_PROBES

ROOT = Path(__file__).resolve().parents[1]
RTL = ROOT / "rtl"
DOC = (ROOT / "docs" / "rtl-internals.md").read_text()

# instance name -> module (the hierarchy of rtl/ims_ctrl.v and rtl/ims_core.v)
INSTANCES = {
    "dut": "ims_ctrl",
    "u_core": "ims_core",
    "u_msg": "ims_msg_out",
    "u_slave": "ims_axil_slave",
    "u_flush": "ims_flush",
    "u_tab": "ims_ram",
    "u_flg": "ims_ram",
}


def _declares(module: str, name: str) -> bool:
    """Whether rtl/<module>.v declares `name` (wire, reg, port, or an instance of that name)."""
    text = (RTL / f"{module}.v").read_text()
    decl = rf"\b(wire|reg|input|output|integer)\b[^;]*?\b{re.escape(name)}\b"
    inst = rf"^\s*\w+\s*(#\s*\([\s\S]*?\))?\s*\b{re.escape(name)}\s*\("
    return bool(re.search(decl, text) or re.search(inst, text, re.M))


def test_every_instance_of_the_hierarchy_exists() -> None:
    for inst, module in INSTANCES.items():
        if inst == "dut":
            continue
        parent = "ims_ctrl" if inst in ("u_core", "u_msg", "u_slave") else "ims_core"
        assert _declares(parent, inst), f"rtl/{parent}.v has no instance {inst} of {module}"


@pytest.mark.parametrize(("wire", "path"), EPISODE_PROBES, ids=[w for w, _ in EPISODE_PROBES])
def test_formal_probe_is_listed_and_exists(wire: str, path: str) -> None:
    assert f"`{wire}`" in DOC, f"{wire} is probed by imsflow.formal but not listed in the doc"
    parts = path.split(".")
    signal = re.sub(r"\[.*\]$", "", parts[-1])
    module = INSTANCES[parts[-2]]
    assert _declares(module, signal), f"{path}: rtl/{module}.v declares no {signal}"
    formal_dir = ROOT / "formal"
    wrapper = "\n".join(p.read_text() for p in sorted(formal_dir.glob("ims_formal_*")))
    assert re.search(rf"\b{re.escape(wire)}\b", wrapper), f"the formal wrapper has no {wire}"


def test_the_check_catches_a_missing_signal() -> None:
    assert not _declares("ims_core", "no_such_signal_anywhere")
    assert _declares("ims_core", "ctrl_reg")
