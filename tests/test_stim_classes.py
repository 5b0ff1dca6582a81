"""imstb.stim_classes: the pickers of the bench's PASID and handle classes give fields of the class
they name, and the classifiers (used by the coverage and the fuzz tallies) agree with them.
No simulator: the module is plain Python."""

from __future__ import annotations

import random

import pytest

from imsmodel import regmap as rm
from imstb.stim_classes import (
    HANDLE_CLASSES,
    IN_RANGE_CLASSES,
    PASID_CLASSES,
    HandleClass,
    PasidClass,
    StimTally,
    classify_handle,
    classify_pasid,
    handle_classes,
    handle_for,
    pasid_for,
    pick_handle_class,
    pick_pasid,
    specific_pasid,
)

EN = rm.IMS_CTRL_PASID_EN
LSB = rm.IMS_CTRL_PASID_LSB


def ctrl(pasid: int, en: bool = True, mask: bool = False) -> int:
    return pasid << LSB | EN * en | rm.IMS_CTRL_MASK * mask


ENTRY_PASIDS = (0, 1, 0x80000, 0xFFFFF, 0x12345, 0xABCDE)


@pytest.mark.parametrize("mine", ENTRY_PASIDS)
def test_one_bit_differs_in_exactly_one_bit(mine: int) -> None:
    rng = random.Random(mine)
    flipped = set()
    for _ in range(400):
        valid, bits = pasid_for(PasidClass.ONE_BIT, ctrl(mine, mask=True), rng)
        diff = bits ^ mine
        assert valid
        assert 0 <= bits < 1 << 20
        assert diff and diff & (diff - 1) == 0, f"{bits:05x} vs {mine:05x}"
        flipped.add(diff.bit_length() - 1)
    assert flipped == set(range(20)), "every comparator bit is flipped by some pick"


@pytest.mark.parametrize("mine", ENTRY_PASIDS)
def test_equal_and_absent_classes(mine: int) -> None:
    rng = random.Random(1)
    c = ctrl(mine)
    assert pasid_for(PasidClass.EQUAL, c, rng) == (True, mine)
    assert pasid_for(PasidClass.ABSENT_SAME_BITS, c, rng) == (False, mine)
    assert pasid_for(PasidClass.ABSENT_ZERO, c, rng) == (False, 0)


@pytest.mark.parametrize("cls", [*PASID_CLASSES, PasidClass.OTHER])
@pytest.mark.parametrize("mine", ENTRY_PASIDS)
def test_picked_fields_classify_as_their_class(cls: PasidClass, mine: int) -> None:
    rng = random.Random(mine * 7 + 3)
    en = cls is not PasidClass.NO_PASID_EN
    c = ctrl(mine, en=en)
    expected = cls
    if cls is PasidClass.ABSENT_ZERO and mine == 0:
        expected = PasidClass.ABSENT_SAME_BITS  # both at once: the classifier names the first
    for _ in range(200):
        valid, bits = pasid_for(cls, c, rng)
        assert classify_pasid(c, valid, bits) is expected, (cls, valid, hex(bits))


def test_classify_pasid_ignores_mask_and_reserved_bits() -> None:
    c = ctrl(0x00F0F, mask=True) | 0b110  # reserved bits [2:1] set: not a PASID bit
    assert classify_pasid(c, True, 0x00F0F) is PasidClass.EQUAL
    assert classify_pasid(c, True, 0x00F0E) is PasidClass.ONE_BIT
    assert classify_pasid(c, True, 0x00F0C) is PasidClass.OTHER  # two bits off
    assert classify_pasid(c, False, 0x00F0F) is PasidClass.ABSENT_SAME_BITS
    assert classify_pasid(c, False, 0) is PasidClass.ABSENT_ZERO
    assert classify_pasid(c, False, 0x1) is PasidClass.OTHER
    assert classify_pasid(ctrl(0x00F0F, en=False), True, 0x00F0F) is PasidClass.NO_PASID_EN


def test_pick_pasid_reaches_every_class_with_weight() -> None:
    rng = random.Random(5)
    seen: dict[PasidClass, int] = dict.fromkeys((*PASID_CLASSES, PasidClass.OTHER), 0)
    for k in range(4000):
        c = ctrl(specific_pasid(rng), en=k % 2 == 0)
        pick = pick_pasid(c, rng)
        valid = pick.pasid is not None
        bits = pick.pasid if pick.pasid is not None else pick.absent_bits
        got = classify_pasid(c, valid, bits)
        if not (pick.cls is PasidClass.ABSENT_ZERO and got is PasidClass.ABSENT_SAME_BITS):
            assert got is pick.cls, pick
        seen[pick.cls] += 1
    # every named class many times (a one-in-a-million event with random fields)
    assert all(seen[c] > 200 for c in PASID_CLASSES), seen
    assert 0 < seen[PasidClass.OTHER] < seen[PasidClass.EQUAL]


