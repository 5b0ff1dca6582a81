"""Stimulus classes of the rule inputs that random stimulus reaches only by luck (issue #16 item 3).

One place that picks an event's PASID fields and handle *on purpose* against what the bench
knows of the target, and that classifies what was *observed* the same way, so that the fuzz
tallies and the coverage (`imstb.uvm.coverage`) speak of the same classes:

* PASID classes, against the target IMS entry's control word (`ImsModel.entry_ctrl`):
  `EQUAL` (pasid_valid = 1, the entry's PASID), `ONE_BIT` (pasid_valid = 1, the entry's PASID
  with exactly one bit flipped), `ABSENT_SAME_BITS` (pasid_valid = 0, evt_pasid = the entry's
  PASID), `ABSENT_ZERO` (pasid_valid = 0, evt_pasid = 0), `NO_PASID_EN` (the entry has
  PASID_EN = 0: any PASID fields). What a random PASID gives (several bits off, absent with other
  bits) is `OTHER`. (IMS-040, IMS-045)
* Handle classes, against a table's size: `ZERO`, `LAST` (size - 1), `IN_RANGE` (strictly
  between), `AT_SIZE` (= size), `SIZE_PLUS_1`, `FAR` (> size + 1, up to 0xFFFF). A class the
  size cannot have (a 1-entry table has no `LAST` apart from 0, no `IN_RANGE`) is left out by
  `handle_classes(size)`. (IMS-040, IMS-041)

Pure Python (no cocotb): `tests/test_stim_classes.py` checks the pickers against the
classifiers. The pickers draw from the caller's `random.Random`, so a run stays reproducible
from its seed.
"""

from __future__ import annotations

import enum
import random
from collections import Counter
from collections.abc import Sequence

from imsmodel import regmap as rm

__all__ = [
    "HANDLE_CLASSES",
    "PASID_CLASSES",
    "HandleClass",
    "PasidClass",
    "PasidPick",
    "StimTally",
    "classify_handle",
    "classify_pasid",
    "handle_classes",
    "handle_for",
    "pasid_for",
    "pick_handle_class",
    "pick_pasid",
]

PASID_BITS = 20
PASID_MAX = (1 << PASID_BITS) - 1
_PASID_EN = rm.IMS_CTRL_PASID_EN
_PASID_LSB = rm.IMS_CTRL_PASID_LSB


class PasidClass(enum.Enum):
    EQUAL = "equal"
    ONE_BIT = "one_bit"
    ABSENT_SAME_BITS = "absent_same_bits"
    ABSENT_ZERO = "absent_zero"
    NO_PASID_EN = "no_pasid_en"
    OTHER = "other"


#: The named classes (coverage bins, tally order); `OTHER` is what random stimulus gives.
PASID_CLASSES = (
    PasidClass.EQUAL,
    PasidClass.ONE_BIT,
    PasidClass.ABSENT_SAME_BITS,
    PasidClass.ABSENT_ZERO,
    PasidClass.NO_PASID_EN,
)
#: Classes an entry with PASID_EN = 1 can be hit with on purpose, and their weights.
_EN_CLASSES = (
    (PasidClass.EQUAL, 3),
    (PasidClass.ONE_BIT, 3),
    (PasidClass.ABSENT_SAME_BITS, 2),
    (PasidClass.ABSENT_ZERO, 2),
)


def entry_pasid(ctrl: int) -> int:
    return (ctrl >> _PASID_LSB) & PASID_MAX


def pasid_enabled(ctrl: int) -> bool:
    return bool(ctrl & _PASID_EN)


def classify_pasid(ctrl: int, pasid_valid: bool, pasid: int) -> PasidClass:
    """The class of an event's (evt_pasid_valid, evt_pasid) against an IMS entry's control word.
    Absent fields equal to the entry's PASID are `ABSENT_SAME_BITS` also when that PASID is 0."""
    if not pasid_enabled(ctrl):
        return PasidClass.NO_PASID_EN
    mine = entry_pasid(ctrl)
    pasid &= PASID_MAX
    if not pasid_valid:
        if pasid == mine:
            return PasidClass.ABSENT_SAME_BITS
        return PasidClass.ABSENT_ZERO if pasid == 0 else PasidClass.OTHER
    diff = pasid ^ mine
    if diff == 0:
        return PasidClass.EQUAL
    return PasidClass.ONE_BIT if diff & (diff - 1) == 0 else PasidClass.OTHER


