// The session engine in the browser: a line-for-line mirror of
// src/runstrong/workouts/engine.py (read that module's docstring first).
//
// The page uses it to show the state the instant a tap is stored; the server
// folds the same events with the Python engine and its result is the record.
// Both folds run the shared vectors in tests/vectors/engine/, so a change to
// one without the other fails a test. Names follow the Python module in
// camelCase (started_at -> startedAt); the dictionaries handed to and from the
// server (plans, events, stateToDict, resultToDict) keep Python's snake_case
// keys so they compare one to one.
//
// Timestamps are integer milliseconds since the epoch. They stay below 2**53,
// so plain numbers are exact; the one product that can exceed that (in the
// split estimate) is computed with BigInt, as Python's integers would.

// ---------------------------------------------------------------------------
// The plan a session is folded against.

export function slotSwapped(slot) {
  return slot.exercise !== slot.prescribed_exercise;
}

export function slotScaled(slot) {
  return slotSwapped(slot) || slot.reps < slot.prescribed_reps;
}

/** A SessionPlan from its dictionary (SessionPlan.from_dict). */
export function planFromDict(data) {
  const slots = data.slots.map((slot) =>
    Object.freeze({
      key: String(slot.key),
      exercise: String(slot.exercise),
      exercise_name: String(slot.exercise_name),
      reps: slot.reps,
      floor_seconds_per_rep: slot.floor_seconds_per_rep,
      prescribed_exercise: String(slot.prescribed_exercise),
      prescribed_reps: slot.prescribed_reps,
      // Defaulted so plans stored before this field existed still load.
      prescribed_exercise_name: slot.prescribed_exercise_name ?? "",
    }),
  );
  if (slots.length === 0) {
    throw new Error("a session plan needs at least one slot");
  }
  return Object.freeze({
    program: String(data.program),
    time_cap_ms: data.time_cap_ms ?? null,
    slots: Object.freeze(slots),
  });
}

export function planRepsTarget(plan) {
  return plan.slots.reduce((sum, slot) => sum + slot.reps, 0);
}

export function planScaled(plan) {
  return plan.slots.some(slotScaled);
}

