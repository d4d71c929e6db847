"""The session engine: folding a workout's events into its state and result."""

from __future__ import annotations

import re
from typing import Any

import pytest

from runstrong.workouts.catalog import PlanError, build_plan, load_builtin
from runstrong.workouts.engine import (
    Abandon,
    Event,
    EventError,
    Finish,
    Pause,
    Reps,
    Resume,
    SessionPlan,
    SlotPlan,
    Start,
    State,
    Status,
    Undo,
    apply,
    event_from_dict,
    fold,
    result,
    rotation_next,
)

CATALOG = load_builtin()
T0 = 1_700_000_000_000  # a real epoch time in ms: 2023-11-14


def at(seconds: float) -> int:
    """Client time ``seconds`` after T0."""
    return T0 + round(seconds * 1000)


def runners(
    slug: str = "runners-250",
    *,
    last_done: dict[str, str | None] | None = None,
    swaps: dict[str, str] | None = None,
    reps: dict[str, int] | None = None,
) -> SessionPlan:
    program = CATALOG.programs[slug]
    return build_plan(program, CATALOG.exercises, last_done=last_done, swaps=swaps, reps=reps)


def small_plan(*reps: int, floor: float = 0.0, cap_minutes: float | None = None) -> SessionPlan:
    """A plan with one slot per number in ``reps``: no floors, no cap unless asked."""
    return SessionPlan(
        program="test",
        slots=tuple(
            SlotPlan(
                key=f"slot{position}",
                exercise=f"move-{position}",
                exercise_name=f"Move {position}",
                reps=count,
                floor_seconds_per_rep=floor,
                prescribed_exercise=f"move-{position}",
                prescribed_reps=count,
            )
            for position, count in enumerate(reps or (10,))
        ),
        time_cap_ms=round(cap_minutes * 60_000) if cap_minutes is not None else None,
    )


def one_set_per_slot(plan: SessionPlan, seconds_per_slot: float) -> list[Event]:
    events: list[Event] = [Start(at(0))]
    for position, slot in enumerate(plan.slots):
        events.append(Reps(at(seconds_per_slot * (position + 1)), slot=position, n=slot.reps))
    return events


def raises_event_error(plan: SessionPlan, events: list[Event], message: str) -> State:
    """Fold all but the last event, check the last is refused with ``message``;
    return the state before it (which must still be usable)."""
    before = fold(plan, events[:-1])
    with pytest.raises(EventError, match=re.escape(message)):
        apply(before, events[-1])
    return before


# ---------------------------------------------------------------------------
# A whole workout.


def test_full_250_folds_to_a_result_with_five_splits() -> None:
    plan = runners()
    events: list[Event] = [Start(at(0))]
    # Two sets of 25 per slot, 30 s apart; 10 s between slots.
    end_of_slot = 0.0
    for position in range(5):
        first = end_of_slot + (10 if position else 0) + 30
        events += [
            Reps(at(first), slot=position, n=25),
            Reps(at(first + 30), slot=position, n=25),
        ]
        end_of_slot = first + 30
    events.append(Finish(at(end_of_slot + 5)))

    state = fold(plan, events)
    assert state.status is Status.FINISHED
    outcome = result(state)
    # Each slot's first set is paced like its second: 25 reps in 30 s, so
    # the work starts 30 s before the first set ends, right after the rest.
    assert outcome.splits_ms == (60_000,) * 5
    assert outcome.rests_ms == (0, 10_000, 10_000, 10_000, 10_000)
    assert outcome.total_ms == outcome.elapsed_ms == 340_000  # finish is not a rep
    assert outcome.paused_ms == 0
    assert outcome.reps_done == (50,) * 5
    assert outcome.reps_total == 250
    assert outcome.reps_per_minute == 44.1
    assert not outcome.scaled and outcome.scaled_how == ()
    assert not outcome.capped and outcome.reps_at_cap is None
    assert not outcome.unverified and outcome.unverified_why == ()


def test_full_500_needs_a_hundred_reps_per_slot() -> None:
    plan = runners("runners-500")
    state = fold(plan, one_set_per_slot(plan, 120))
    assert state.status is Status.COMPLETE
    assert state.reps_done == (100,) * 5
    assert result(apply(state, Finish(at(700)))).total_ms == 600_000


