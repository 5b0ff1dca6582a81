"""Shards: a deterministic slice of the job matrix per shard.

:class:`Shard` (``K/N``) and :func:`partition`: job ``i`` of the matrix sorted by job id goes to
shard ``i mod N + 1`` (round-robin on the sorted ids). The job id holds simulator,
configuration, test and seed, so the split depends only on the matrix, never on dict/set
order, discovery order or the machine. The matrix must be the same in every shard: seeds come
from one base seed (``--seed``), which a sharded run therefore needs. :mod:`imsflow.regress.merge`
combines the shards' run folders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as on the command line: ``--shard 2/4``)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: need 1 <= K <= N")

    @classmethod
    def parse(cls, text: str) -> Shard:
        parts = text.strip().split("/")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"shard {text!r} is not K/N, e.g. 1/4")
        return cls(int(parts[0]), int(parts[1]))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_numbers(ids: Sequence[str], count: int) -> dict[str, int]:
    """Job id -> shard number 1..count: round-robin over the sorted unique ids."""
    if count < 1:
        raise ValueError(f"shard count must be >= 1, got {count}")
    return {job_id: i % count + 1 for i, job_id in enumerate(sorted(set(ids)))}


def partition(ids: Sequence[str], count: int) -> list[list[str]]:
    """The ids of each shard (index 0 is shard 1), each in sorted order."""
    slices: list[list[str]] = [[] for _ in range(count)]
    for job_id, k in sorted(shard_numbers(ids, count).items()):
        slices[k - 1].append(job_id)
    return slices


def select(jobs: Sequence[_T], shard: Shard, key: Callable[[_T], str] | None = None) -> list[_T]:
    """The jobs of ``shard`` in their matrix order (``key(job)`` or ``job.id`` is the job id).

    Raises ValueError when the slice is empty (more shards than jobs).
    """
    get: Callable[[_T], str] = key or (lambda j: str(j.id))  # type: ignore[attr-defined]
    numbers = shard_numbers([get(j) for j in jobs], shard.count)
    picked = [j for j in jobs if numbers[get(j)] == shard.index]
    if not picked:
        raise ValueError(
            f"shard {shard} of a {len(jobs)}-job matrix is empty: use at most {len(jobs)} shards"
        )
    return picked
