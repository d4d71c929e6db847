"""The session engine: a workout attempt is a list of events, folded into state.

Pure Python, no Django: the CLI, the server and the tests all fold the same
way, and the browser runs a line-for-line mirror of this module (kept in step
by the shared test vectors under ``tests/vectors/engine``).

Timestamps are the client's, in integer milliseconds since the Unix epoch.
Everything the result reports is derived from them, never from counting ticks.

Vocabulary
----------
*elapsed*  wall time from ``start`` to the end of the workout.
*paused*   time spent between ``pause`` and ``resume``.
*total*    the score: elapsed minus paused.
*split*    time working on one slot (excluding the rest before it).
*rest*     time between finishing one slot and starting the next. Only the
           end of each set is timestamped, so the start of a slot's first set
           is estimated from the pace of that slot's later sets; a slot done
           in one set has no measurable rest before it. By construction
           ``sum(splits) + sum(rests) + paused == elapsed``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

# ---------------------------------------------------------------------------
# The plan a session is folded against.


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """One slot as this session does it (after rotation and scaling)."""

    key: str
    exercise: str  # slug of the exercise actually done
    exercise_name: str
    reps: int  # target for this session
    floor_seconds_per_rep: float
    prescribed_exercise: str  # what the program asks for (differs when swapped)
    prescribed_reps: int
    # Defaulted so plans stored before this field existed still load.
    prescribed_exercise_name: str = ""

    @property
    def swapped(self) -> bool:
        return self.exercise != self.prescribed_exercise

    @property
    def scaled(self) -> bool:
        return self.swapped or self.reps < self.prescribed_reps


@dataclass(frozen=True, slots=True)
class SessionPlan:
    program: str
    slots: tuple[SlotPlan, ...]
    time_cap_ms: int | None = None

    def __post_init__(self) -> None:
        if not self.slots:
            raise ValueError("a session plan needs at least one slot")

    @property
    def reps_target(self) -> int:
        return sum(slot.reps for slot in self.slots)

    @property
    def scaled(self) -> bool:
        return any(slot.scaled for slot in self.slots)

    def scaled_how(self) -> tuple[str, ...]:
        """Plain-language notes on what differs from the prescription."""
        notes: list[str] = []
        for slot in self.slots:
            if slot.swapped:
                instead_of = slot.prescribed_exercise_name or slot.prescribed_exercise
                notes.append(f"{slot.key}: {slot.exercise_name} instead of {instead_of}")
            if slot.reps < slot.prescribed_reps:
                notes.append(f"{slot.key}: {slot.reps} of {slot.prescribed_reps} reps")
        return tuple(notes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "time_cap_ms": self.time_cap_ms,
            "slots": [dataclasses.asdict(slot) for slot in self.slots],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionPlan:
        return cls(
            program=str(data["program"]),
            time_cap_ms=data.get("time_cap_ms"),
            slots=tuple(SlotPlan(**slot) for slot in data["slots"]),
        )


# ---------------------------------------------------------------------------
# Events: small dataclasses with stable names, looked up through a registry.

EVENT_TYPES: dict[str, type[Event]] = {}


_E = TypeVar("_E", bound="type[Event]")


def _register(cls: _E) -> _E:
    EVENT_TYPES[cls.kind] = cls
    return cls


class EventError(ValueError):
    """An event that cannot apply to the session as it stands."""


@dataclass(frozen=True, slots=True)
class Event:
    kind: ClassVar[str] = ""
    at: int  # client time, ms since the epoch

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, **dataclasses.asdict(self)}


@_register
@dataclass(frozen=True, slots=True)
class Start(Event):
    kind: ClassVar[str] = "start"


@_register
@dataclass(frozen=True, slots=True)
class Reps(Event):
    """``n`` reps of slot ``slot`` (0-based position in the plan) were done."""

    kind: ClassVar[str] = "reps"
    slot: int
    n: int


@_register
@dataclass(frozen=True, slots=True)
class Undo(Event):
    """Take back the most recent set that is still standing."""

    kind: ClassVar[str] = "undo"


@_register
@dataclass(frozen=True, slots=True)
class Pause(Event):
    kind: ClassVar[str] = "pause"


@_register
@dataclass(frozen=True, slots=True)
class Resume(Event):
    kind: ClassVar[str] = "resume"


@_register
@dataclass(frozen=True, slots=True)
class Finish(Event):
    kind: ClassVar[str] = "finish"


@_register
@dataclass(frozen=True, slots=True)
class Abandon(Event):
    kind: ClassVar[str] = "abandon"


MAX_TIMESTAMP_MS = 253402300799999  # 9999-12-31, far beyond any real clock


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Build an event from untrusted JSON-like data, or raise EventError."""
    if not isinstance(data, Mapping):
        raise EventError("an event must be an object")
    kind = data.get("type")
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(sorted(EVENT_TYPES))
        raise EventError(f"unknown event type {kind!r} (expected one of: {known})")
    names = [f.name for f in dataclasses.fields(cls)]
    # str(): hostile input may mix key types, which sorted() cannot compare.
    extra = sorted(str(key) for key in set(data) - {"type", *names})
    if extra:
        raise EventError(f"{kind} event has unexpected field(s): {', '.join(extra)}")
    values: dict[str, int] = {}
    for name in names:
        value = data.get(name)
        # bool is an int subclass in Python; true/false are not numbers here.
        if not isinstance(value, int) or isinstance(value, bool):
            raise EventError(f"{kind} event needs an integer {name!r}")
        values[name] = value
    if not 0 <= values["at"] <= MAX_TIMESTAMP_MS:
        raise EventError("event time 'at' must be milliseconds since 1970")
    return cls(**values)