def test_state_tracks_current_slot_and_reps_left() -> None:
    plan = runners()
    state = fold(plan, [Start(at(0)), Reps(at(20), slot=0, n=50), Reps(at(40), slot=1, n=20)])
    assert state.current_slot == 1
    assert state.reps_left_in_slot == 30
    assert state.reps_left == 180
    assert state.to_dict(now=at(45)) == {
        "status": "running",
        "started_at": T0,
        "current_slot": 1,
        "reps_done": [50, 20, 0, 0, 0],
        "reps_left": 180,
        "reps_left_in_slot": 30,
        "active_ms": 45_000,
        "paused_ms": 0,
        "capped": False,
        "can_undo": True,
    }


def test_last_rep_stops_the_clock_before_finish_is_pressed() -> None:
    plan = small_plan(10)
    state = fold(plan, [Start(at(0)), Reps(at(30), slot=0, n=10)])
    assert state.status is Status.COMPLETE
    assert state.active_ms(at(90)) == 30_000
    assert result(apply(state, Finish(at(90)))).total_ms == 30_000


def test_rest_before_a_slot_is_estimated_from_its_later_sets() -> None:
    plan = small_plan(10, 30)
    events: list[Event] = [
        Start(at(0)),
        Reps(at(20), slot=0, n=10),  # one set: no measurable rest before it
        Reps(at(60), slot=1, n=10),  # paced at 1 s/rep by the next two sets
        Reps(at(70), slot=1, n=10),
        Reps(at(80), slot=1, n=10),
        Finish(at(81)),
    ]
    outcome = result(fold(plan, events))
    assert outcome.rests_ms == (0, 30_000)  # 20 s → 50 s
    assert outcome.splits_ms == (20_000, 30_000)  # 50 s → 80 s


def test_rest_estimate_never_reaches_back_before_the_previous_slot() -> None:
    plan = small_plan(10, 20)
    events: list[Event] = [
        Start(at(0)),
        Reps(at(30), slot=0, n=10),
        # At the pace of the second set (10 reps in 10 s) the first set would
        # have begun at 25 s, before the previous slot ended: the rest is 0.
        Reps(at(35), slot=1, n=10),
        Reps(at(45), slot=1, n=10),
        Finish(at(46)),
    ]
    outcome = result(fold(plan, events))
    assert outcome.rests_ms == (0, 0)
    assert outcome.splits_ms == (30_000, 15_000)


def test_pause_is_left_out_of_splits_rests_and_total() -> None:
    plan = small_plan(20, 10)
    events: list[Event] = [
        Start(at(0)),
        Reps(at(20), slot=0, n=10),
        Pause(at(25)),
        Resume(at(85)),
        Reps(at(95), slot=0, n=10),  # 15 s of work after the first set: 1.5 s/rep
        Reps(at(125), slot=1, n=10),
        Finish(at(130)),
    ]
    outcome = result(fold(plan, events))
    assert outcome.elapsed_ms == 125_000
    assert outcome.paused_ms == 60_000
    assert outcome.total_ms == 65_000
    assert outcome.rests_ms == (5_000, 0)
    assert outcome.splits_ms == (30_000, 30_000)
    assert sum(outcome.splits_ms) + sum(outcome.rests_ms) + outcome.paused_ms == 125_000


def test_pause_between_slots_does_not_count_as_rest() -> None:
    plan = small_plan(10, 10)
    events: list[Event] = [
        Start(at(0)),
        Reps(at(20), slot=0, n=10),
        Pause(at(22)),
        Resume(at(322)),
        Reps(at(340), slot=1, n=10),
        Finish(at(341)),
    ]
    outcome = result(fold(plan, events))
    assert outcome.paused_ms == 300_000
    assert outcome.splits_ms == (20_000, 20_000)
    assert outcome.total_ms == 40_000