def pasid_for(cls: PasidClass, ctrl: int, rng: random.Random) -> tuple[bool, int]:
    """(pasid_valid, pasid bits) of class `cls` against the entry's control word. `NO_PASID_EN`
    and `OTHER` give random fields (what they are against a PASID_EN = 0 entry does not matter);
    `ABSENT_ZERO` against an entry whose PASID is 0 is `ABSENT_SAME_BITS` by classification."""
    mine = entry_pasid(ctrl)
    if cls is PasidClass.EQUAL:
        return True, mine
    if cls is PasidClass.ONE_BIT:
        return True, mine ^ (1 << rng.randrange(PASID_BITS))
    if cls is PasidClass.ABSENT_SAME_BITS:
        return False, mine
    if cls is PasidClass.ABSENT_ZERO:
        return False, 0
    if cls is PasidClass.OTHER:
        while True:  # two or more bits off, or absent with other bits
            valid = rng.random() < 0.7
            bits = rng.getrandbits(PASID_BITS)
            diff = bits ^ mine
            if (valid and diff & (diff - 1)) or (not valid and diff and bits):
                return valid, bits
    return rng.random() < 0.7, rng.getrandbits(PASID_BITS)  # NO_PASID_EN: anything


class PasidPick:
    """One pick: the class aimed at and the fields (`pasid` is None when pasid_valid = 0; then
    `absent_bits` are the evt_pasid bits to drive)."""

    __slots__ = ("absent_bits", "cls", "pasid")

    def __init__(self, cls: PasidClass, valid: bool, bits: int) -> None:
        self.cls = cls
        self.pasid: int | None = bits if valid else None
        self.absent_bits = 0 if valid else bits

    def __repr__(self) -> str:
        return f"PasidPick({self.cls.name}, pasid={self.pasid}, absent_bits={self.absent_bits})"


def pick_pasid(ctrl: int, rng: random.Random, other: float = 0.1) -> PasidPick:
    """An event's PASID fields against an IMS entry's control word: for an entry with
    PASID_EN = 0 the class is `NO_PASID_EN` (random fields); else one of the four PASID_EN
    classes by weight, or `OTHER` (random, several bits off) with probability `other`."""
    if not pasid_enabled(ctrl):
        return PasidPick(PasidClass.NO_PASID_EN, *pasid_for(PasidClass.NO_PASID_EN, ctrl, rng))
    if rng.random() < other:
        cls = PasidClass.OTHER
    else:
        cls = rng.choices([c for c, _ in _EN_CLASSES], [w for _, w in _EN_CLASSES])[0]
    return PasidPick(cls, *pasid_for(cls, ctrl, rng))


def specific_pasid(rng: random.Random) -> int:
    """A PASID to program: the corners (0, all ones, one bit set, one bit clear) half of the
    time, else random."""
    r = rng.random()
    if r < 0.1:
        return 0
    if r < 0.2:
        return PASID_MAX
    if r < 0.35:
        return 1 << rng.randrange(PASID_BITS)
    if r < 0.5:
        return PASID_MAX ^ (1 << rng.randrange(PASID_BITS))
    return rng.getrandbits(PASID_BITS)


# ---------------------------------------------------------------------- handles
class HandleClass(enum.Enum):
    ZERO = "zero"
    LAST = "last"  # size - 1
    IN_RANGE = "in_range"  # 0 < h < size - 1
    AT_SIZE = "at_size"
    SIZE_PLUS_1 = "size_plus_1"
    FAR = "far"  # > size + 1


HANDLE_CLASSES = tuple(HandleClass)
IN_RANGE_CLASSES = (HandleClass.ZERO, HandleClass.LAST, HandleClass.IN_RANGE)
_HANDLE_WEIGHTS = {
    HandleClass.ZERO: 2,
    HandleClass.LAST: 2,
    HandleClass.IN_RANGE: 5,
    HandleClass.AT_SIZE: 1,
    HandleClass.SIZE_PLUS_1: 1,
    HandleClass.FAR: 1,
}