# ---------------------------------------------------------------------------
# State.


class Status(StrEnum):
    READY = "ready"  # no start yet
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETE = "complete"  # every rep done, waiting for finish
    FINISHED = "finished"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class LoggedSet:
    slot: int
    n: int
    at: int


@dataclass(frozen=True, slots=True)
class State:
    plan: SessionPlan
    status: Status = Status.READY
    started_at: int | None = None
    last_at: int | None = None  # latest timestamp seen, to reject time going backwards
    sets: tuple[LoggedSet, ...] = ()
    pauses: tuple[tuple[int, int | None], ...] = ()  # (paused_at, resumed_at or None)
    ended_at: int | None = None  # when the work ended (last rep, time cap, or abandon)
    capped: bool = False

    # -- derived views, all cheap -------------------------------------------------

    @property
    def reps_done(self) -> tuple[int, ...]:
        done = [0] * len(self.plan.slots)
        for logged in self.sets:
            done[logged.slot] += logged.n
        return tuple(done)

    @property
    def reps_total(self) -> int:
        return sum(logged.n for logged in self.sets)

    @property
    def current_slot(self) -> int | None:
        """Position of the slot being worked on; None once every rep is done."""
        for position, (done, slot) in enumerate(zip(self.reps_done, self.plan.slots, strict=True)):
            if done < slot.reps:
                return position
        return None

    @property
    def reps_left_in_slot(self) -> int:
        current = self.current_slot
        if current is None:
            return 0
        return self.plan.slots[current].reps - self.reps_done[current]

    @property
    def reps_left(self) -> int:
        return self.plan.reps_target - self.reps_total

    @property
    def paused_now(self) -> bool:
        return self.status is Status.PAUSED

    def paused_ms(self, now: int | None = None) -> int:
        """Time spent paused; an open pause counts up to ``now``."""
        total = 0
        for paused_at, resumed_at in self.pauses:
            if resumed_at is not None:
                total += resumed_at - paused_at
            elif now is not None:
                total += max(0, now - paused_at)
        return total

    def active_ms(self, now: int) -> int:
        """The running clock: time since start, less pauses, stopped at the end.

        Only the part of each pause before ``now`` counts, so a ``now`` earlier
        than the latest event (another device's clock) still reads sensibly.
        """
        if self.started_at is None:
            return 0
        end = max(now, self.started_at)
        if self.ended_at is not None:
            end = min(end, self.ended_at)
        return end - self.started_at - _overlap(self.started_at, end, self.pauses)

    def cap_at(self) -> int | None:
        """The wall time at which the time cap falls, given the pauses so far."""
        if self.plan.time_cap_ms is None or self.started_at is None:
            return None
        if self.status is Status.PAUSED:
            return None  # the cap moves while paused
        return self.started_at + self.plan.time_cap_ms + self.paused_ms()

    def to_dict(self, now: int | None = None) -> dict[str, Any]:
        """A JSON view for displays and the API."""
        return {
            "status": str(self.status),
            "started_at": self.started_at,
            "current_slot": self.current_slot,
            "reps_done": list(self.reps_done),
            "reps_left": self.reps_left,
            "reps_left_in_slot": self.reps_left_in_slot,
            "active_ms": self.active_ms(now) if now is not None else None,
            "paused_ms": self.paused_ms(now),
            "capped": self.capped,
            "can_undo": bool(self.sets) and self.status not in _CLOSED,
        }


_CLOSED = (Status.FINISHED, Status.ABANDONED)


# ---------------------------------------------------------------------------
# The fold.