def test_clock_stands_still_while_paused() -> None:
    plan = small_plan(10)
    state = fold(plan, [Start(at(0)), Reps(at(10), slot=0, n=4), Pause(at(15))])
    assert state.paused_now
    assert state.active_ms(at(15)) == state.active_ms(at(600)) == 15_000
    assert state.paused_ms(at(600)) == 585_000
    state = apply(state, Resume(at(600)))
    assert state.active_ms(at(610)) == 25_000


def test_clock_read_with_an_earlier_now_counts_only_the_pause_so_far() -> None:
    # Another device's clock may lag the phone that logged the events.
    plan = small_plan(10)
    state = fold(plan, [Start(at(0)), Pause(at(10)), Resume(at(70)), Reps(at(80), slot=0, n=10)])
    assert [state.active_ms(at(s)) for s in (5, 10, 40, 70, 75, 80, 200)] == [
        5_000,
        10_000,
        10_000,
        10_000,
        15_000,
        20_000,
        20_000,
    ]


def test_abandon_stops_the_clock_and_closes_the_session() -> None:
    plan = small_plan(10)
    state = fold(plan, [Start(at(0)), Reps(at(10), slot=0, n=4), Abandon(at(30))])
    assert state.status is Status.ABANDONED
    assert state.active_ms(at(3600)) == 30_000
    assert state.to_dict(now=at(3600))["can_undo"] is False
    with pytest.raises(EventError, match="the session is abandoned: only a finished session"):
        result(state)
    raises_event_error(
        plan,
        [Start(at(0)), Abandon(at(30)), Reps(at(40), slot=0, n=1)],
        ("the session is already abandoned; no more events"),
    )


def test_result_of_an_unfinished_session_is_refused() -> None:
    plan = small_plan(10)
    state = fold(plan, [Start(at(0)), Reps(at(10), slot=0, n=10)])
    with pytest.raises(EventError, match="the session is complete: only a finished session"):
        result(state)


def test_events_at_the_same_millisecond_are_accepted() -> None:
    plan = small_plan(2, 1)
    state = fold(
        plan,
        [
            Start(T0),
            Reps(T0, slot=0, n=1),
            Reps(T0, slot=0, n=1),
            Reps(T0, slot=1, n=1),
            Finish(T0),
        ],
    )
    outcome = result(state)
    assert outcome.total_ms == 0
    assert outcome.reps_per_minute == 0.0


# ---------------------------------------------------------------------------
# Events the session refuses, each with a message that says why.


def test_reps_beyond_slot_target_are_rejected() -> None:
    plan = runners()
    before = raises_event_error(
        plan,
        [Start(at(0)), Reps(at(20), slot=0, n=40), Reps(at(30), slot=0, n=20)],
        "20 reps is more than the 10 left of Mountain climbers",
    )
    # The refused event changed nothing: the right count still goes in.
    assert apply(before, Reps(at(30), slot=0, n=10)).current_slot == 1


def test_reps_before_start_are_rejected() -> None:
    raises_event_error(
        runners(), [Reps(at(0), slot=0, n=10)], "reps before start: start the session first"
    )


@pytest.mark.parametrize("kind", [Undo, Pause, Resume, Finish])
def test_other_events_before_start_are_rejected(kind: type[Event]) -> None:
    raises_event_error(runners(), [kind(at(0))], f"{kind.kind} before start")


def test_reps_after_finish_are_rejected() -> None:
    plan = small_plan(10)
    raises_event_error(
        plan,
        [Start(at(0)), Reps(at(30), slot=0, n=10), Finish(at(31)), Reps(at(40), slot=0, n=1)],
        "the session is already finished; no more events",
    )


def test_timestamps_going_backwards_are_rejected() -> None:
    raises_event_error(
        runners(),
        [Start(at(10)), Reps(at(20), slot=0, n=5), Reps(at(19.999), slot=0, n=5)],
        f"reps at {at(19.999)} is earlier than the previous event ({at(20)}): "
        "timestamps must not go backwards",
    )


@pytest.mark.parametrize("slot", [5, 99, -1])
def test_reps_for_an_unknown_slot_are_rejected(slot: int) -> None:
    raises_event_error(
        runners(),
        [Start(at(0)), Reps(at(10), slot=slot, n=5)],
        f"unknown slot {slot}: this program has slots 0–4",
    )


