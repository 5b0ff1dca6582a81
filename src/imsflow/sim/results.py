"""Read what a simulator run left: cocotb's results XML, the simulator's exit status."""

from __future__ import annotations

import contextlib
import re
import signal
import xml.etree.ElementTree as ET
from pathlib import Path

from imsflow.core.types import CaseResult
from imsflow.sim.spawn import tail


def simulator_status(log: Path, worker_rc: int | None) -> int | None:
    """The simulator's own exit status: cocotb's runner raises RuntimeError with it."""
    found = re.findall(r"Command failed with return code: (-?\d+)", tail(log, 200))
    return int(found[-1]) if found else worker_rc


def describe_exit(rc: int | None) -> str:
    if rc is None:
        return "did not exit"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    # cocotb's runner exits with the simulator's exit status; 128+N is a signal in a shell
    if rc > 128:
        with contextlib.suppress(ValueError):
            return f"exited with {rc} ({signal.Signals(rc - 128).name}?)"
    return f"exited with {rc}"


def parse_results(xml: Path) -> list[CaseResult]:
    """Testcases of a cocotb results XML (JUnit); an unreadable file gives an error entry."""
    try:
        root = ET.parse(xml).getroot()
    except (ET.ParseError, OSError) as exc:
        return [CaseResult("<results.xml>", "error", message=f"unreadable: {exc}")]
    cases: list[CaseResult] = []
    for tc in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in tc.iter("property")}
        status, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = tc.find(tag)
            if el is not None:
                status = "failed" if tag == "failure" else tag
                message = (el.get("message") or "").strip()
                break
        cases.append(
            CaseResult(
                name=tc.get("name", "?"),
                status=status,
                sim_time_ns=_float(props.get("sim_time_duration")),
                wall_s=_float(tc.get("time")),
                message=message,
            )
        )
    return cases


def _float(text: str | None) -> float:
    try:
        return float(text) if text is not None else 0.0
    except ValueError:
        return 0.0
