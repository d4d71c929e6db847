"""Properties of the fold over event logs made by a simulated athlete.

The simulator below keeps its own small model of the session (reps done,
pauses, the time cap) and only ever emits events that are valid under the
rules in DESIGN §2, with random set sizes, gaps (including 0 ms), pauses,
undos and an optional time cap. The fold must agree with that model.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    fold,
    result,
)

# Enough examples to reach the corners (caps, undo of the last set, pauses at
# 0 ms), few enough that the whole file runs in a few seconds.
EXAMPLES = settings(max_examples=250, deadline=None)

GAPS = st.one_of(st.just(0), st.integers(0, 2_000), st.integers(0, 120_000))


@dataclass(frozen=True)
class Log:
    plan: SessionPlan
    events: tuple[Event, ...]
    standing: tuple[tuple[int, int], ...]  # (slot, n) of every set logged and not undone
    ending: str  # "finished", "capped", "abandoned" or "open"


@st.composite
def plans(draw: st.DrawFn) -> SessionPlan:
    reps = draw(st.lists(st.integers(1, 40), min_size=1, max_size=5))
    floors = draw(
        st.lists(
            st.sampled_from([0.0, 0.25, 0.4, 0.65, 1.0]), min_size=len(reps), max_size=len(reps)
        )
    )
    cap = draw(st.one_of(st.none(), st.integers(1_000, 20 * 60_000)))
    return SessionPlan(
        program="generated",
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
            for position, (count, floor) in enumerate(zip(reps, floors, strict=True))
        ),
        time_cap_ms=cap,
    )


class Athlete:
    """The simulator's own model of a session: what is allowed next."""

    def __init__(self, plan: SessionPlan, start: int) -> None:
        self.plan = plan
        self.start = start
        self.now = start
        self.events: list[Event] = [Start(start)]
        self.standing: list[tuple[int, int]] = []
        self.paused_total = 0
        self.paused_since: int | None = None

    def done(self, position: int) -> int:
        return sum(n for slot, n in self.standing if slot == position)

    def current(self) -> int | None:
        for position, slot in enumerate(self.plan.slots):
            if self.done(position) < slot.reps:
                return position
        return None

    def cap_passed(self) -> bool:
        if self.plan.time_cap_ms is None or self.paused_since is not None:
            return False
        return self.now > self.start + self.plan.time_cap_ms + self.paused_total

    def wait(self, gap: int) -> None:
        self.now += gap

    def reps(self, n: int) -> None:
        position = self.current()
        assert position is not None
        self.events.append(Reps(self.now, slot=position, n=n))
        self.standing.append((position, n))

    def undo(self) -> None:
        self.events.append(Undo(self.now))
        self.standing.pop()

    def pause(self) -> None:
        self.events.append(Pause(self.now))
        self.paused_since = self.now

    def resume(self) -> None:
        assert self.paused_since is not None
        self.events.append(Resume(self.now))
        self.paused_total += self.now - self.paused_since
        self.paused_since = None

    def choices(self) -> list[str]:
        options = ["undo"] if self.standing else []
        if self.paused_since is not None:
            return [*options, "resume", "resume"]
        if self.current() is None:
            return options  # every rep done: only undo, or finish at the end
        if not self.cap_passed():
            options += ["reps", "reps", "reps", "reps", "pause"]
        return options

    def log(self, ending: str) -> Log:
        return Log(self.plan, tuple(self.events), tuple(self.standing), ending)


@st.composite
def athlete_logs(draw: st.DrawFn, endings: tuple[str, ...] = ("finish", "abandon", "open")) -> Log:
    plan = draw(plans())
    athlete = Athlete(plan, start=draw(st.integers(0, 2_000_000_000_000)))
    for _ in range(draw(st.integers(0, 40))):
        athlete.wait(draw(GAPS))
        options = athlete.choices()
        if not options:
            break
        action = draw(st.sampled_from(options))
        if action == "reps":
            position = athlete.current()
            assert position is not None
            left = plan.slots[position].reps - athlete.done(position)
            athlete.reps(draw(st.one_of(st.integers(1, left), st.just(left))))
        else:
            getattr(athlete, action)()

    ending = draw(st.sampled_from(endings))
    if ending == "open":
        return athlete.log("open")
    if ending == "abandon":
        athlete.wait(draw(GAPS))
        athlete.events.append(Abandon(athlete.now))
        return athlete.log("abandoned")
    # Finish: do what is left in random sets, unless the cap comes first.
    if athlete.paused_since is not None:
        athlete.wait(draw(GAPS))
        athlete.resume()
    while (position := athlete.current()) is not None:
        athlete.wait(draw(GAPS))
        if athlete.cap_passed():
            break
        left = plan.slots[position].reps - athlete.done(position)
        athlete.reps(draw(st.one_of(st.integers(1, left), st.just(left))))
    athlete.wait(draw(GAPS))
    athlete.events.append(Finish(athlete.now))
    return athlete.log("finished" if athlete.current() is None else "capped")


