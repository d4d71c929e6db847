from __future__ import annotations

from typing import Any

import pytest

from runstrong.workouts import engine, selectors, services
from runstrong.workouts.catalog import PlanError
from runstrong.workouts.models import Program, Result, SessionEvent

from .factories import T0, complete_session

pytestmark = pytest.mark.usefixtures("catalog_synced")


def start(athlete: Any, slug: str = "runners-250", **options: Any) -> Any:
    return services.session_start(
        athlete=athlete, program=Program.objects.get(slug=slug), **options
    )


def append(session: Any, athlete: Any, seq: int, **event: Any) -> services.Appended:
    return services.session_append(session_id=session.id, athlete=athlete, seq=seq, event=event)


def test_finishing_writes_the_result_with_five_splits(athlete: Any) -> None:
    outcome = complete_session(athlete, seconds_per_rep=2.0)

    result = outcome.result
    assert result is not None
    assert result.reps_total == 250
    assert result.reps_done == [50, 50, 50, 50, 50]
    assert len(result.splits_ms) == 5
    assert result.total_ms == 250 * 2000
    assert outcome.session.status == "finished"
    assert not result.scaled and not result.unverified and not result.capped


def test_sending_the_same_event_twice_changes_nothing(athlete: Any) -> None:
    session = start(athlete)
    append(session, athlete, 0, type="start", at=T0)
    append(session, athlete, 1, type="reps", at=T0 + 30_000, slot=0, n=20)

    again = append(session, athlete, 1, type="reps", at=T0 + 30_000, slot=0, n=20)

    assert again.duplicate
    assert again.state.reps_done[0] == 20
    assert SessionEvent.objects.filter(session=session).count() == 2


def test_a_different_event_under_a_used_sequence_number_is_refused(athlete: Any) -> None:
    session = start(athlete)
    append(session, athlete, 0, type="start", at=T0)
    append(session, athlete, 1, type="reps", at=T0 + 30_000, slot=0, n=20)

    with pytest.raises(services.SequenceError, match="already stored"):
        append(session, athlete, 1, type="reps", at=T0 + 30_000, slot=0, n=25)

    assert selectors.session_state(session).reps_done[0] == 20


def test_an_event_after_a_gap_is_refused_until_the_missing_one_arrives(athlete: Any) -> None:
    session = start(athlete)
    append(session, athlete, 0, type="start", at=T0)

    with pytest.raises(services.SequenceError, match="before event 1"):
        append(session, athlete, 2, type="reps", at=T0 + 1000, slot=0, n=5)

    assert SessionEvent.objects.filter(session=session).count() == 1


def test_an_event_the_engine_rejects_is_not_stored(athlete: Any) -> None:
    session = start(athlete)
    append(session, athlete, 0, type="start", at=T0)

    with pytest.raises(engine.EventError, match="more than the 50 left"):
        append(session, athlete, 1, type="reps", at=T0 + 1000, slot=0, n=51)

    session.refresh_from_db()
    assert session.event_count == 1
    assert SessionEvent.objects.filter(session=session).count() == 1


def test_another_athlete_cannot_append_to_a_session(athlete: Any, stranger: Any) -> None:
    session = start(athlete)

    with pytest.raises(services.SessionNotFound):
        append(session, stranger, 0, type="start", at=T0)

    assert not SessionEvent.objects.filter(session=session).exists()
    assert selectors.session_get(session.id, stranger) is None


def test_the_core_slot_rotates_from_one_session_to_the_next(athlete: Any) -> None:
    first = complete_session(athlete).session
    second = complete_session(athlete, start_at=T0 + 86_400_000).session
    third = start(athlete, "runners-500")

    assert first.plan["slots"][0]["exercise"] == "mountain-climber"
    assert second.plan["slots"][0]["exercise"] == "sit-up"
    # The rotation follows the athlete across the 250 and the 500.
    assert third.plan["slots"][0]["exercise"] == "mountain-climber"


def test_an_abandoned_session_does_not_move_the_rotation(athlete: Any) -> None:
    abandoned = start(athlete)
    append(abandoned, athlete, 0, type="start", at=T0)
    append(abandoned, athlete, 1, type="abandon", at=T0 + 1000)

    assert start(athlete).plan["slots"][0]["exercise"] == "mountain-climber"
    assert not Result.objects.exists()


def test_each_athlete_has_their_own_rotation(athlete: Any, stranger: Any) -> None:
    complete_session(athlete)

    assert start(stranger).plan["slots"][0]["exercise"] == "mountain-climber"
    assert start(athlete).plan["slots"][0]["exercise"] == "sit-up"


def test_a_scaled_session_is_recorded_as_scaled_with_how(athlete: Any) -> None:
    outcome = complete_session(athlete, swaps={"calves": "seated-calf-raise"}, reps={"back": 30})

    result = outcome.result
    assert result is not None
    assert result.scaled
    assert result.reps_total == 230
    assert any("Seated calf raises" in note for note in result.scaled_how)
    assert any("30 of 50" in note for note in result.scaled_how)


def test_a_swap_to_something_that_is_not_an_easier_alternative_is_refused(athlete: Any) -> None:
    with pytest.raises(PlanError, match="not an easier alternative"):
        start(athlete, swaps={"calves": "v-up"})


def test_previous_best_compares_like_with_like(athlete: Any) -> None:
    slow = complete_session(athlete, seconds_per_rep=3.0).result
    complete_session(athlete, seconds_per_rep=1.5, start_at=T0 + 1_000_000_000, reps={"back": 10})
    fast = complete_session(athlete, seconds_per_rep=2.0, start_at=T0 + 2_000_000_000).result
    assert slow is not None and fast is not None

    # The scaled result in between is faster but not comparable.
    best = selectors.result_previous_best(fast)
    assert best is not None and best.pk == slow.pk
    assert selectors.result_previous_best(slow) is None


def test_syncing_the_builtin_catalog_twice_changes_nothing(db: None) -> None:
    before = list(Program.objects.values_list("slug", "slots"))

    services.catalog_sync_builtin()

    assert list(Program.objects.values_list("slug", "slots")) == before
    assert Program.objects.count() == 2