def apply(state: State, event: Event) -> State:
    """Apply one event; raise EventError, leaving ``state`` untouched, if it cannot."""
    if state.last_at is not None and event.at < state.last_at:
        raise EventError(
            f"{event.kind} at {event.at} is earlier than the previous event ({state.last_at}): "
            "timestamps must not go backwards"
        )
    if state.status in _CLOSED:
        raise EventError(f"the session is already {state.status}; no more events")
    handler = _HANDLERS[type(event)]
    new_state = handler(state, event)
    return dataclasses.replace(new_state, last_at=event.at)


def fold(plan: SessionPlan, events: Iterable[Event]) -> State:
    state = State(plan=plan)
    for event in events:
        state = apply(state, event)
    return state


def _require_started(state: State, event: Event) -> None:
    if state.status is Status.READY:
        raise EventError(f"{event.kind} before start: start the session first")


def _check_cap(state: State, event: Event) -> None:
    cap_at = state.cap_at()
    if cap_at is not None and event.at > cap_at:
        minutes = (state.plan.time_cap_ms or 0) / 60000
        raise EventError(f"{event.kind} after the {minutes:g}-minute time cap: finish the session")


def _on_start(state: State, event: Event) -> State:
    if state.status is not Status.READY:
        raise EventError("the session has already started")
    return dataclasses.replace(state, status=Status.RUNNING, started_at=event.at)


def _on_reps(state: State, event: Event) -> State:
    assert isinstance(event, Reps)
    _require_started(state, event)
    if state.status is Status.PAUSED:
        raise EventError("the session is paused: resume before logging reps")
    if state.status is Status.COMPLETE:
        raise EventError("every rep is already done: finish the session")
    slots = state.plan.slots
    if not 0 <= event.slot < len(slots):
        raise EventError(f"unknown slot {event.slot}: this program has slots 0–{len(slots) - 1}")
    if event.n < 1:
        raise EventError(f"reps must be a positive number, not {event.n}")
    _check_cap(state, event)
    current = state.current_slot
    if event.slot != current:
        raise EventError(
            f"slot {event.slot} ({slots[event.slot].exercise_name}) is not the current slot; "
            f"slots are done in order and slot {current} "
            f"({slots[current or 0].exercise_name}) is next"
        )
    left = state.reps_left_in_slot
    if event.n > left:
        raise EventError(
            f"{event.n} reps is more than the {left} left of {slots[current].exercise_name}"
        )
    sets = (*state.sets, LoggedSet(slot=event.slot, n=event.n, at=event.at))
    new_state = dataclasses.replace(state, sets=sets)
    if new_state.current_slot is None:
        new_state = dataclasses.replace(new_state, status=Status.COMPLETE, ended_at=event.at)
    return new_state


def _on_undo(state: State, event: Event) -> State:
    _require_started(state, event)
    if not state.sets:
        raise EventError("nothing to undo")
    # Undoing the set that completed the workout reopens it.
    status = Status.RUNNING if state.status is Status.COMPLETE else state.status
    return dataclasses.replace(state, sets=state.sets[:-1], status=status, ended_at=None)


def _on_pause(state: State, event: Event) -> State:
    _require_started(state, event)
    if state.status is Status.PAUSED:
        raise EventError("the session is already paused")
    if state.status is Status.COMPLETE:
        raise EventError("every rep is done: finish instead of pausing")
    _check_cap(state, event)
    return dataclasses.replace(
        state, status=Status.PAUSED, pauses=(*state.pauses, (event.at, None))
    )


def _on_resume(state: State, event: Event) -> State:
    _require_started(state, event)
    if state.status is not Status.PAUSED:
        raise EventError("resume without pause: the session is not paused")
    paused_at, _ = state.pauses[-1]
    return dataclasses.replace(
        state, status=Status.RUNNING, pauses=(*state.pauses[:-1], (paused_at, event.at))
    )


def _on_finish(state: State, event: Event) -> State:
    _require_started(state, event)
    if state.status is Status.COMPLETE:
        return dataclasses.replace(state, status=Status.FINISHED)
    cap_at = state.cap_at()
    if cap_at is not None and event.at >= cap_at:
        return dataclasses.replace(state, status=Status.FINISHED, ended_at=cap_at, capped=True)
    raise EventError(
        f"{state.reps_left} reps are still to do: finish needs every rep done"
        + (" or the time cap passed" if state.plan.time_cap_ms else "")
        + "; abandon the session to stop early"
    )


def _on_abandon(state: State, event: Event) -> State:
    # The clock stops here (unless the work had already ended).
    ended_at = state.ended_at if state.ended_at is not None else event.at
    return dataclasses.replace(state, status=Status.ABANDONED, ended_at=ended_at)


_HANDLERS = {
    Start: _on_start,
    Reps: _on_reps,
    Undo: _on_undo,
    Pause: _on_pause,
    Resume: _on_resume,
    Finish: _on_finish,
    Abandon: _on_abandon,
}