/** Plain-language notes on what differs from the prescription. */
export function planScaledHow(plan) {
  const notes = [];
  for (const slot of plan.slots) {
    if (slotSwapped(slot)) {
      const insteadOf = slot.prescribed_exercise_name || slot.prescribed_exercise;
      notes.push(`${slot.key}: ${slot.exercise_name} instead of ${insteadOf}`);
    }
    if (slot.reps < slot.prescribed_reps) {
      notes.push(`${slot.key}: ${slot.reps} of ${slot.prescribed_reps} reps`);
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------
// Events: small objects with stable type names, checked against a registry.

/** An event that cannot apply to the session as it stands. */
export class EventError extends Error {
  constructor(message) {
    super(message);
    this.name = "EventError";
  }
}

// Each type's fields in the dataclass's order ("at" comes from the base class).
// A Map, not an object: "constructor" or "__proto__" must not look like a type.
export const EVENT_TYPES = new Map([
  ["start", ["at"]],
  ["reps", ["at", "slot", "n"]],
  ["undo", ["at"]],
  ["pause", ["at"]],
  ["resume", ["at"]],
  ["finish", ["at"]],
  ["abandon", ["at"]],
]);

export const MAX_TIMESTAMP_MS = 253402300799999; // 9999-12-31, far beyond any real clock

/** Python's repr() of a JSON value, so error messages read the same in both folds. */
function pyRepr(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`);
    return `${quote}${escaped}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  const items = Object.entries(value).map(([key, item]) => `${pyRepr(key)}: ${pyRepr(item)}`);
  return `{${items.join(", ")}}`;
}

function isMapping(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Build an event from untrusted JSON-like data, or throw EventError. */
export function eventFromDict(data) {
  if (!isMapping(data)) {
    throw new EventError("an event must be an object");
  }
  const kind = data.type;
  const names = typeof kind === "string" ? EVENT_TYPES.get(kind) : undefined;
  if (names === undefined) {
    const known = [...EVENT_TYPES.keys()].sort().join(", ");
    throw new EventError(`unknown event type ${pyRepr(kind)} (expected one of: ${known})`);
  }
  const extra = Object.keys(data)
    .filter((key) => key !== "type" && !names.includes(key))
    .sort();
  if (extra.length) {
    throw new EventError(`${kind} event has unexpected field(s): ${extra.join(", ")}`);
  }
  const event = { type: kind };
  for (const name of names) {
    const value = data[name];
    // JSON true/false are not numbers here, as in Python.
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new EventError(`${kind} event needs an integer '${name}'`);
    }
    event[name] = value;
  }
  if (!(event.at >= 0 && event.at <= MAX_TIMESTAMP_MS)) {
    throw new EventError("event time 'at' must be milliseconds since 1970");
  }
  return Object.freeze(event);
}

// ---------------------------------------------------------------------------
// State.

export const Status = Object.freeze({
  READY: "ready", // no start yet
  RUNNING: "running",
  PAUSED: "paused",
  COMPLETE: "complete", // every rep done, waiting for finish
  FINISHED: "finished",
  ABANDONED: "abandoned",
});

const CLOSED = [Status.FINISHED, Status.ABANDONED];

export function isClosed(state) {
  return CLOSED.includes(state.status);
}

export function initialState(plan) {
  return Object.freeze({
    plan,
    status: Status.READY,
    startedAt: null,
    lastAt: null, // latest timestamp seen, to reject time going backwards
    sets: Object.freeze([]), // [{slot, n, at}]
    pauses: Object.freeze([]), // [[pausedAt, resumedAt or null]]
    endedAt: null, // when the work ended (last rep, time cap, or abandon)
    capped: false,
  });
}

function replace(state, changes) {
  return Object.freeze({ ...state, ...changes });
}

// -- derived views, all cheap -------------------------------------------------

export function repsDone(state) {
  const done = state.plan.slots.map(() => 0);
  for (const logged of state.sets) {
    done[logged.slot] += logged.n;
  }
  return done;
}

export function repsTotal(state) {
  return state.sets.reduce((sum, logged) => sum + logged.n, 0);
}

/** Position of the slot being worked on; null once every rep is done. */
export function currentSlot(state) {
  const done = repsDone(state);
  for (let position = 0; position < state.plan.slots.length; position += 1) {
    if (done[position] < state.plan.slots[position].reps) {
      return position;
    }
  }
  return null;
}

export function repsLeftInSlot(state) {
  const current = currentSlot(state);
  if (current === null) {
    return 0;
  }
  return state.plan.slots[current].reps - repsDone(state)[current];
}

export function repsLeft(state) {
  return planRepsTarget(state.plan) - repsTotal(state);
}

/** Time spent paused; an open pause counts up to `now` (when given). */
export function pausedMs(state, now = null) {
  let total = 0;
  for (const [pausedAt, resumedAt] of state.pauses) {
    if (resumedAt !== null) {
      total += resumedAt - pausedAt;
    } else if (now !== null) {
      total += Math.max(0, now - pausedAt);
    }
  }
  return total;
}

/**
 * The running clock: time since start, less pauses, stopped at the end.
 *
 * Only the part of each pause before `now` counts, so a `now` earlier than the
 * latest event (another device's clock) still reads sensibly.
 */
export function activeMs(state, now) {
  if (state.startedAt === null) {
    return 0;
  }
  let end = Math.max(now, state.startedAt);
  if (state.endedAt !== null) {
    end = Math.min(end, state.endedAt);
  }
  return end - state.startedAt - overlap(state.startedAt, end, state.pauses);
}

/** The wall time at which the time cap falls, given the pauses so far. */
export function capAt(state) {
  if (state.plan.time_cap_ms === null || state.startedAt === null) {
    return null;
  }
  if (state.status === Status.PAUSED) {
    return null; // the cap moves while paused
  }
  return state.startedAt + state.plan.time_cap_ms + pausedMs(state);
}

/** A JSON view for displays and the API (State.to_dict). */
export function stateToDict(state, now = null) {
  return {
    status: state.status,
    started_at: state.startedAt,
    current_slot: currentSlot(state),
    reps_done: repsDone(state),
    reps_left: repsLeft(state),
    reps_left_in_slot: repsLeftInSlot(state),
    active_ms: now !== null ? activeMs(state, now) : null,
    paused_ms: pausedMs(state, now),
    capped: state.capped,
    can_undo: state.sets.length > 0 && !CLOSED.includes(state.status),
  };
}

// ---------------------------------------------------------------------------
// The fold.

/** Apply one event; throw EventError, leaving `state` untouched, if it cannot. */
export function apply(state, event) {
  if (state.lastAt !== null && event.at < state.lastAt) {
    throw new EventError(
      `${event.type} at ${event.at} is earlier than the previous event (${state.lastAt}): ` +
        "timestamps must not go backwards",
    );
  }
  if (CLOSED.includes(state.status)) {
    throw new EventError(`the session is already ${state.status}; no more events`);
  }
  const handler = HANDLERS[event.type];
  const newState = handler(state, event);
  return replace(newState, { lastAt: event.at });
}

export function fold(plan, events) {
  let state = initialState(plan);
  for (const event of events) {
    state = apply(state, event);
  }
  return state;
}

function requireStarted(state, event) {
  if (state.status === Status.READY) {
    throw new EventError(`${event.type} before start: start the session first`);
  }
}

/** Python's format(x, "g"): six significant digits, trailing zeros dropped. */
function formatG(value) {
  if (value === 0) return "0";
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, power] = value.toExponential(5).split("e");
    const digits = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
    const sign = power.startsWith("-") ? "-" : "+";
    return `${digits}e${sign}${power.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  const fixed = value.toPrecision(6);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

function checkCap(state, event) {
  const cap = capAt(state);
  if (cap !== null && event.at > cap) {
    const minutes = (state.plan.time_cap_ms || 0) / 60000;
    throw new EventError(
      `${event.type} after the ${formatG(minutes)}-minute time cap: finish the session`,
    );
  }
}

function pyStr(value) {
  return value === null ? "None" : String(value);
}

function onStart(state, event) {
  if (state.status !== Status.READY) {
    throw new EventError("the session has already started");
  }
  return replace(state, { status: Status.RUNNING, startedAt: event.at });
}

function onReps(state, event) {
  requireStarted(state, event);
  if (state.status === Status.PAUSED) {
    throw new EventError("the session is paused: resume before logging reps");
  }
  if (state.status === Status.COMPLETE) {
    throw new EventError("every rep is already done: finish the session");
  }
  const slots = state.plan.slots;
  if (!(event.slot >= 0 && event.slot < slots.length)) {
    throw new EventError(
      `unknown slot ${event.slot}: this program has slots 0–${slots.length - 1}`,
    );
  }
  if (event.n < 1) {
    throw new EventError(`reps must be a positive number, not ${event.n}`);
  }
  checkCap(state, event);
  const current = currentSlot(state);
  if (event.slot !== current) {
    throw new EventError(
      `slot ${event.slot} (${slots[event.slot].exercise_name}) is not the current slot; ` +
        `slots are done in order and slot ${pyStr(current)} ` +
        `(${slots[current ?? 0].exercise_name}) is next`,
    );
  }
  const left = repsLeftInSlot(state);
  if (event.n > left) {
    throw new EventError(
      `${event.n} reps is more than the ${left} left of ${slots[current].exercise_name}`,
    );
  }
  const sets = Object.freeze([
    ...state.sets,
    Object.freeze({ slot: event.slot, n: event.n, at: event.at }),
  ]);
  let newState = replace(state, { sets });
  if (currentSlot(newState) === null) {
    newState = replace(newState, { status: Status.COMPLETE, endedAt: event.at });
  }
  return newState;
}

function onUndo(state, event) {
  requireStarted(state, event);
  if (state.sets.length === 0) {
    throw new EventError("nothing to undo");
  }
  // Undoing the set that completed the workout reopens it.
  const status = state.status === Status.COMPLETE ? Status.RUNNING : state.status;
  return replace(state, {
    sets: Object.freeze(state.sets.slice(0, -1)),
    status,
    endedAt: null,
  });
}

function onPause(state, event) {
  requireStarted(state, event);
  if (state.status === Status.PAUSED) {
    throw new EventError("the session is already paused");
  }
  if (state.status === Status.COMPLETE) {
    throw new EventError("every rep is done: finish instead of pausing");
  }
  checkCap(state, event);
  return replace(state, {
    status: Status.PAUSED,
    pauses: Object.freeze([...state.pauses, Object.freeze([event.at, null])]),
  });
}

function onResume(state, event) {
  requireStarted(state, event);
  if (state.status !== Status.PAUSED) {
    throw new EventError("resume without pause: the session is not paused");
  }
  const [pausedAt] = state.pauses[state.pauses.length - 1];
  return replace(state, {
    status: Status.RUNNING,
    pauses: Object.freeze([...state.pauses.slice(0, -1), Object.freeze([pausedAt, event.at])]),
  });
}

function onFinish(state, event) {
  requireStarted(state, event);
  if (state.status === Status.COMPLETE) {
    return replace(state, { status: Status.FINISHED });
  }
  const cap = capAt(state);
  if (cap !== null && event.at >= cap) {
    return replace(state, { status: Status.FINISHED, endedAt: cap, capped: true });
  }
  throw new EventError(
    `${repsLeft(state)} reps are still to do: finish needs every rep done` +
      (state.plan.time_cap_ms ? " or the time cap passed" : "") +
      "; abandon the session to stop early",
  );
}

function onAbandon(state, event) {
  // The clock stops here (unless the work had already ended).
  const endedAt = state.endedAt !== null ? state.endedAt : event.at;
  return replace(state, { status: Status.ABANDONED, endedAt });
}

const HANDLERS = {
  start: onStart,
  reps: onReps,
  undo: onUndo,
  pause: onPause,
  resume: onResume,
  finish: onFinish,
  abandon: onAbandon,
};

// ---------------------------------------------------------------------------
// Results.

/** Milliseconds of [start, end] that fall inside a pause. */
function overlap(start, end, pauses) {
  let total = 0;
  for (const [pausedAt, resumedAt] of pauses) {
    const stop = resumedAt === null ? end : resumedAt;
    total += Math.max(0, Math.min(end, stop) - Math.max(start, pausedAt));
  }
  return total;
}

// Rounding is spelled out, as in the Python module: halves go up in both.

/** numerator / denominator (BigInts) to the nearest integer, halves up (denominator > 0). */
function roundHalfUp(numerator, denominator) {
  const top = 2n * numerator + denominator;
  const bottom = 2n * denominator;
  let quotient = top / bottom; // BigInt division truncates; Python's // floors
  if (top % bottom !== 0n && top < 0n) {
    quotient -= 1n;
  }
  return Number(quotient);
}

/** Milliseconds as seconds with one decimal, halves up: 12250 -> "12.3". */
function secondsText(ms) {
  const tenths = Math.floor(ms / 100 + 0.5);
  const whole = Math.floor(tenths / 10);
  return `${whole}.${tenths - whole * 10}`;
}

/** The result of a finished session; throw EventError if it is not finished. */
export function result(state) {
  if (state.status !== Status.FINISHED) {
    throw new EventError(
      `the session is ${state.status}: only a finished session has a result`,
    );
  }
  const plan = state.plan;
  const start = state.startedAt;
  const end = state.endedAt;
  const pauses = state.pauses;
  const done = repsDone(state);

  const splits = [];
  const rests = [];
  let previousEnd = start;
  plan.slots.forEach((slot, position) => {
    const slotSets = state.sets.filter((logged) => logged.slot === position);
    if (previousEnd >= end && slotSets.length === 0) {
      splits.push(null); // never reached before the cap
      rests.push(0);
      return;
    }
    const slotEnd = done[position] >= slot.reps ? slotSets[slotSets.length - 1].at : end;
    let workStart = previousEnd;
    if (slotSets.length >= 2) {
      // Estimate when the first set began from the pace of the later ones.
      const first = slotSets[0];
      const last = slotSets[slotSets.length - 1];
      const laterReps = done[position] - first.n;
      const laterMs = last.at - first.at - overlap(first.at, last.at, pauses);
      const estimate =
        first.at - roundHalfUp(BigInt(first.n) * BigInt(laterMs), BigInt(laterReps));
      workStart = Math.min(Math.max(previousEnd, estimate), first.at);
    }
    rests.push(workStart - previousEnd - overlap(previousEnd, workStart, pauses));
    splits.push(slotEnd - workStart - overlap(workStart, slotEnd, pauses));
    previousEnd = slotEnd;
  });

  const elapsed = end - start;
  const paused = overlap(start, end, pauses);
  const total = elapsed - paused;
  const total_reps = repsTotal(state);

  const why = [];
  plan.slots.forEach((slot, position) => {
    const floorMs = done[position] * slot.floor_seconds_per_rep * 1000;
    const spent = (splits[position] || 0) + rests[position];
    if (done[position] && spent < floorMs) {
      why.push(
        `${slot.exercise_name}: ${done[position]} reps in ${secondsText(spent)} s ` +
          `is faster than the plausible ${secondsText(floorMs)} s`,
      );
    }
  });

  return {
    total_ms: total,
    elapsed_ms: elapsed,
    paused_ms: paused,
    splits_ms: splits,
    rests_ms: rests,
    reps_done: done,
    reps_total: total_reps,
    reps_per_minute:
      total > 0 ? roundHalfUp(BigInt(total_reps) * 600000n, BigInt(total)) / 10 : 0.0,
    scaled: planScaled(plan),
    scaled_how: planScaledHow(plan),
    capped: state.capped,
    reps_at_cap: state.capped ? total_reps : null,
    unverified: why.length > 0,
    unverified_why: why,
  };
}

// ---------------------------------------------------------------------------
// Rotation.

/** The exercise after `lastDone` in `pool`, wrapping round; the first if none. */
export function rotationNext(pool, lastDone) {
  if (pool.length === 0) {
    throw new Error("a rotation pool cannot be empty");
  }
  if (lastDone === null || lastDone === undefined || !pool.includes(lastDone)) {
    return pool[0];
  }
  return pool[(pool.indexOf(lastDone) + 1) % pool.length];
}
