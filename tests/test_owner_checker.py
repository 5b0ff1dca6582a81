"""The bench's owner-isolation checker (`imstb.platform_model.OwnerChecker`, issue #16 item 2;
docs/spec.md IMS-038, IMS-039, IMS-107, IMS-108): no simulator, the checker alone."""

from __future__ import annotations

import pytest

from imstb.platform_model import OWNER_ADDR_BASE, OwnerChecker


def _two_owners() -> OwnerChecker:
    c = OwnerChecker()
    c.add_owner(1, 0x00111)
    c.add_owner(2, 0x00222)
    return c


def test_pairs_unique_per_owner_and_generation() -> None:
    c = _two_owners()
    a = c.grant(1, True, 3, edge=10)
    c.revoke(True, 3, edge=50)
    b = c.grant(2, True, 3, edge=60)
    c.revoke(True, 3, edge=90)
    a2 = c.grant(1, True, 3, edge=95)
    assert a.addr == OWNER_ADDR_BASE | 1 << 12 and b.addr == OWNER_ADDR_BASE | 2 << 12
    assert len({(g.addr, g.data) for g in (a, b, a2)}) == 3
    assert c.pair(a.addr, a.data) is a and c.current(True, 3) is a2
    assert c.owner_of_pasid(0x222) == 2 and c.owner_of_pasid(None) is None


def test_legal_deliveries_pass() -> None:
    """Messages that reach the raiser's own pair, also an old owner's message in flight before
    the release's B, pass."""
    c = _two_owners()
    a = c.grant(1, True, 0, edge=10)
    assert c.delivered(a.addr, a.data, edge=20, raiser=1)
    assert c.delivered(a.addr, a.data, edge=49, raiser=1, what="in flight during the release")
    c.revoke(True, 0, edge=50)
    b = c.grant(2, True, 0, edge=60)
    assert c.delivered(b.addr, b.data, edge=70, raiser=2)
    assert c.failures == [] and c.cross_owner == 0 and c.delivered_ok == 3
    assert "0 cross-owner deliveries" in c.summary()


def test_previous_owner_event_at_new_owners_pair_fails() -> None:
    """A message raised by the previous owner that reaches the next owner's pair is caught,
    naming both owners, the entry, the generation and the edges."""
    c = _two_owners()
    c.grant(1, True, 5, edge=10)
    c.revoke(True, 5, edge=50)
    b = c.grant(2, True, 5, edge=60)
    assert not c.delivered(b.addr, b.data, edge=80, raiser=1, what="late event @55")
    assert c.cross_owner == 1
    msg = c.failures[0]
    assert "cross-owner delivery @80" in msg and "owner 1" in msg and "owner 2's pair" in msg
    assert "IMS[5]" in msg and "generation 2" in msg and "late event @55" in msg


def test_delivery_to_other_entry_of_other_owner_fails() -> None:
    c = _two_owners()
    c.grant(1, False, 0, edge=1)
    b = c.grant(2, False, 1, edge=1)
    assert not c.delivered(b.addr, b.data, edge=5, raiser=1)
    assert "MSI-X[1]" in c.failures[0]


def test_message_after_revocation_fails() -> None:
    """A message to the previous owner's own pair after the release's B: something was still in
    flight (IMS-108)."""
    c = _two_owners()
    a = c.grant(1, True, 2, edge=10)
    c.revoke(True, 2, edge=50)
    assert not c.delivered(a.addr, a.data, edge=51, raiser=1)
    assert "after the release's B @50" in c.failures[0]


def test_stray_and_unattributed_fail() -> None:
    c = _two_owners()
    a = c.grant(1, True, 0, edge=0)
    assert not c.delivered(0xFEE00000, 0x1234, edge=3, raiser=1)
    assert not c.delivered(a.addr, a.data, edge=4, raiser=None)
    assert c.cross_owner == 2 and "no owner was granted" in c.failures[0]


def test_grant_rules() -> None:
    c = _two_owners()
    c.grant(1, True, 0, edge=0)
    with pytest.raises(ValueError, match="not revoked"):
        c.grant(2, True, 0, edge=1)
    with pytest.raises(ValueError, match="unknown owner"):
        c.grant(9, True, 1, edge=1)
    with pytest.raises(ValueError, match="already belongs"):
        c.add_owner(3, 0x111)
    with pytest.raises(ValueError, match="taken"):
        c.add_owner(1, 0x333)
