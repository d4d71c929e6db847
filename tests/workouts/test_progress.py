"""Personal bests: which results were one when done, and which one stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runstrong.workouts.progress import Attempt, current_bests, personal_bests

START = datetime(2026, 3, 1, tzinfo=UTC)


def attempt(
    id: int, day: int, total_ms: int, *, program: str = "runners-250", scaled: bool = False,
    capped: bool = False,
) -> Attempt:  # fmt: skip
    return Attempt(
        id=id,
        program=program,
        scaled=scaled,
        capped=capped,
        started_at=START + timedelta(days=day),
        total_ms=total_ms,
    )


def test_the_first_finish_and_each_faster_one_are_personal_bests() -> None:
    attempts = [attempt(1, 0, 600_000), attempt(2, 2, 620_000), attempt(3, 4, 590_000)]

    assert personal_bests(attempts) == {1, 3}
    assert current_bests(attempts) == {3}


def test_order_of_the_input_does_not_matter() -> None:
    attempts = [attempt(3, 4, 590_000), attempt(1, 0, 600_000), attempt(2, 2, 620_000)]

    assert personal_bests(attempts) == {1, 3}


def test_a_tie_is_not_a_new_best_and_the_earlier_one_stands() -> None:
    attempts = [attempt(1, 0, 600_000), attempt(2, 1, 600_000)]

    assert personal_bests(attempts) == {1}
    assert current_bests(attempts) == {1}


def test_scaled_and_prescribed_results_are_compared_only_among_themselves() -> None:
    attempts = [
        attempt(1, 0, 600_000),
        attempt(2, 1, 400_000, scaled=True),
        attempt(3, 2, 590_000),
        attempt(4, 3, 450_000, scaled=True),
    ]

    assert personal_bests(attempts) == {1, 2, 3}
    assert current_bests(attempts) == {2, 3}


def test_programs_are_compared_only_among_themselves() -> None:
    attempts = [attempt(1, 0, 600_000), attempt(2, 1, 1_300_000, program="runners-500")]

    assert personal_bests(attempts) == {1, 2}
    assert current_bests(attempts) == {1, 2}


def test_a_capped_result_is_never_a_best() -> None:
    attempts = [attempt(1, 0, 3_600_000, capped=True), attempt(2, 1, 3_000_000)]

    assert personal_bests(attempts) == {2}
    assert current_bests(attempts) == {2}
    assert personal_bests([attempt(1, 0, 10, capped=True)]) == set()