def reps_by_slot(log: Log) -> tuple[int, ...]:
    done = [0] * len(log.plan.slots)
    for slot, n in log.standing:
        done[slot] += n
    return tuple(done)


# ---------------------------------------------------------------------------
# (a) reps: what was logged and not undone.


@EXAMPLES
@given(athlete_logs())
def test_reps_are_what_was_logged_and_not_undone(log: Log) -> None:
    state = fold(log.plan, log.events)
    assert state.reps_total == sum(n for _, n in log.standing)
    assert state.reps_done == reps_by_slot(log)
    assert state.reps_left == log.plan.reps_target - state.reps_total


@EXAMPLES
@given(athlete_logs(endings=("finish",)))
def test_finished_result_counts_every_rep_or_stops_at_the_cap(log: Log) -> None:
    state = fold(log.plan, log.events)
    assert state.status is Status.FINISHED
    outcome = result(state)
    assert outcome.reps_total == sum(outcome.reps_done) == state.reps_total
    assert outcome.reps_done == reps_by_slot(log)
    assert outcome.capped == (log.ending == "capped")
    if outcome.capped:
        assert outcome.reps_at_cap == outcome.reps_total
        assert outcome.total_ms == log.plan.time_cap_ms
    else:
        assert outcome.reps_total == log.plan.reps_target
        assert outcome.reps_at_cap is None


# ---------------------------------------------------------------------------
# (b) time: splits, rests and pauses add up to the elapsed time.


@EXAMPLES
@given(athlete_logs(endings=("finish",)))
def test_splits_rests_and_pauses_add_up_to_elapsed(log: Log) -> None:
    state = fold(log.plan, log.events)
    outcome = result(state)
    splits = [split for split in outcome.splits_ms if split is not None]
    assert sum(splits) + sum(outcome.rests_ms) + outcome.paused_ms == outcome.elapsed_ms
    assert outcome.total_ms == outcome.elapsed_ms - outcome.paused_ms
    assert all(split >= 0 for split in splits)
    assert all(rest >= 0 for rest in outcome.rests_ms)
    assert outcome.paused_ms >= 0
    # The stopped clock shows the score, however late it is read.
    assert state.ended_at is not None
    assert state.active_ms(state.ended_at) == outcome.total_ms
    assert state.active_ms(state.ended_at + 10**9) == outcome.total_ms
    # Every slot with reps has a split; a slot never reached has none.
    for done, split in zip(outcome.reps_done, outcome.splits_ms, strict=True):
        if done:
            assert split is not None
    reached = [split is not None for split in outcome.splits_ms]
    assert reached == sorted(reached, reverse=True)


# ---------------------------------------------------------------------------
# (c) prefixes: the log can be folded at any point and continued event by event.


@EXAMPLES
@given(athlete_logs(), st.data())
def test_any_prefix_folds_and_continues_to_the_same_state(log: Log, data: st.DataObject) -> None:
    whole = fold(log.plan, log.events)
    cut = data.draw(st.integers(0, len(log.events)), label="cut")
    state = fold(log.plan, log.events[:cut])
    assert state.to_dict(now=state.last_at)  # every intermediate state can be shown
    for event in log.events[cut:]:
        state = apply(state, event)
    assert state == whole


@EXAMPLES
@given(athlete_logs(), st.data())
def test_clock_never_runs_backwards_nor_ahead_of_the_wall(log: Log, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(log.events)), label="cut")
    state = fold(log.plan, log.events[:cut])
    start = log.events[0].at
    last = log.events[-1].at
    nows = sorted(
        data.draw(
            st.lists(st.integers(max(0, start - 60_000), last + 10**7), min_size=2, max_size=12),
            label="nows",
        )
    )
    clock = [state.active_ms(now) for now in nows]
    assert clock == sorted(clock)
    for now, active in zip(nows, clock, strict=True):
        assert 0 <= active <= max(0, now - start)