def test_pick_pasid_on_entry_without_pasid_en_is_no_pasid_en() -> None:
    rng = random.Random(2)
    for _ in range(100):
        assert pick_pasid(ctrl(rng.getrandbits(20), en=False), rng).cls is PasidClass.NO_PASID_EN


def test_absent_pick_carries_bits_and_no_pasid() -> None:
    rng = random.Random(3)
    picks = [pick_pasid(ctrl(0x5A5A5), rng) for _ in range(300)]
    same = [p for p in picks if p.cls is PasidClass.ABSENT_SAME_BITS]
    zero = [p for p in picks if p.cls is PasidClass.ABSENT_ZERO]
    assert same and zero
    assert all(p.pasid is None and p.absent_bits == 0x5A5A5 for p in same)
    assert all(p.pasid is None and p.absent_bits == 0 for p in zero)


# ---------------------------------------------------------------------- handles
@pytest.mark.parametrize("size", [1, 2, 3, 9, 64, 256, 2048])
def test_handle_for_gives_its_class(size: int) -> None:
    rng = random.Random(size)
    for cls in handle_classes(size):
        for _ in range(50):
            h = handle_for(cls, size, rng)
            assert 0 <= h <= rm.HANDLE_MAX
            assert classify_handle(h, size) is cls, (size, cls, h)
            assert (h < size) == (cls in IN_RANGE_CLASSES)


def test_handle_values_at_the_edges() -> None:
    rng = random.Random(0)
    assert handle_for(HandleClass.LAST, 64, rng) == 63
    assert handle_for(HandleClass.AT_SIZE, 64, rng) == 64
    assert handle_for(HandleClass.SIZE_PLUS_1, 64, rng) == 65
    assert handle_for(HandleClass.ZERO, 64, rng) == 0
    assert all(66 <= handle_for(HandleClass.FAR, 64, rng) <= 0xFFFF for _ in range(100))
    assert classify_handle(0xFFFF, 2048) is HandleClass.FAR


def test_handle_classes_of_small_tables() -> None:
    assert HandleClass.LAST not in handle_classes(1)
    assert HandleClass.IN_RANGE not in handle_classes(2)
    assert handle_classes(3) == HANDLE_CLASSES
    with pytest.raises(ValueError):
        handle_for(HandleClass.IN_RANGE, 2, random.Random(0))


def test_in_range_handles_come_from_the_given_entries() -> None:
    rng = random.Random(4)
    chosen = [0, 5, 77, 2047]
    hs = {handle_for(HandleClass.IN_RANGE, 2048, rng, chosen) for _ in range(100)}
    assert hs == {5, 77}


@pytest.mark.parametrize("size", [1, 9, 2048])
def test_pick_handle_class_hits_every_class(size: int) -> None:
    rng = random.Random(9)
    seen = {pick_handle_class(size, rng) for _ in range(2000)}
    assert seen == set(handle_classes(size))
    inr = {pick_handle_class(size, rng, in_range_only=True) for _ in range(500)}
    assert inr == set(handle_classes(size)) & set(IN_RANGE_CLASSES)


def test_tally_lines_name_every_class() -> None:
    t = StimTally()
    t.pasid_tried[PasidClass.EQUAL] += 3
    t.pasid_seen[PasidClass.EQUAL, "sent"] += 2
    t.handle_tried[True, HandleClass.FAR] += 1
    line = t.pasid_line()
    assert line.startswith("pasid classes: EQUAL 3 tried, 2 seen (sent 2)")
    assert all(c.name in line for c in PASID_CLASSES)
    assert "IMS FAR 1/0" in t.handle_line()


@pytest.mark.parametrize("size", [1, 64])
def test_pick_handle_class_out_of_range_share(size: int) -> None:
    rng = random.Random(11)
    n = 4000
    out = sum(pick_handle_class(size, rng, p_out=0.25) not in IN_RANGE_CLASSES for _ in range(n))
    assert 0.2 * n < out < 0.3 * n