def classify_handle(handle: int, size: int) -> HandleClass:
    if handle == 0:
        return HandleClass.ZERO
    if handle == size - 1:
        return HandleClass.LAST
    if handle < size:
        return HandleClass.IN_RANGE
    if handle == size:
        return HandleClass.AT_SIZE
    return HandleClass.SIZE_PLUS_1 if handle == size + 1 else HandleClass.FAR


def handle_classes(size: int) -> tuple[HandleClass, ...]:
    """The classes a table of `size` entries (1..2048) has: no `LAST` apart from `ZERO` in a
    1-entry table, no `IN_RANGE` below 3 entries."""
    out = [HandleClass.ZERO]
    if size > 1:
        out.append(HandleClass.LAST)
    if size > 2:
        out.append(HandleClass.IN_RANGE)
    return (*out, HandleClass.AT_SIZE, HandleClass.SIZE_PLUS_1, HandleClass.FAR)


def handle_for(
    cls: HandleClass, size: int, rng: random.Random, in_range: Sequence[int] = ()
) -> int:
    """A handle of class `cls` in a table of `size`; `IN_RANGE` draws from `in_range` when it
    holds a handle of that class (the entries a test programmed), else from the whole range."""
    if cls is HandleClass.ZERO:
        return 0
    if cls is HandleClass.LAST:
        return size - 1
    if cls is HandleClass.IN_RANGE:
        if size < 3:
            raise ValueError(f"no IN_RANGE handle in a {size}-entry table")
        cands = [h for h in in_range if 0 < h < size - 1]
        return rng.choice(cands) if cands else rng.randrange(1, size - 1)
    if cls is HandleClass.AT_SIZE:
        return size
    if cls is HandleClass.SIZE_PLUS_1:
        return size + 1
    return rm.HANDLE_MAX if rng.random() < 0.2 else rng.randint(size + 2, rm.HANDLE_MAX)


def pick_handle_class(
    size: int, rng: random.Random, in_range_only: bool = False, p_out: float | None = None
) -> HandleClass:
    """A handle class of a table of `size` by weight (in range 3 : out of range 1); with
    `p_out`, out of range with that probability, then by weight within the region."""
    classes = handle_classes(size)
    if p_out is not None and not in_range_only:
        in_range_only = rng.random() >= p_out
        if not in_range_only:
            classes = tuple(c for c in classes if c not in IN_RANGE_CLASSES)
    if in_range_only:
        classes = tuple(c for c in classes if c in IN_RANGE_CLASSES)
    return rng.choices(classes, [_HANDLE_WEIGHTS[c] for c in classes])[0]


# ---------------------------------------------------------------------- tallies
class StimTally:
    """Per-class counts of what was aimed at (`tried`) and what was observed at the event's step
    (`seen`, from the monitored event and the model's entry state), for the end-of-test line."""

    def __init__(self) -> None:
        self.pasid_tried: Counter[PasidClass] = Counter()
        self.pasid_seen: Counter[tuple[PasidClass, str]] = Counter()
        self.handle_tried: Counter[tuple[bool, HandleClass]] = Counter()
        self.handle_seen: Counter[tuple[bool, HandleClass, str]] = Counter()

    def pasid_line(self) -> str:
        parts = []
        for cls in (*PASID_CLASSES, PasidClass.OTHER):
            seen = {o: v for (c, o), v in self.pasid_seen.items() if c is cls}
            outs = ", ".join(f"{o} {v}" for o, v in sorted(seen.items()))
            parts.append(
                f"{cls.name} {self.pasid_tried[cls]} tried, {sum(seen.values())} seen"
                + (f" ({outs})" if outs else "")
            )
        return "pasid classes: " + "; ".join(parts)

    def handle_line(self) -> str:
        parts = []
        for ims in (True, False):
            t = "IMS" if ims else "MSI-X"
            for cls in HANDLE_CLASSES:
                seen = sum(v for (i, c, _), v in self.handle_seen.items() if i == ims and c is cls)
                tried = self.handle_tried[ims, cls]
                if tried or seen:
                    parts.append(f"{t} {cls.name} {tried}/{seen}")
        return "handle classes (tried/seen): " + ", ".join(parts)
