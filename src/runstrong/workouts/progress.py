"""Personal bests (pure: no Django).

Results only compare with results done the same way: the same program, and
both as prescribed or both scaled. A capped result has no finishing time, so
it is never a best. Ties keep the earlier result as the best.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    id: Hashable
    program: str
    scaled: bool
    capped: bool
    started_at: datetime
    total_ms: int
    splits_ms: tuple[int | None, ...] = ()


def personal_bests(attempts: Iterable[Attempt]) -> set[Hashable]:
    """Ids of the attempts that were a personal best when they were done.

    The first finish of a program (done that way) is one; after that, only a
    strictly faster finish is.
    """
    best_so_far: dict[tuple[str, bool], int] = {}
    bests: set[Hashable] = set()
    for attempt in sorted(attempts, key=lambda attempt: attempt.started_at):
        if attempt.capped:
            continue
        group = (attempt.program, attempt.scaled)
        if group not in best_so_far or attempt.total_ms < best_so_far[group]:
            best_so_far[group] = attempt.total_ms
            bests.add(attempt.id)
    return bests


def current_bests(attempts: Iterable[Attempt]) -> set[Hashable]:
    """Ids of the standing best of each program, as prescribed and scaled."""
    best: dict[tuple[str, bool], Attempt] = {}
    for attempt in attempts:
        if attempt.capped:
            continue
        group = (attempt.program, attempt.scaled)
        holder = best.get(group)
        if holder is None or (attempt.total_ms, attempt.started_at) < (
            holder.total_ms,
            holder.started_at,
        ):
            best[group] = attempt
    return {attempt.id for attempt in best.values()}


@dataclass(frozen=True, slots=True)
class SlotComparison:
    name: str
    reps: int
    split: int | None
    rest: int
    delta: int | None  # split minus the previous best's split, when both exist


def compare_slots(
    names: Sequence[str],
    *,
    reps: Sequence[int],
    splits: Sequence[int | None],
    rests: Sequence[int],
    best_splits: Sequence[int | None] | None,
) -> list[SlotComparison]:
    """One row per slot of a result, with the change against the previous best's split."""
    rows = []
    for position, name in enumerate(names):
        split = splits[position]
        best = best_splits[position] if best_splits is not None else None
        rows.append(
            SlotComparison(
                name=name,
                reps=reps[position],
                split=split,
                rest=rests[position],
                delta=split - best if split is not None and best is not None else None,
            )
        )
    return rows