def test_resume_without_pause_is_rejected() -> None:
    raises_event_error(
        runners(),
        [Start(at(0)), Resume(at(10))],
        "resume without pause: the session is not paused",
    )


def test_pause_twice_is_rejected() -> None:
    raises_event_error(
        runners(), [Start(at(0)), Pause(at(10)), Pause(at(20))], "the session is already paused"
    )


def test_reps_for_a_later_slot_are_rejected() -> None:
    raises_event_error(
        runners(),
        [Start(at(0)), Reps(at(10), slot=0, n=20), Reps(at(20), slot=2, n=10)],
        "slot 2 (Donkey kicks) is not the current slot; "
        "slots are done in order and slot 0 (Mountain climbers) is next",
    )


def test_reps_for_a_finished_slot_are_rejected() -> None:
    raises_event_error(
        runners(),
        [Start(at(0)), Reps(at(10), slot=0, n=50), Reps(at(20), slot=0, n=1)],
        "slot 0 (Mountain climbers) is not the current slot; "
        "slots are done in order and slot 1 (Calf raises) is next",
    )


def test_reps_while_paused_are_rejected() -> None:
    raises_event_error(
        runners(),
        [Start(at(0)), Pause(at(10)), Reps(at(20), slot=0, n=10)],
        "the session is paused: resume before logging reps",
    )


@pytest.mark.parametrize("count", [0, -5])
def test_non_positive_reps_are_rejected(count: int) -> None:
    raises_event_error(
        runners(),
        [Start(at(0)), Reps(at(10), slot=0, n=count)],
        f"reps must be a positive number, not {count}",
    )


def test_reps_once_every_rep_is_done_are_rejected() -> None:
    plan = small_plan(10)
    raises_event_error(
        plan,
        [Start(at(0)), Reps(at(10), slot=0, n=10), Reps(at(11), slot=0, n=1)],
        "every rep is already done: finish the session",
    )


def test_pause_once_every_rep_is_done_is_rejected() -> None:
    plan = small_plan(10)
    raises_event_error(
        plan,
        [Start(at(0)), Reps(at(10), slot=0, n=10), Pause(at(11))],
        "every rep is done: finish instead of pausing",
    )


def test_finish_with_reps_left_is_rejected_without_a_cap() -> None:
    plan = small_plan(50, 50)
    before = raises_event_error(
        plan,
        [Start(at(0)), Reps(at(60), slot=0, n=50), Reps(at(90), slot=1, n=20), Finish(at(100))],
        "30 reps are still to do: finish needs every rep done; abandon the session to stop early",
    )
    assert apply(before, Abandon(at(100))).status is Status.ABANDONED


def test_finish_with_reps_left_before_the_cap_mentions_the_cap() -> None:
    raises_event_error(
        runners(),
        [Start(at(0)), Reps(at(60), slot=0, n=50), Finish(at(100))],
        "200 reps are still to do: finish needs every rep done or the time cap passed; "
        "abandon the session to stop early",
    )


def test_double_start_is_rejected() -> None:
    raises_event_error(runners(), [Start(at(0)), Start(at(5))], "the session has already started")


# ---------------------------------------------------------------------------
# Undo.


def test_undo_takes_back_the_last_set() -> None:
    plan = runners()
    state = fold(
        plan,
        [Start(at(0)), Reps(at(10), slot=0, n=30), Reps(at(20), slot=0, n=15), Undo(at(21))],
    )
    assert state.reps_done == (30, 0, 0, 0, 0)
    assert state.reps_left_in_slot == 20
    state = apply(state, Reps(at(30), slot=0, n=20))
    assert state.current_slot == 1


def test_undo_can_reach_back_into_the_previous_slot() -> None:
    plan = small_plan(10, 10)
    state = fold(
        plan,
        [Start(at(0)), Reps(at(10), slot=0, n=10), Reps(at(20), slot=1, n=3), Undo(at(21)),
         Undo(at(22))],
    )  # fmt: skip
    assert state.current_slot == 0
    assert state.reps_left_in_slot == 10


