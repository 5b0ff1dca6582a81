"""The testplan (``docs/testplan.hjson``, OpenTitan's format) and the spec's rule IDs.

A testplan has testpoints with ``tests`` and ``rules``, covergroups with ``rules``, and a
``signoff`` block of goals; the spec's rules are the ``| IMS-nnn | text |`` table rows of
``docs/spec.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MIN_REASON = 10
"""A rule waiver's reason must have at least this many characters."""
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")
_RULE_ROW = re.compile(r"^\|\s*([A-Z][A-Z0-9]*-\d+)\s*\|\s*(.*?)\s*\|\s*$")
_SECTION = re.compile(r"^##\s+(.*?)\s*$")
_LAYER = re.compile(r"^\[(contract|profile)\]\s*")
CONTRACT, PROFILE = "contract", "profile"
"""Rule layers (docs/spec.md): the device contract; the ims_ctrl profile a DUT may claim."""


class TestplanError(ValueError):
    """The testplan is malformed (every problem is listed in the message)."""

    __test__ = False


# --------------------------------------------------------------------------- spec and plan


@dataclass(frozen=True)
class Rule:
    id: str
    text: str
    section: str = ""
    layer: str = CONTRACT  # `[contract]` / `[profile]` at the start of the rule text


def spec_rules(path: Path | str) -> list[Rule]:
    """Every rule of the spec: the ``| IMS-nnn | text |`` rows of its tables, in spec order."""
    rules: dict[str, Rule] = {}
    section = ""
    for line in Path(path).read_text().splitlines():
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            continue
        m = _RULE_ROW.match(line)
        if m and m.group(1) not in rules:
            text = m.group(2)
            tag = _LAYER.match(text)
            layer = tag.group(1) if tag else CONTRACT
            text = text[tag.end() :] if tag else text
            rules[m.group(1)] = Rule(m.group(1), text, section, layer)
    return list(rules.values())


@dataclass(frozen=True)
class Testpoint:
    name: str
    desc: str
    stage: str
    tests: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class PlannedCovergroup:
    name: str
    desc: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Goals:
    functional_coverage_pct: float | None = None
    line_coverage_pct: float | None = None
    every_rule_passing: bool = False
    waived_rules: tuple[tuple[str, str], ...] = ()  # (rule ID, reason)


@dataclass(frozen=True)
class Testplan:
    name: str
    testpoints: tuple[Testpoint, ...]
    covergroups: tuple[PlannedCovergroup, ...]
    goals: Goals
    path: Path | None = None

    def tests(self) -> list[str]:
        return list(dict.fromkeys(t for tp in self.testpoints for t in tp.tests))


def _strs(value: object, where: str, errors: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: expected a list of strings")
        return ()
    return tuple(v.strip() for v in value)


def _pct_goal(value: object, where: str, errors: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        errors.append(f"{where}: a percentage 0..100, got {value!r}")
        return None
    return float(value)


def _waived_rules(value: object, where: str, errors: list[str]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.append(f"{where}: a list of {{rule, reason}}")
        return ()
    out: list[tuple[str, str]] = []
    for i, w in enumerate(value, 1):
        rule = w.get("rule") if isinstance(w, Mapping) else None
        reason = w.get("reason") if isinstance(w, Mapping) else None
        if not isinstance(rule, str) or not RULE_ID.match(rule.strip()):
            errors.append(f"{where} #{i}: 'rule' must be a rule ID, got {rule!r}")
            continue
        if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
            errors.append(
                f"{where} #{i} ({rule}): 'reason' is mandatory: say why no test evidences it "
                f"(at least {MIN_REASON} characters)"
            )
            continue
        out.append((rule.strip(), " ".join(reason.split())))
    return tuple(out)


def parse_testplan(data: object, source: str = "testplan") -> Testplan:
    """Validate testplan data (as hjson gives it); raise :class:`TestplanError` on problems."""
    errors: list[str] = []
    if not isinstance(data, Mapping):
        raise TestplanError(f"{source}: a testplan is a mapping")
    testpoints: list[Testpoint] = []
    for i, tp in enumerate(data.get("testpoints") or [], 1):
        where = f"{source}: testpoint #{i}"
        if not isinstance(tp, Mapping) or not isinstance(tp.get("name"), str):
            errors.append(f"{where}: needs a name")
            continue
        where = f"{source}: testpoint {tp['name']}"
        rules = _strs(tp.get("rules"), f"{where}: rules", errors)
        errors += [f"{where}: {r!r} is not a rule ID" for r in rules if not RULE_ID.match(r)]
        testpoints.append(
            Testpoint(
                name=tp["name"],
                desc=" ".join(str(tp.get("desc", "")).split()),
                stage=str(tp.get("stage", "")),
                tests=_strs(tp.get("tests"), f"{where}: tests", errors),
                rules=rules,
            )
        )
    covergroups: list[PlannedCovergroup] = []
    for i, cg in enumerate(data.get("covergroups") or [], 1):
        if not isinstance(cg, Mapping) or not isinstance(cg.get("name"), str):
            errors.append(f"{source}: covergroup #{i}: needs a name")
            continue
        rules = _strs(cg.get("rules"), f"{source}: covergroup {cg['name']}: rules", errors)
        covergroups.append(
            PlannedCovergroup(cg["name"], " ".join(str(cg.get("desc", "")).split()), rules)
        )
    for kind, names in (
        ("testpoint", [t.name for t in testpoints]),
        ("covergroup", [c.name for c in covergroups]),
    ):
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            errors.append(f"{source}: duplicate {kind} name(s): {', '.join(dup)}")
    so = data.get("signoff") or {}
    goals = Goals()
    if not isinstance(so, Mapping):
        errors.append(f"{source}: signoff: a mapping of goals")
    else:
        known = {
            "functional_coverage_pct",
            "line_coverage_pct",
            "every_rule_passing",
            "waived_rules",
        }
        unknown = sorted(set(so) - known)
        if unknown:
            errors.append(f"{source}: signoff: unknown goal(s) {', '.join(unknown)}")
        every = so.get("every_rule_passing", False)
        if not isinstance(every, bool):
            errors.append(f"{source}: signoff: every_rule_passing must be true or false")
        goals = Goals(
            _pct_goal(so.get("functional_coverage_pct"), "signoff.functional_coverage_pct", errors),
            _pct_goal(so.get("line_coverage_pct"), "signoff.line_coverage_pct", errors),
            every is True,
            _waived_rules(so.get("waived_rules"), f"{source}: signoff.waived_rules", errors),
        )
    if errors:
        raise TestplanError("\n".join(errors))
    return Testplan(str(data.get("name", "")), tuple(testpoints), tuple(covergroups), goals)


def load_testplan(path: Path | str) -> Testplan:
    """Read and validate an hjson testplan."""
    import hjson

    path = Path(path)
    try:
        data = hjson.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise TestplanError(f"{path}: {exc}") from None
    plan = parse_testplan(data, str(path))
    return Testplan(plan.name, plan.testpoints, plan.covergroups, plan.goals, path)