# ---------------------------------------------------------------------------
# Results.


@dataclass(frozen=True, slots=True)
class Result:
    total_ms: int
    elapsed_ms: int
    paused_ms: int
    splits_ms: tuple[int | None, ...]  # None for a slot never reached (capped)
    rests_ms: tuple[int, ...]  # rest before each slot
    reps_done: tuple[int, ...]
    reps_total: int
    reps_per_minute: float
    scaled: bool
    scaled_how: tuple[str, ...]
    capped: bool
    reps_at_cap: int | None
    unverified: bool
    unverified_why: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "splits_ms": list(self.splits_ms),
            "rests_ms": list(self.rests_ms),
            "reps_done": list(self.reps_done),
            "scaled_how": list(self.scaled_how),
            "unverified_why": list(self.unverified_why),
        }


def _overlap(start: int, end: int, pauses: Sequence[tuple[int, int | None]]) -> int:
    """Milliseconds of [start, end] that fall inside a pause."""
    total = 0
    for paused_at, resumed_at in pauses:
        stop = end if resumed_at is None else resumed_at
        total += max(0, min(end, stop) - max(start, paused_at))
    return total


# Rounding is spelled out rather than left to round() or format(): Python
# rounds halves to even, JavaScript's Math.round and toFixed round them up, and
# the browser's mirror of this fold must produce the same numbers and text.


def _round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves up (denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _seconds_text(ms: float) -> str:
    """Milliseconds as seconds with one decimal, halves up: 12250 -> "12.3"."""
    tenths = math.floor(ms / 100 + 0.5)
    return f"{tenths // 10}.{tenths % 10}"


def result(state: State) -> Result:
    """The result of a finished session; raise EventError if it is not finished."""
    if state.status is not Status.FINISHED:
        raise EventError(f"the session is {state.status}: only a finished session has a result")
    assert state.started_at is not None and state.ended_at is not None
    plan = state.plan
    start, end = state.started_at, state.ended_at
    pauses = state.pauses
    reps_done = state.reps_done

    splits: list[int | None] = []
    rests: list[int] = []
    previous_end = start
    for position, slot in enumerate(plan.slots):
        slot_sets = [logged for logged in state.sets if logged.slot == position]
        if previous_end >= end and not slot_sets:
            splits.append(None)  # never reached before the cap
            rests.append(0)
            continue
        slot_end = slot_sets[-1].at if reps_done[position] >= slot.reps else end
        work_start = previous_end
        if len(slot_sets) >= 2:
            # Estimate when the first set began from the pace of the later ones.
            first = slot_sets[0]
            later_reps = reps_done[position] - first.n
            later_ms = (slot_sets[-1].at - first.at) - _overlap(first.at, slot_sets[-1].at, pauses)
            estimate = first.at - _round_half_up(first.n * later_ms, later_reps)
            work_start = min(max(previous_end, estimate), first.at)
        rests.append((work_start - previous_end) - _overlap(previous_end, work_start, pauses))
        splits.append((slot_end - work_start) - _overlap(work_start, slot_end, pauses))
        previous_end = slot_end

    elapsed = end - start
    paused = _overlap(start, end, pauses)
    total = elapsed - paused
    reps_total = state.reps_total

    why: list[str] = []
    for position, slot in enumerate(plan.slots):
        floor_ms = reps_done[position] * slot.floor_seconds_per_rep * 1000
        spent = (splits[position] or 0) + rests[position]
        if reps_done[position] and spent < floor_ms:
            why.append(
                f"{slot.exercise_name}: {reps_done[position]} reps in {_seconds_text(spent)} s "
                f"is faster than the plausible {_seconds_text(floor_ms)} s"
            )

    return Result(
        total_ms=total,
        elapsed_ms=elapsed,
        paused_ms=paused,
        splits_ms=tuple(splits),
        rests_ms=tuple(rests),
        reps_done=reps_done,
        reps_total=reps_total,
        reps_per_minute=_round_half_up(reps_total * 600_000, total) / 10 if total > 0 else 0.0,
        scaled=plan.scaled,
        scaled_how=plan.scaled_how(),
        capped=state.capped,
        reps_at_cap=reps_total if state.capped else None,
        unverified=bool(why),
        unverified_why=tuple(why),
    )


# ---------------------------------------------------------------------------
# Rotation.


def rotation_next(pool: Sequence[str], last_done: str | None) -> str:
    """The exercise after ``last_done`` in ``pool``, wrapping round; the first if none."""
    if not pool:
        raise ValueError("a rotation pool cannot be empty")
    if last_done is None or last_done not in pool:
        return pool[0]
    return pool[(list(pool).index(last_done) + 1) % len(pool)]