def test_undoing_the_set_that_completed_the_workout_reopens_it() -> None:
    plan = small_plan(10, 10)
    events: list[Event] = [
        Start(at(0)),
        Reps(at(20), slot=0, n=10),
        Reps(at(40), slot=1, n=10),
        Undo(at(41)),
    ]
    state = fold(plan, events)
    assert state.status is Status.RUNNING
    assert state.current_slot == 1 and state.reps_left_in_slot == 10
    assert state.active_ms(at(50)) == 50_000  # the clock runs again
    raises_event_error(plan, [*events, Finish(at(42))], "10 reps are still to do")

    state = fold(plan, [*events, Reps(at(55), slot=1, n=10), Finish(at(56))])
    outcome = result(state)
    assert outcome.total_ms == 55_000
    assert outcome.splits_ms == (20_000, 35_000)


def test_undo_with_nothing_to_undo_is_rejected() -> None:
    raises_event_error(runners(), [Start(at(0)), Undo(at(5))], "nothing to undo")


def test_undo_everything_then_nothing_left_to_undo() -> None:
    raises_event_error(
        runners(),
        [Start(at(0)), Reps(at(5), slot=0, n=5), Undo(at(6)), Undo(at(7))],
        "nothing to undo",
    )


def test_undo_after_finish_is_rejected() -> None:
    plan = small_plan(10)
    raises_event_error(
        plan,
        [Start(at(0)), Reps(at(10), slot=0, n=10), Finish(at(11)), Undo(at(12))],
        "the session is already finished; no more events",
    )


# ---------------------------------------------------------------------------
# Time cap.


def test_finish_after_the_cap_gives_a_capped_result() -> None:
    plan = runners()  # 60-minute cap
    events: list[Event] = [
        Start(at(0)),
        Reps(at(600), slot=0, n=50),
        Reps(at(1500), slot=1, n=50),
        Reps(at(3000), slot=2, n=30),
        Finish(at(3700)),
    ]
    outcome = result(fold(plan, events))
    assert outcome.capped
    assert outcome.reps_at_cap == outcome.reps_total == 130
    assert outcome.reps_done == (50, 50, 30, 0, 0)
    assert outcome.total_ms == outcome.elapsed_ms == 3_600_000  # stops at the cap
    assert outcome.splits_ms == (600_000, 900_000, 2_100_000, None, None)
    assert outcome.rests_ms == (0, 0, 0, 0, 0)


def test_finish_exactly_at_the_cap_is_capped() -> None:
    plan = small_plan(10, cap_minutes=1)
    state = fold(plan, [Start(at(0)), Reps(at(60), slot=0, n=4), Finish(at(60))])
    assert result(state).capped
    assert result(state).reps_at_cap == 4


def test_reps_after_the_cap_are_rejected() -> None:
    plan = small_plan(10, cap_minutes=1)
    before = raises_event_error(
        plan,
        [Start(at(0)), Reps(at(30), slot=0, n=4), Reps(at(60.001), slot=0, n=6)],
        "reps after the 1-minute time cap: finish the session",
    )
    assert result(apply(before, Finish(at(61)))).reps_at_cap == 4


def test_reps_exactly_at_the_cap_still_count() -> None:
    plan = small_plan(10, cap_minutes=1)
    state = fold(plan, [Start(at(0)), Reps(at(60), slot=0, n=10), Finish(at(61))])
    outcome = result(state)
    assert not outcome.capped
    assert outcome.total_ms == 60_000


def test_pause_after_the_cap_is_rejected() -> None:
    plan = small_plan(10, cap_minutes=1)
    raises_event_error(
        plan, [Start(at(0)), Pause(at(61))], "pause after the 1-minute time cap: finish the session"
    )


def test_pauses_move_the_cap() -> None:
    plan = runners()  # 60-minute cap
    events: list[Event] = [
        Start(at(0)),
        Reps(at(600), slot=0, n=50),
        Pause(at(1000)),
        Resume(at(1600)),
        Reps(at(3900), slot=1, n=20),  # past 60 minutes of wall time, within 60 of work
    ]
    state = fold(plan, events)
    assert state.cap_at() == at(4200)
    raises_event_error(plan, [*events, Finish(at(4100))], "180 reps are still to do")
    outcome = result(apply(state, Finish(at(4300))))
    assert outcome.capped and outcome.reps_at_cap == 70
    assert outcome.total_ms == 3_600_000
    assert outcome.elapsed_ms == 4_200_000
    assert outcome.paused_ms == 600_000
    assert outcome.splits_ms == (600_000, 3_000_000, None, None, None)