# ---------------------------------------------------------------------------
# (d) undo then the same set again: back where we were.


def states_with_a_set_to_redo(log: Log) -> list[State]:
    found = []
    state = State(plan=log.plan)
    for event in log.events:
        state = apply(state, event)
        cap_at = state.cap_at()
        if (
            state.status in (Status.RUNNING, Status.COMPLETE)
            and state.sets
            and (cap_at is None or state.last_at is None or state.last_at <= cap_at)
        ):
            found.append(state)
    return found


@EXAMPLES
@given(athlete_logs(), st.data())
def test_undo_then_the_same_set_again_gives_the_same_reps(log: Log, data: st.DataObject) -> None:
    candidates = states_with_a_set_to_redo(log)
    if not candidates:
        return
    state = data.draw(st.sampled_from(candidates), label="state")
    assert state.last_at is not None
    last_set = state.sets[-1]
    undone = apply(state, Undo(state.last_at))
    assert undone.reps_total == state.reps_total - last_set.n
    redone = apply(undone, Reps(state.last_at, slot=last_set.slot, n=last_set.n))
    assert redone.reps_done == state.reps_done
    assert redone.current_slot == state.current_slot
    assert redone.reps_left_in_slot == state.reps_left_in_slot
    assert redone.status == state.status


# ---------------------------------------------------------------------------
# Invalid events: refused, and the session goes on as if they never came.

CLOSED = (Status.FINISHED, Status.ABANDONED)


def every_kind(when: int) -> list[Event]:
    return [
        Start(when),
        Reps(when, slot=0, n=1),
        Undo(when),
        Pause(when),
        Resume(when),
        Finish(when),
        Abandon(when),
    ]


@st.composite
def invalid_next_events(draw: st.DrawFn, state: State) -> Event:
    """An event that cannot follow ``state``, by the rules of DESIGN §2."""
    plan = state.plan
    slot_count = len(plan.slots)
    last = state.last_at
    now = (last if last is not None else draw(st.integers(0, 10**12))) + draw(GAPS)
    candidates: list[Event] = []
    if last is not None and last > 0:
        candidates += every_kind(draw(st.integers(0, last - 1)))  # time going backwards
    if state.status in CLOSED:
        candidates += every_kind(now)
    elif state.status is Status.READY:
        candidates += [e for e in every_kind(now) if not isinstance(e, Start | Abandon)]
    else:
        current = state.current_slot
        candidates += [
            Start(now),
            Reps(now, slot=draw(st.one_of(st.integers(slot_count, 99), st.integers(-9, -1))), n=1),
            Reps(now, slot=current or 0, n=draw(st.integers(-9, 0))),
        ]
        if not state.sets:
            candidates.append(Undo(now))
        if state.status is Status.PAUSED:
            candidates += [Pause(now), Reps(now, slot=current or 0, n=1)]
        else:
            candidates.append(Resume(now))
        if state.status is Status.COMPLETE:
            candidates += [Reps(now, slot=slot_count - 1, n=1), Pause(now)]
        if state.status is Status.RUNNING:
            assert current is not None
            too_many = state.reps_left_in_slot + draw(st.integers(1, 50))
            candidates.append(Reps(now, slot=current, n=too_many))
            others = [position for position in range(slot_count) if position != current]
            if others:
                candidates.append(Reps(now, slot=draw(st.sampled_from(others)), n=1))
            cap_at = state.cap_at()
            if cap_at is not None and now > cap_at:
                candidates += [Reps(now, slot=current, n=1), Pause(now)]
            if cap_at is None or now < cap_at:
                candidates.append(Finish(now))  # reps left, cap not passed
    return draw(st.sampled_from(candidates))


@EXAMPLES
@given(athlete_logs(), st.data())
def test_invalid_event_is_refused_and_the_session_goes_on(log: Log, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(log.events)), label="cut")
    state = fold(log.plan, log.events[:cut])
    bad = data.draw(invalid_next_events(state), label="bad event")
    with pytest.raises(EventError, match=r"\w"):  # refused, with a message
        apply(state, bad)
    for event in log.events[cut:]:
        state = apply(state, event)
    assert state == fold(log.plan, log.events)
