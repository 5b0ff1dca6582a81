#!/usr/bin/env python3
"""Generic-gate synthesis report of ims_ctrl with Yosys (standard library only).

For each configuration, runs the recipe of research/toolchain-notes.md, which keeps inferred
memories as ``$mem_v2`` cells instead of mapping them to flip-flops:

    chparam -set IMS_ENTRIES n -set MSIX_ENTRIES m ims_ctrl
    synth -top ims_ctrl -run :fine; opt -full; techmap; opt -fast
    abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean; stat

and reports cells (logic + flip-flops + memories), flip-flops and every inferred memory.
Writes build/synth/<cfg>.{ys,log,json} and build/synth/summary.json.
Exit status: 1 when Yosys fails or a ``--max-cells`` budget is exceeded, else 0.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPE = [
    "synth -top {top} -run :fine",
    "opt -full",
    "techmap",
    "opt -fast",
    "abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX",
    "opt_clean",
    "stat",
]
# Requirement (shared/spec/ims-requirements.md, "Area"): at most 4,000 cells at 2048x256.
TARGETS = {"2048x256": 4000}


@dataclass
class Memory:
    module: str
    name: str
    width: int
    size: int
    rd_ports: int
    wr_ports: int

    @property
    def bits(self) -> int:
        return self.width * self.size


@dataclass
class SynthResult:
    config: str
    ok: bool
    cells: int = 0
    flops: int = 0
    cell_types: dict[str, int] = field(default_factory=dict)
    memories: list[Memory] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""
    error: str = ""

    @property
    def mem_cells(self) -> int:
        return self.cell_types.get("$mem_v2", 0)


def parse_stat(log_text: str) -> tuple[int, dict[str, int]]:
    """Total cell count and cell types of the last ``stat`` block (the design hierarchy
    total when the design has submodules)."""
    blocks = re.split(r"^=== (.+) ===$", log_text, flags=re.M)
    # blocks = [pre, name1, body1, name2, body2, ...]
    named = list(zip(blocks[1::2], blocks[2::2], strict=True))
    if not named:
        raise ValueError("no stat output in the Yosys log")
    body = next((b for n, b in named if n == "design hierarchy"), named[-1][1])
    m = re.search(r"^\s*Number of cells:\s+(\d+)\s*$", body, flags=re.M)
    if not m:
        raise ValueError("no 'Number of cells' in the Yosys stat output")
    types: dict[str, int] = {}
    for line in body[m.end() :].splitlines():
        tm = re.fullmatch(r"\s+(\S+)\s+(\d+)\s*", line)
        if not tm:
            if line.strip():
                break
            continue
        types[tm.group(1)] = int(tm.group(2))
    return int(m.group(1)), types


def count_flops(types: dict[str, int]) -> int:
    return sum(n for t, n in types.items() if re.search(r"DFF|DLATCH|SR_", t))


def _param(value: object) -> int:
    text = str(value)
    return int(text, 2) if re.fullmatch(r"[01]+", text) and len(text) > 1 else int(text)


def memories(design_json: dict[str, object]) -> list[Memory]:
    mems: list[Memory] = []
    modules = design_json.get("modules", {})
    assert isinstance(modules, dict)
    for mod_name, mod in modules.items():
        for cell_name, cell in mod.get("cells", {}).items():
            if cell.get("type") != "$mem_v2":
                continue
            p = cell.get("parameters", {})
            mems.append(
                Memory(
                    module=re.sub(r"^\$paramod\$[0-9a-f]+\\", "", mod_name),
                    name=str(p.get("MEMID", cell_name)).lstrip("\\"),
                    width=_param(p.get("WIDTH", 0)),
                    size=_param(p.get("SIZE", 0)),
                    rd_ports=_param(p.get("RD_PORTS", 0)),
                    wr_ports=_param(p.get("WR_PORTS", 0)),
                )
            )
    return mems


def synth(config: str, sources: list[Path], top: str, out: Path, timeout: float) -> SynthResult:
    import time

    m = re.fullmatch(r"(\d+)x(\d+)", config)
    if not m:
        return SynthResult(config, False, error=f"bad configuration {config!r} (want IMSxMSIX)")
    out.mkdir(parents=True, exist_ok=True)
    ys, log, js = out / f"{config}.ys", out / f"{config}.log", out / f"{config}.json"
    lines = [
        "read_verilog -defer " + " ".join(str(s) for s in sources),
        f"chparam -set IMS_ENTRIES {m.group(1)} -set MSIX_ENTRIES {m.group(2)} {top}",
        *(step.format(top=top) for step in RECIPE),
        f"write_json {js}",
    ]
    ys.write_text("\n".join(lines) + "\n")
    start = time.monotonic()
    try:
        proc = subprocess.run(
            ["yosys", "-q", "-l", str(log), "-s", str(ys)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return SynthResult(config, False, log=str(log), error=f"yosys timed out after {timeout}s")
    res = SynthResult(config, False, seconds=time.monotonic() - start, log=str(log))
    if proc.returncode != 0:
        res.error = f"yosys failed (exit {proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}"
        return res
    try:
        res.cells, res.cell_types = parse_stat(log.read_text())
        res.memories = memories(json.loads(js.read_text()))
    except (ValueError, OSError) as exc:
        res.error = str(exc)
        return res
    res.flops = count_flops(res.cell_types)
    res.ok = True
    return res


def read_filelist(path: Path) -> list[Path]:
    out = []
    for raw in path.read_text().splitlines():
        line = re.split(r"#|//", raw, maxsplit=1)[0].strip()
        if line:
            p = Path(line)
            out.append(p if p.is_absolute() else (path.parent / p).resolve())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="64x9,2048x256", help="IMSxMSIX list (%(default)s)")
    ap.add_argument("--top", default="ims_ctrl")
    ap.add_argument("--filelist", type=Path, help=".f file list (default: rtl/*.v)")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "synth")
    ap.add_argument("--timeout", type=float, default=1800.0, help="per configuration (s)")
    ap.add_argument(
        "--max-cells",
        action="append",
        default=[],
        metavar="CFG=N",
        help="fail when CFG has more than N cells (e.g. 2048x256=4000); repeatable",
    )
    args = ap.parse_args(argv)
    budgets: dict[str, int] = {}
    for item in args.max_cells:
        cfg, _, n = item.partition("=")
        if not n.isdigit():
            ap.error(f"--max-cells wants CFG=N, got {item!r}")
        budgets[cfg] = int(n)
    if shutil.which("yosys") is None:
        print("synth: yosys not found on PATH; install it with: apt-get install -y yosys")
        return 1
    sources = read_filelist(args.filelist) if args.filelist else sorted((ROOT / "rtl").glob("*.v"))
    if not sources:
        print("synth: no Verilog sources (rtl/*.v is empty)")
        return 1

    failed = False
    results = []
    for cfg in [c.strip() for c in args.config.split(",") if c.strip()]:
        r = synth(cfg, sources, args.top, args.out, args.timeout)
        results.append(r)
        if not r.ok:
            print(f"synth {cfg}: FAILED: {r.error}\n  log: {r.log}")
            failed = True
            continue
        target = budgets.get(cfg, TARGETS.get(cfg))
        verdict = ""
        if target is not None:
            verdict = f"  target <= {target}: {'ok' if r.cells <= target else 'OVER'}"
            if cfg in budgets and r.cells > target:
                failed = True
        print(
            f"synth {cfg:>9}: {r.cells:6d} cells ({r.flops} flip-flops, {r.mem_cells} memories)"
            f"  [{r.seconds:.0f} s]{verdict}"
        )
        for mem in r.memories:
            print(
                f"    memory {mem.module}.{mem.name}: {mem.size} x {mem.width} bits "
                f"({mem.rd_ports}R/{mem.wr_ports}W)"
            )
    summary = [
        {**asdict(r), "memories": [{**asdict(m), "bits": m.bits} for m in r.memories]}
        for r in results
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