def test_cap_does_not_pass_while_paused() -> None:
    plan = small_plan(10, cap_minutes=1)
    events: list[Event] = [Start(at(0)), Reps(at(30), slot=0, n=4), Pause(at(50))]
    state = fold(plan, events)
    assert state.cap_at() is None
    # Still paused an hour later: finishing needs every rep or the cap passed.
    raises_event_error(plan, [*events, Finish(at(3650))], "6 reps are still to do")
    state = fold(plan, [*events, Resume(at(3650)), Reps(at(3655), slot=0, n=6), Finish(at(3656))])
    assert not result(state).capped


# ---------------------------------------------------------------------------
# Unverified: faster than the exercises' plausible floors.


def test_result_faster_than_the_floors_is_unverified() -> None:
    plan = runners()  # mountain climbers first: 0.25 s per rep
    events = [*one_set_per_slot(plan, 10), Finish(at(60))]
    outcome = result(fold(plan, events))
    assert outcome.unverified
    assert outcome.unverified_why == (
        "Mountain climbers: 50 reps in 10.0 s is faster than the plausible 12.5 s",
        "Calf raises: 50 reps in 10.0 s is faster than the plausible 20.0 s",
        "Donkey kicks: 50 reps in 10.0 s is faster than the plausible 20.0 s",
        "Squat to curl: 50 reps in 10.0 s is faster than the plausible 50.0 s",
        "Back extensions: 50 reps in 10.0 s is faster than the plausible 30.0 s",
    )


def test_result_slower_than_the_floors_is_not_unverified() -> None:
    plan = runners()
    outcome = result(fold(plan, [*one_set_per_slot(plan, 60), Finish(at(301))]))
    assert not outcome.unverified
    assert outcome.unverified_why == ()


def test_result_exactly_at_the_floor_is_not_unverified() -> None:
    plan = small_plan(10, floor=1.0)
    exactly = result(fold(plan, [Start(at(0)), Reps(at(10), slot=0, n=10), Finish(at(11))]))
    assert not exactly.unverified
    faster = result(fold(plan, [Start(at(0)), Reps(at(9.999), slot=0, n=10), Finish(at(11))]))
    assert faster.unverified_why == (
        "Move 0: 10 reps in 10.0 s is faster than the plausible 10.0 s",
    )


def test_sit_ups_have_their_own_floor() -> None:
    plan = runners(last_done={"core": "mountain-climber"})  # sit-ups this time: 0.65 s/rep
    events = [Start(at(0)), Reps(at(30), slot=0, n=50)]
    state = fold(plan, events)
    assert plan.slots[0].exercise == "sit-up"
    state = fold(plan, [*events, *one_set_per_slot(plan, 60)[2:], Finish(at(400))])
    assert result(state).unverified_why == (
        "Sit-ups: 50 reps in 30.0 s is faster than the plausible 32.5 s",
    )


# ---------------------------------------------------------------------------
# Scaled: an easier exercise or fewer reps, recorded as such.


def test_as_prescribed_plan_is_not_scaled() -> None:
    plan = runners()
    assert not plan.scaled
    assert plan.scaled_how() == ()
    assert [slot.exercise for slot in plan.slots] == [
        "mountain-climber",
        "calf-raise",
        "donkey-kick",
        "squat-to-curl",
        "back-extension",
    ]


def test_swap_to_an_easier_alternative_is_scaled() -> None:
    plan = runners(swaps={"core": "incline-mountain-climber"})
    assert plan.scaled
    assert plan.slots[0].exercise_name == "Incline mountain climbers"
    assert plan.slots[0].prescribed_exercise == "mountain-climber"
    assert plan.scaled_how() == ("core: Incline mountain climbers instead of Mountain climbers",)
    outcome = result(fold(plan, [*one_set_per_slot(plan, 60), Finish(at(301))]))
    assert outcome.scaled
    assert outcome.scaled_how == plan.scaled_how()


def test_fewer_reps_is_scaled_and_lowers_the_target() -> None:
    plan = runners(reps={"calves": 30, "back": 25})
    assert plan.scaled
    assert plan.reps_target == 205
    assert plan.scaled_how() == ("calves: 30 of 50 reps", "back: 25 of 50 reps")
    outcome = result(fold(plan, [*one_set_per_slot(plan, 60), Finish(at(301))]))
    assert outcome.reps_total == 205
    assert outcome.scaled_how == ("calves: 30 of 50 reps", "back: 25 of 50 reps")


def test_swap_and_fewer_reps_in_one_slot_both_show() -> None:
    plan = runners(swaps={"calves": "seated-calf-raise"}, reps={"calves": 40})
    assert plan.scaled_how() == (
        "calves: Seated calf raises instead of Calf raises",
        "calves: 40 of 50 reps",
    )


def test_swap_follows_the_rotation() -> None:
    plan = runners(last_done={"core": "mountain-climber"}, swaps={"core": "crunch"})
    assert plan.scaled_how() == ("core: Crunches instead of Sit-ups",)
    with pytest.raises(PlanError, match="incline-mountain-climber is not an easier alternative"):
        runners(last_done={"core": "mountain-climber"}, swaps={"core": "incline-mountain-climber"})


def test_swap_to_the_prescribed_exercise_is_not_scaled() -> None:
    assert not runners(swaps={"calves": "calf-raise"}, reps={"calves": 50}).scaled


@pytest.mark.parametrize(
    ("swap", "message"),
    [
        (
            "sit-up",
            "sit-up is not an easier alternative to calf-raise (allowed: seated-calf-raise)",
        ),
        (
            "single-leg-calf-raise",
            "single-leg-calf-raise is not an easier alternative to calf-raise "
            "(allowed: seated-calf-raise)",
        ),
    ],
)
def test_swap_to_a_non_alternative_is_refused(swap: str, message: str) -> None:
    with pytest.raises(PlanError, match=re.escape(message)):
        runners(swaps={"calves": swap})


@pytest.mark.parametrize("count", [51, 0, -10])
def test_reps_outside_the_prescription_are_refused(count: int) -> None:
    with pytest.raises(
        PlanError, match=re.escape(f"calves: reps must be between 1 and 50, not {count}")
    ):
        runners(reps={"calves": count})


def test_reps_for_the_500_may_go_up_to_its_prescription() -> None:
    assert runners("runners-500", reps={"calves": 100}).reps_target == 500
    with pytest.raises(PlanError, match="between 1 and 100, not 101"):
        runners("runners-500", reps={"calves": 101})


@pytest.mark.parametrize(
    "choice",
    [{"swaps": {"arms": "crunch"}}, {"reps": {"arms": 10}}],
)
def test_unknown_slot_keys_are_refused(choice: dict[str, Any]) -> None:
    with pytest.raises(PlanError, match="Runner's 250 has no slot named arms"):
        runners(**choice)


def test_plan_round_trips_through_a_dict() -> None:
    plan = runners(swaps={"core": "incline-mountain-climber"}, reps={"hips": 20})
    assert SessionPlan.from_dict(plan.to_dict()) == plan


def test_plan_stored_before_prescribed_names_still_loads() -> None:
    stored = runners(swaps={"core": "incline-mountain-climber"}).to_dict()
    for slot in stored["slots"]:
        del slot["prescribed_exercise_name"]
    plan = SessionPlan.from_dict(stored)
    assert plan.scaled_how() == ("core: Incline mountain climbers instead of mountain-climber",)


# ---------------------------------------------------------------------------
# Rotation.


def test_rotation_moves_on_to_the_next_exercise() -> None:
    pool = ("mountain-climber", "sit-up")
    assert rotation_next(pool, "mountain-climber") == "sit-up"


def test_rotation_wraps_round() -> None:
    assert rotation_next(("a", "b", "c"), "c") == "a"
    assert rotation_next(("mountain-climber", "sit-up"), "sit-up") == "mountain-climber"


@pytest.mark.parametrize("last_done", [None, "crunch"])
def test_rotation_starts_at_the_first_when_nothing_known(last_done: str | None) -> None:
    assert rotation_next(("mountain-climber", "sit-up"), last_done) == "mountain-climber"


def test_rotation_of_an_empty_pool_is_an_error() -> None:
    with pytest.raises(ValueError, match="a rotation pool cannot be empty"):
        rotation_next((), None)


def test_plan_rotation_picks_per_athlete() -> None:
    assert runners(last_done={"core": "sit-up"}).slots[0].exercise == "mountain-climber"
    assert runners(last_done={"core": "mountain-climber"}).slots[0].exercise == "sit-up"
    assert runners(last_done={"core": None}).slots[0].exercise == "mountain-climber"


# ---------------------------------------------------------------------------
# Events from untrusted JSON.


@pytest.mark.parametrize(
    "event",
    [Start(T0), Reps(T0, slot=2, n=25), Undo(T0), Pause(T0), Resume(T0), Finish(T0), Abandon(T0)],
)
def test_every_event_round_trips_through_a_dict(event: Event) -> None:
    assert event_from_dict(event.to_dict()) == event


def test_reps_event_dict_has_stable_names() -> None:
    assert Reps(T0, slot=1, n=10).to_dict() == {"type": "reps", "at": T0, "slot": 1, "n": 10}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "skip", "at": T0}, "unknown event type 'skip' (expected one of: abandon, "
         "finish, pause, reps, resume, start, undo)"),
        ({"at": T0}, "unknown event type None"),
        ({"type": 5, "at": T0}, "unknown event type 5"),
        ({"type": "reps", "at": T0, "slot": 0}, "reps event needs an integer 'n'"),
        ({"type": "start"}, "start event needs an integer 'at'"),
        ({"type": "start", "at": T0, "slot": 0}, "start event has unexpected field(s): slot"),
        ({"type": "reps", "at": T0, "slot": 0, "n": 5, "x": 1, "a": 2},
         "reps event has unexpected field(s): a, x"),
        ({"type": "start", "at": T0, 1: 2, "z": 3}, "start event has unexpected field(s): 1, z"),
        ({"type": "reps", "at": T0, "slot": 0, "n": True}, "reps event needs an integer 'n'"),
        ({"type": "start", "at": False}, "start event needs an integer 'at'"),
        ({"type": "reps", "at": T0, "slot": 0, "n": 5.0}, "reps event needs an integer 'n'"),
        ({"type": "start", "at": 1.7e12}, "start event needs an integer 'at'"),
        ({"type": "reps", "at": T0, "slot": "0", "n": 5}, "reps event needs an integer 'slot'"),
        ({"type": "start", "at": str(T0)}, "start event needs an integer 'at'"),
        ({"type": "start", "at": None}, "start event needs an integer 'at'"),
        ({"type": "start", "at": -1}, "event time 'at' must be milliseconds since 1970"),
        ({"type": "start", "at": 10**16}, "event time 'at' must be milliseconds since 1970"),
    ],
)  # fmt: skip
def test_event_from_dict_rejects_bad_data(data: dict[Any, Any], message: str) -> None:
    with pytest.raises(EventError, match=re.escape(message)):
        event_from_dict(data)


@pytest.mark.parametrize("data", [None, [], "start", 5])
def test_event_from_dict_rejects_non_objects(data: Any) -> None:
    with pytest.raises(EventError, match="an event must be an object"):
        event_from_dict(data)


def test_event_from_dict_accepts_the_first_millisecond() -> None:
    assert event_from_dict({"type": "start", "at": 0}) == Start(0)


def test_event_from_dict_leaves_range_checks_to_the_fold() -> None:
    # A negative count is well-formed JSON for a reps event; the fold refuses it
    # with the message the athlete needs.
    event = event_from_dict({"type": "reps", "at": T0, "slot": 0, "n": -3})
    with pytest.raises(EventError, match="reps must be a positive number, not -3"):
        apply(fold(runners(), [Start(T0)]), event)
