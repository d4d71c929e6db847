// The live session page: wires the engine, the local log, the sync and the
// screen together. src/runstrong/workouts/live_session.md tells how the
// pieces fit.
//
// The rule every handler keeps: an action becomes events, the events are
// kept on the phone, and only then does the screen change. For a tap "kept"
// is the write-ahead journal (store.js, synchronous), with the IndexedDB
// write started right after the frame; every other action waits for IndexedDB.
// The state shown is the fold of the stored log plus the journalled taps
// IndexedDB has not confirmed yet, never a count kept on the side.

import * as engine from "./engine.js";
import {
  WakeLock, announce, hush, shortCue, signal, speak, spokenDuration, unlockAudio, unlockSpeech,
} from "./cues.js";
import { Journal, StaleLog, Store } from "./store.js";
import { Syncer } from "./sync.js";

const SET_SIZES = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50];
const PREFS = { setSize: "runstrong.setSize", leadIn: "runstrong.leadIn", voice: "runstrong.voice" };
// The voice is off until the athlete turns it on (1) on this device.
const DEFAULTS = { setSize: 10, leadIn: 3, voice: 0 };
const CLOCK_EVERY_MS = 200; // the clock is recomputed from timestamps, never counted
const NOTICE_MS = 8000;

// Where a finished workout is, as the done view says it (see saveState).
const SAVE_WORDS = {
  saved: "Saved to your history.",
  sending: "Saved on this phone; posting it to your history…",
  offline: "Saved on this phone. It will be posted to your history when the phone is back online.",
  retrying: "Saved on this phone. The server is not answering; it will be posted as soon as it does.",
  login: "Saved on this phone. Log in again in another tab to post it to your history.",
  refused: "Saved on this phone only: the server would not take it, so it cannot be posted.",
};
// Said to screen readers when the result reaches the server after a wait.
const POSTED_WORDS = "Posted to your history. See the full result from the link below.";

const $ = (id) => document.getElementById(id);

function setText(element, text) {
  // Changing the text node's data in place, rather than replacing the node,
  // is a smaller change for the browser: no node is removed or inserted, so
  // no selector that looks at children (the page's :has rule) is rechecked.
  const node = element.firstChild;
  if (node && node.nodeType === Node.TEXT_NODE && node === element.lastChild) {
    if (node.data !== text) node.data = text;
  } else if (element.textContent !== text) {
    element.textContent = text;
  }
}

function setAttr(element, name, value) {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

function setFlag(element, name, on) {
  if (element[name] !== on) element[name] = on;
}

function pad(number) {
  return String(number).padStart(2, "0");
}

/** As formatting.format_duration: 754300 -> "12:34" (or "12:34.3"). */
export function formatDuration(ms, tenths = false) {
  if (ms === null || ms === undefined) return "—";
  const sign = ms < 0 ? "-" : "";
  const value = Math.abs(ms);
  let seconds;
  let tenth = null;
  if (tenths) {
    const totalTenths = Math.floor(value / 100);
    seconds = Math.floor(totalTenths / 10);
    tenth = totalTenths % 10;
  } else {
    seconds = Math.floor(value / 1000);
  }
  const hours = Math.floor(seconds / 3600);
  const rest = seconds % 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest % 60;
  const text = hours ? `${hours}:${pad(minutes)}:${pad(secs)}` : `${minutes}:${pad(secs)}`;
  return sign + text + (tenth !== null ? `.${tenth}` : "");
}

function readPref(name) {
  try {
    const value = Number.parseInt(localStorage.getItem(PREFS[name]) ?? "", 10);
    return Number.isInteger(value) && value >= 0 ? value : DEFAULTS[name];
  } catch {
    return DEFAULTS[name]; // storage disabled
  }
}

function writePref(name, value) {
  try {
    localStorage.setItem(PREFS[name], String(value));
  } catch {
    // Only a preference: nothing is lost.
  }
}

function foldEvents(plan, events) {
  return engine.fold(plan, events.map(engine.eventFromDict));
}

function sameEvent(a, b) {
  return a.type === b.type && a.at === b.at && a.slot === b.slot && a.n === b.n;
}

function isPrefix(shorter, longer) {
  return shorter.length <= longer.length && shorter.every((event, i) => sameEvent(event, longer[i]));
}

class LiveSession {
  constructor(boot) {
    this.boot = boot;
    this.id = boot.session.id;
    this.plan = engine.planFromDict(boot.session.plan);
    this.events = [];
    this.state = engine.initialState(this.plan);
    this.serverResult = boot.session.result;
    this.resultUrl = boot.session.result_url;
    this.sync = { waiting: 0, stored: 0, failing: false, problem: null };
    this.countdown = null;
    this.finishing = false;
    this.noticeTimer = null;
    this.saveSaid = null; // the save state screen readers last heard about
    this.el = {};
    for (const id of [
      "live", "sync-badge", "notice", "wake-hint", "announcer", "plan-list", "lead-in",
      "start", "countdown", "clock", "slot-position", "exercise-name", "exercise-cue",
      "exercise-picture",
      "slot-done", "slot-left", "reps-total", "undo", "pause", "abandon", "other-form",
      "other-n", "paused-note", "tap", "tap-n", "result-total", "result-meta", "splits",
      "flags", "save-status", "result-next", "resume-dialog", "resume-summary",
      "resume-yes", "resume-discard", "abandon-dialog", "abandon-yes", "abandon-no",
      "done-heading",
    ]) {
      this.el[id] = $(id);
    }
    this.panels = ["loading", "ready", "countdown", "run", "done", "abandoned"];
    this.setSizeSelects = [...document.querySelectorAll("select.set-size")];
    this.voiceSwitches = [...document.querySelectorAll("input.voice-switch")];
    this.halfwaySaid = new Set(); // slots whose halfway was spoken on this page
  }

  // -- start-up -------------------------------------------------------------

  async start() {
    try {
      this.store = await Store.open();
    } catch (error) {
      this.notify("This browser cannot store the workout on the phone (private mode?): " +
        "keep this page open until it is saved.");
      throw error;
    }
    const serverEvents = this.boot.session.events.map(({ seq, ...event }) => event);
    const merged = await this.store.merge(this.id, serverEvents);
    this.journal = Journal.open(this.id);
    const recovered = await this.recover();
    await this.adopt(recovered || merged.events, { authoritative: true });
    if (merged.dropped.length) this.reportDropped(merged.dropped.length, "conflict");

    this.wakeLock = new WakeLock({
      wanted: () => this.state.status === engine.Status.RUNNING ||
        this.state.status === engine.Status.PAUSED,
      onRefused: () => { this.el["wake-hint"].hidden = false; },
      onHeld: () => { this.el["wake-hint"].hidden = true; },
    });
    this.syncer = new Syncer({
      sessionId: this.id,
      urls: this.boot.urls,
      store: this.store,
      onChange: (status) => this.showSync(status),
      onLog: ({ events, dropped, reason }) => this.fromServer(events, dropped, reason),
      onSaved: (body) => this.saved(body),
    });
    if ("BroadcastChannel" in window) {
      // Other tabs on this phone write to the same storage; they say when.
      this.channel = new BroadcastChannel(`runstrong-session-${this.id}`);
      this.channel.onmessage = (message) => this.fromOtherTab(message.data);
      if (recovered) this.channel.postMessage({ type: "log" });
    }
    this.wire();
    this.render();
    this.showInitialView();
    setInterval(() => this.tick(), CLOCK_EVERY_MS);
    this.syncer.kick();
    this.registerServiceWorker();
  }

  /**
   * Append the taps other pages journalled and IndexedDB never confirmed (a
   * tab closed or killed in the milliseconds between). Returns the stored
   * log if anything was replayed, else null.
   */
  async recover() {
    if (!this.journal) return null;
    let events = null;
    let refused = 0;
    for (const orphan of this.journal.others(this.id)) {
      for (const entry of orphan.entries) {
        if (!entry || !Array.isArray(entry.events)) continue;
        // The events as they were shown; each keeps its time unless the log
        // has moved past it since.
        const planned = this.planner(() => entry.events.map((event) => ({ ...event })));
        try {
          events = (await this.store.append(this.id, planned.plan, null, entry.id)).events;
        } catch (error) {
          console.warn("a journalled tap could not be replayed", error);
          refused += 1;
        }
      }
      await this.journal.forget(orphan);
    }
    if (refused) {
      const taps = refused === 1 ? "1 tap" : `${refused} taps`;
      this.notify(`${taps} from a closed page no longer fit this workout and were not kept.`);
    }
    return events;
  }

  /** Take a log as the state to show; stale reads from other tabs are ignored. */
  async adopt(events, { authoritative = false } = {}) {
    if (!authoritative && events.length < this.events.length &&
        isPrefix(events, this.events)) {
      return false;
    }
    try {
      this.state = foldEvents(this.plan, events);
      this.events = events;
    } catch (error) {
      // Only a bug could store a log that does not fold; keep what folds.
      console.error("stored log does not fold", error);
      let good = 0;
      let state = engine.initialState(this.plan);
      for (const event of events) {
        try {
          state = engine.apply(state, engine.eventFromDict(event));
          good += 1;
        } catch {
          break;
        }
      }
      await this.store.truncate(this.id, good);
      this.events = events.slice(0, good);
      this.state = state;
    }
    return true;
  }

  showInitialView() {
    const status = this.state.status;
    if (status === engine.Status.RUNNING || status === engine.Status.PAUSED ||
        status === engine.Status.COMPLETE) {
      const done = engine.repsTotal(this.state);
      const target = engine.planRepsTarget(this.plan);
      // A running clock goes on behind the dialog (it is start to now, less
      // the pauses), so its time would be stale as soon as it was read.
      let where = "the clock has kept running since the start";
      if (status !== engine.Status.RUNNING) {
        const clock = formatDuration(engine.activeMs(this.state, Date.now()));
        where = `${status === engine.Status.PAUSED ? "paused" : "clock stopped"} at ${clock}`;
      }
      setText(this.el["resume-summary"],
        `${done} of ${target} reps done, ${where}. ` +
        "Resume where you stopped, or discard it (it will not count).");
      this.el["resume-dialog"].showModal();
      this.el["resume-yes"].focus();
    }
  }

  registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    const { service_worker: url, service_worker_scope: scope } = this.boot.urls;
    navigator.serviceWorker
      .register(url, { scope })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        // This first visit came before the worker: ask it to keep the page.
        registration.active?.postMessage({ type: "keep-page", url: location.href });
      })
      .catch((error) => console.warn("no offline copy of this page", error));
  }

  // -- wiring ---------------------------------------------------------------

  wire() {
    const el = this.el;
    const size = readPref("setSize");
    for (const select of this.setSizeSelects) {
      const sizes = SET_SIZES.includes(size) ? SET_SIZES : [...SET_SIZES, size].sort((a, b) => a - b);
      for (const value of sizes) {
        select.add(new Option(String(value), String(value)));
      }
      select.value = String(size);
      select.addEventListener("change", () => {
        writePref("setSize", Number(select.value));
        for (const other of this.setSizeSelects) other.value = select.value;
        this.render();
      });
    }
    el["lead-in"].value = String(readPref("leadIn"));
    if (!el["lead-in"].value) el["lead-in"].value = String(DEFAULTS.leadIn);
    el["lead-in"].addEventListener("change", () => writePref("leadIn", Number(el["lead-in"].value)));
    const voice = readPref("voice") === 1;
    for (const toggle of this.voiceSwitches) {
      toggle.checked = voice;
      toggle.addEventListener("change", () => {
        writePref("voice", toggle.checked ? 1 : 0);
        for (const other of this.voiceSwitches) other.checked = toggle.checked;
        if (toggle.checked) {
          unlockSpeech();
        } else {
          hush();
        }
      });
    }

    el.start.addEventListener("click", () => this.beginCountdown());
    // A set counts when the finger lands, like a hand tally counter: waiting
    // for the click (finger lifted) would add the whole touch to the delay.
    // The button takes no scroll gestures (touch-action: none), so a press on
    // it is a tap. Keyboards and switch devices send a click with no pointer
    // press before it (detail 0), which counts as well.
    el.tap.addEventListener("pointerdown", (event) => {
      if (!event.isPrimary || event.button !== 0 || el.tap.disabled) return;
      event.preventDefault();
      this.tapSet();
    });
    el.tap.addEventListener("click", (event) => {
      if (event.detail === 0) this.tapSet();
    });
    el.undo.addEventListener("click", () => this.record(() => [{ type: "undo" }]));
    el.pause.addEventListener("click", () => {
      const paused = this.state.status === engine.Status.PAUSED;
      this.record(() => [{ type: paused ? "resume" : "pause" }]);
    });
    el.abandon.addEventListener("click", () => el["abandon-dialog"].showModal());
    el["abandon-no"].addEventListener("click", () => el["abandon-dialog"].close());
    el["abandon-yes"].addEventListener("click", async () => {
      el["abandon-dialog"].close();
      await this.record(() => [{ type: "abandon" }]);
    });
    el["other-form"].addEventListener("submit", async (event) => {
      event.preventDefault();
      const n = Number(el["other-n"].value);
      if (!Number.isInteger(n) || n < 1) {
        this.notify("Enter a whole number of reps, 1 or more.");
        return;
      }
      const slot = engine.currentSlot(this.state);
      if (await this.record(() => [{ type: "reps", slot: slot ?? 0, n }])) {
        el["other-n"].value = "";
      }
    });
    el["resume-dialog"].addEventListener("cancel", (event) => event.preventDefault());
    el["resume-yes"].addEventListener("click", async () => {
      el["resume-dialog"].close();
      unlockAudio();
      if (this.voiceOn()) unlockSpeech();
      this.wakeLock.acquire();
      // A log with every rep done but no finish (closed in between) ends now.
      if (this.state.status === engine.Status.COMPLETE) await this.record(() => []);
      this.render();
      el.tap.focus();
    });
    el["resume-discard"].addEventListener("click", async () => {
      el["resume-dialog"].close();
      await this.record(() => [{ type: "abandon" }]);
    });
  }

  // -- actions --------------------------------------------------------------

  setSize() {
    return Number(this.setSizeSelects[0].value) || DEFAULTS.setSize;
  }

  /** The events of one tap on `state`: a set in the current slot. */
  tapEvents(state) {
    const slot = engine.currentSlot(state);
    if (slot === null) return [];
    // The last set of a slot is whatever is left, when that is fewer.
    return [{ type: "reps", slot, n: Math.min(this.setSize(), engine.repsLeftInSlot(state)) }];
  }

  /**
   * A tap, shown within the frame of the press: the events are built on the
   * log this tab shows, journalled (synchronous) and painted, all in this one
   * task; IndexedDB gets them once the frame is out. Its answer: stored
   * as built (the usual case, nothing more to draw); stored elsewhere
   * because another tab got there first (the screen shows the stored log);
   * or refused, and the tap is taken back with a message. Without a journal
   * (localStorage disabled or full) a tap waits for IndexedDB like any
   * other action.
   */
  tapSet() {
    const build = (state) => this.tapEvents(state);
    if (!this.journal || this.state.status !== engine.Status.RUNNING) return this.record(build);
    const before = this.state;
    const known = this.events;
    const planned = this.planner(build);
    let added;
    try {
      added = planned.plan(known);
    } catch (error) {
      this.refuse(error);
      return Promise.resolve(false);
    }
    if (!added.length) return Promise.resolve(false);
    const tapId = this.journal.add(known.length, added);
    if (tapId === null) return this.record(build);
    // The same events for IndexedDB, unless another tab's have come first:
    // then the tap is built again on the stored log, like any action. The
    // append starts once the frame is painted (the journal holds the tap
    // meanwhile): started in this task it cost 1-2 ms of the 4× p95 (see
    // live_session.md). Taps keep their order: each waits its frame in turn.
    const write = new Promise((resolve) => {
      requestAnimationFrame(() => setTimeout(resolve, 0));
      setTimeout(resolve, 100); // a hidden page (screen locked at once) gets no frames
    }).then(() => this.store.append(
      this.id, (log) => (log === known ? added : planned.plan(log)), known, tapId));
    this.events = [...known, ...added];
    this.state = planned.built.state;
    this.render();
    this.cue(before, this.state);
    return this.settleTap(write, { tapId, known, added, rebuild: planned.plan });
  }

  async settleTap(write, { tapId, known, added, rebuild }) {
    let outcome;
    try {
      try {
        outcome = await write;
      } catch (error) {
        if (!(error instanceof StaleLog)) throw error;
        outcome = await this.store.append(this.id, rebuild, null, tapId);
      }
    } catch (error) {
      this.journal.settle(tapId);
      await this.rollBack(known);
      this.refuse(error, "That tap could not be stored on this phone, so it does not count");
      return false;
    }
    this.journal.settle(tapId);
    if (outcome.added !== added) {
      // Stored on another tab's log (or already replayed): show what is stored.
      try {
        const { events } = await this.store.snapshot(this.id);
        if (await this.adopt(events, { authoritative: true })) this.render();
      } catch (error) {
        console.error(error);
      }
    }
    if (outcome.added.length) {
      this.channel?.postMessage({ type: "log" });
      this.syncer.kick();
    }
    return outcome.added.length > 0;
  }

  /** Take back a tap IndexedDB refused: show the stored log again. */
  async rollBack(known) {
    try {
      const { events } = await this.store.snapshot(this.id);
      await this.adopt(events, { authoritative: true });
    } catch (error) {
      // The storage itself is gone: drop the tap and whatever was built on it.
      console.error(error);
      if (isPrefix(known, this.events)) {
        this.events = known;
        this.state = foldEvents(this.plan, known);
      }
    }
    this.el.live.dataset.rolledBack = String(Number(this.el.live.dataset.rolledBack || 0) + 1);
    this.render();
  }

  /** Say why an action was not stored. */
  refuse(error, lead = "That tap could not be stored on this phone") {
    if (error instanceof engine.EventError) {
      this.notify(error.message.charAt(0).toUpperCase() + error.message.slice(1) + ".");
    } else {
      console.error(error);
      this.notify(`${lead}: ${error.message || error}`);
    }
  }

  voiceOn() {
    return this.voiceSwitches.length > 0 && this.voiceSwitches[0].checked;
  }

  beginCountdown() {
    unlockAudio();
    if (this.voiceOn()) unlockSpeech();
    this.wakeLock.acquire();
    const seconds = Number(this.el["lead-in"].value) || 0;
    if (seconds <= 0) {
      this.record(() => [{ type: "start" }]);
      return;
    }
    this.countdown = { endsAt: Date.now() + seconds * 1000 };
    this.render();
    this.tick();
  }

  /**
   * Store the events `build(state)` asks for, then show them.
   *
   * `build` gets the fold of the log as it is in storage (another tab may have
   * added to it) and returns event objects without times; each gets the
   * current time, never earlier than the log's last (a clock set back, or a
   * second device slightly behind, must not make a tap impossible). When the
   * last rep is in, `finish` follows in the same write. Returns whether
   * anything was stored.
   */
  async record(build) {
    const before = this.state;
    const planned = this.planner(build);
    let outcome;
    try {
      try {
        outcome = await this.store.append(this.id, planned.plan, this.events);
      } catch (error) {
        if (!(error instanceof StaleLog)) throw error;
        outcome = await this.store.append(this.id, planned.plan, null); // read what is stored first
      }
    } catch (error) {
      this.refuse(error);
      return false;
    }
    const built = planned.built;
    if (built && built.length === outcome.events.length) {
      this.events = outcome.events;
      this.state = built.state;
    } else {
      await this.adopt(outcome.events, { authoritative: true });
    }
    this.render();
    const acted = outcome.added.length > 0;
    if (acted) {
      this.cue(before, this.state);
      this.channel?.postMessage({ type: "log" });
      this.syncer.kick();
    }
    return acted;
  }

  /**
   * `plan(log)` for Store.append: the events `build(state)` returns, timed,
   * with `finish` after the last rep or a passed cap; `built` is the log's
   * length and state after them, to show without folding again. An event
   * that comes with its time (a journalled tap) keeps it unless the log has
   * moved past it.
   */
  planner(build) {
    const planned = { built: null };
    planned.plan = (log) => {
      // The log this tab already folded needs no second fold.
      let state = log === this.events ? this.state : foldEvents(this.plan, log);
      const floor = state.lastAt ?? 0;
      const at = Math.max(Date.now(), floor);
      const added = build(state).map((event) => ({
        ...event, at: event.at === undefined ? at : Math.max(event.at, floor),
      }));
      for (const event of added) {
        state = engine.apply(state, engine.eventFromDict(event));
      }
      const capAt = engine.capAt(state);
      const capPassed = capAt !== null && at >= capAt;
      if (state.status === engine.Status.COMPLETE ||
          (capPassed && !engine.isClosed(state) && state.status !== engine.Status.READY)) {
        const finish = { type: "finish", at };
        state = engine.apply(state, engine.eventFromDict(finish));
        added.push(finish);
      }
      planned.built = { length: log.length + added.length, state };
      return added;
    };
    return planned;
  }

  /** Beep, buzz and say it: only when this tab's action changed the exercise or ended. */
  cue(before, after) {
    const Status = engine.Status;
    if (after.status === Status.FINISHED && before.status !== Status.FINISHED) {
      signal("finish");
      const outcome = engine.result(after);
      // A save under way needs no words: it is done in a moment. One that
      // waits (no network, say) is said with the finish.
      const where = this.saveState();
      const waiting = where === "sending" || where === "saved" ? "" : ` ${SAVE_WORDS[where]}`;
      announce(this.el.announcer,
        `Finished: ${formatDuration(outcome.total_ms, true)} for ${outcome.reps_total} reps.${waiting}`);
      this.wakeLock.release();
      this.el["done-heading"].focus();
      if (this.voiceOn()) speak(() => `Finished in ${spokenDuration(outcome.total_ms)}.`);
      return;
    }
    if (after.status === Status.ABANDONED) {
      this.wakeLock.release();
      return;
    }
    const slotBefore = engine.currentSlot(before);
    const slotAfter = engine.currentSlot(after);
    const started = before.status === Status.READY && after.status === Status.RUNNING;
    if ((started || slotBefore !== slotAfter) && slotAfter !== null) {
      signal("next");
      const slot = this.plan.slots[slotAfter];
      const left = engine.repsLeftInSlot(after);
      announce(this.el.announcer,
        `${started ? "Go" : "Next"}: ${slot.exercise_name}, ${left} reps.`);
      if (this.voiceOn()) speak(() => this.spokenLine(slotAfter, `${slot.exercise_name}, ${left} reps`));
      return;
    }
    if (slotAfter !== null && slotBefore === slotAfter && this.voiceOn() &&
        !this.halfwaySaid.has(slotAfter)) {
      // Halfway through the slot: said once per slot, an undo and redo do not repeat it.
      const reps = this.plan.slots[slotAfter].reps;
      const half = Math.ceil(reps / 2);
      const doneBefore = engine.repsDone(before)[slotAfter];
      const doneAfter = engine.repsDone(after)[slotAfter];
      if (doneBefore < half && doneAfter >= half && doneAfter < reps) {
        this.halfwaySaid.add(slotAfter);
        speak(() => this.spokenLine(slotAfter, `Halfway, ${reps - doneAfter} to go`));
      }
    }
  }

  /** "Calf raises, 50 reps — rise up briskly.": the slot's first cue, shortened. */
  spokenLine(position, opening) {
    const exercise = this.boot.exercises[this.plan.slots[position].exercise];
    const cue = shortCue(exercise && exercise.cues[0]);
    return cue ? `${opening} — ${cue}.` : `${opening}.`;
  }

  tick() {
    if (this.countdown) {
      const left = Math.ceil((this.countdown.endsAt - Date.now()) / 1000);
      if (left <= 0) {
        this.countdown = null;
        this.record(() => [{ type: "start" }]).then(() => this.el.tap.focus());
      } else {
        setText(this.el.countdown, String(left));
      }
      this.showPanel();
      return;
    }
    const state = this.state;
    if (state.status === engine.Status.RUNNING) {
      const capAt = engine.capAt(state);
      if (capAt !== null && Date.now() >= capAt && !this.finishing) {
        // The time cap has passed: the workout ends there, with the reps done.
        this.finishing = true;
        this.record(() => []).finally(() => { this.finishing = false; });
      }
    }
    setText(this.el.clock, formatDuration(engine.activeMs(state, Date.now())));
  }

  // -- news from elsewhere --------------------------------------------------

  async fromOtherTab(message) {
    if (!message) return;
    if (message.type === "log") {
      // A tab that gave way to the server may have shortened the log; an
      // ordinary append never does, so a shorter read then is just stale.
      const { events } = await this.store.snapshot(this.id);
      if (await this.adopt(events, { authoritative: Boolean(message.authoritative) })) {
        this.render();
      }
      this.syncer.kick();
    } else if (message.type === "saved") {
      this.saved(message.body, { fromTab: true });
    }
  }

  async fromServer(events, dropped, reason) {
    await this.adopt(events, { authoritative: true });
    this.render();
    if (dropped.length) this.reportDropped(dropped.length, reason);
    this.channel?.postMessage({ type: "log", authoritative: true });
  }

  reportDropped(count, reason) {
    const taps = count === 1 ? "1 tap" : `${count} taps`;
    if (reason === "conflict" || reason === "newer") {
      this.notify(`This workout was changed on another device; ${taps} from this one were not kept.`);
    } else {
      this.notify(`The server refused a tap (${reason}); ${taps} were not kept.`);
    }
  }

  saved(body, { fromTab = false } = {}) {
    if (body && body.result) {
      this.serverResult = body.result;
      this.resultUrl = body.result_url || this.resultUrl;
      if (!fromTab) this.channel?.postMessage({ type: "saved", body });
      this.renderDone();
    }
  }

  showSync({ waiting, stored, failing, problem }) {
    this.sync = { waiting, stored, failing, problem };
    const badge = this.el["sync-badge"];
    const taps = waiting === 1 ? "1 tap" : `${waiting} taps`;
    if (waiting > 0 && problem === "login") {
      setText(badge, `Logged out — ${taps} waiting: log in again in another tab to save them`);
    } else if (waiting > 0 && problem) {
      setText(badge, `Not saved — ${taps} could not be sent`);
    } else if (waiting > 0 && failing) {
      // Online but failing is the server's fault (down, restarting, out of
      // disk): "offline" would send the athlete to check a network that works.
      setText(badge, navigator.onLine
        ? `server not answering — ${taps} waiting`
        : `offline — ${taps} waiting`);
    }
    badge.hidden = !(waiting > 0 && (failing || problem));
    badge.dataset.waiting = String(waiting);
    this.renderDone();
  }

  notify(text) {
    const notice = this.el.notice;
    setText(notice, text);
    notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { notice.hidden = true; }, NOTICE_MS);
  }

  // -- drawing --------------------------------------------------------------

  currentView() {
    if (this.countdown) return "countdown";
    switch (this.state.status) {
      case engine.Status.READY: return "ready";
      case engine.Status.FINISHED: return "done";
      case engine.Status.ABANDONED: return "abandoned";
      default: return "run";
    }
  }

  showPanel() {
    const view = this.currentView();
    if (this.el.live.dataset.view === view) return;
    this.el.live.dataset.view = view;
    for (const name of this.panels) {
      $(`panel-${name}`).hidden = name !== view;
    }
  }

  // The picture of the exercise on now; an exercise without one (from a custom
  // program) shows none. Its still version ("#still": start and end pose
  // together): an animated picture costs the main thread about half its time
  // on a slow phone, and every tap would wait for it.
  showPicture(url) {
    const picture = this.el["exercise-picture"];
    if (!picture) return;
    const still = url ? `${url}#still` : "";
    if (still && picture.getAttribute("src") !== still) picture.setAttribute("src", still);
    picture.hidden = !url;
  }

  render() {
    this.showPanel();
    const state = this.state;
    const el = this.el;
    const view = this.currentView();
    if (view === "ready") this.renderPlan();
    if (view === "done") this.renderDone();
    if (view !== "run") return;

    const position = engine.currentSlot(state);
    const slot = this.plan.slots[position ?? this.plan.slots.length - 1];
    const exercise = this.boot.exercises[slot.exercise] || { cues: [] };
    const done = engine.repsDone(state)[position ?? this.plan.slots.length - 1];
    const left = engine.repsLeftInSlot(state);
    const paused = state.status === engine.Status.PAUSED;
    setText(el["slot-position"], `Exercise ${(position ?? this.plan.slots.length - 1) + 1} of ${this.plan.slots.length}`);
    setText(el["exercise-name"], slot.exercise_name);
    setText(el["exercise-cue"], exercise.cues[0] || "");
    this.showPicture(exercise.picture);
    setText(el["slot-done"], String(done));
    setText(el["slot-left"], String(left));
    setText(el["reps-total"],
      `(${engine.repsTotal(state)} of ${engine.planRepsTarget(this.plan)})`);
    setText(el["tap-n"], `+${Math.max(1, Math.min(this.setSize(), left || this.setSize()))}`);
    setText(el.pause, paused ? "Resume" : "Pause");
    // Only what changed is written: a tap usually changes three texts, and
    // an attribute written again, even unchanged, makes the browser check
    // styles that depend on it.
    setAttr(el.pause, "aria-pressed", String(paused));
    setFlag(el.tap, "disabled", paused || left === 0);
    setFlag(el.undo, "disabled", state.sets.length === 0);
    setFlag(el["paused-note"], "hidden", !paused);
    setAttr(el.live, "data-status", state.status);
    setText(el.clock, formatDuration(engine.activeMs(state, Date.now())));
  }

  renderPlan() {
    const list = this.el["plan-list"];
    if (list.childElementCount) return;
    for (const slot of this.plan.slots) {
      const item = document.createElement("li");
      item.textContent = `${slot.reps} × ${slot.exercise_name}`;
      list.append(item);
    }
  }

  /** The result: the server's once it has it (the record), else this page's own fold. */
  renderDone() {
    if (this.state.status !== engine.Status.FINISHED) return;
    const local = engine.result(this.state);
    const server = this.serverResult;
    const shown = server || local;
    const el = this.el;
    el.live.dataset.status = "finished";
    setText(el["result-total"], formatDuration(shown.total_ms, true));
    el["result-total"].dataset.totalMs = String(shown.total_ms);
    const meta = [`${shown.reps_total} reps`, `${shown.reps_per_minute} reps a minute`];
    if (shown.paused_ms) meta.push(`${formatDuration(shown.paused_ms)} paused (not counted)`);
    setText(el["result-meta"], meta.join(" · "));

    const splits = el.splits;
    splits.replaceChildren(...this.plan.slots.map((slot, index) => {
      const item = document.createElement("li");
      const split = shown.splits_ms[index];
      item.dataset.splitMs = split === null ? "" : String(split);
      const rest = shown.rests_ms[index];
      const restText = rest >= 100 ? ` (after ${formatDuration(rest, true)} rest)` : "";
      item.textContent = `${slot.exercise_name}: ${formatDuration(split, true)}${restText}`;
      return item;
    }));

    const flags = [];
    if (shown.capped) flags.push(`Time cap reached with ${shown.reps_at_cap} reps.`);
    if (shown.scaled) flags.push(`Scaled: ${shown.scaled_how.join("; ")}.`);
    if (shown.unverified) {
      flags.push(`Unverified, kept off the boards until checked: ${shown.unverified_why.join("; ")}.`);
    }
    el.flags.replaceChildren(...flags.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));

    const where = this.saveState();
    el["save-status"].dataset.saved = where === "saved" ? "yes" : "no";
    setText(el["save-status"], SAVE_WORDS[where]);
    this.showResultLink(where === "saved" ? this.resultUrl : null);
    this.announceSave(where);
  }

  /**
   * Where the finished workout is. It is always on this phone (the finish was
   * stored before the screen changed); it is "saved" once the server has
   * answered with its result and holds every event.
   */
  saveState() {
    const { waiting, failing, problem } = this.sync;
    if (this.serverResult && waiting === 0) return "saved";
    if (problem === "login") return "login";
    if (problem) return "refused";
    // The server's answer came before the count of what it holds caught up.
    if (this.serverResult) return "sending";
    if (!navigator.onLine) return "offline";
    return failing ? "retrying" : "sending";
  }

  /**
   * "See the full result" is made a link only when there is a page to go to:
   * before the server has the result there is nothing there, and a link with
   * nowhere to go would look like one that is broken.
   */
  showResultLink(url) {
    const line = this.el["result-next"];
    if (!url) {
      line.replaceChildren();
      line.hidden = true;
      return;
    }
    let link = line.querySelector("a");
    if (!link) {
      link = document.createElement("a");
      link.className = "result-link";
      link.id = "result-link";
      link.textContent = "See the full result";
      line.replaceChildren(link);
    }
    if (link.getAttribute("href") !== url) link.setAttribute("href", url);
    line.hidden = false;
  }

  /** Tell screen readers when the save state changes after the page or the finish said it. */
  announceSave(where) {
    if (this.saveSaid === null) {
      this.saveSaid = where; // the finish (or the page as it loads) says this one
      return;
    }
    if (where === "sending" || where === this.saveSaid) return;
    // Saved straight after the finish: the finish sentence was enough.
    const quick = this.saveSaid === "sending" && where === "saved";
    this.saveSaid = where;
    if (!quick) announce(this.el.announcer, where === "saved" ? POSTED_WORDS : SAVE_WORDS[where]);
  }
}

const bootElement = document.getElementById("session-boot");
if (bootElement) {
  const live = new LiveSession(JSON.parse(bootElement.textContent));
  // For the browser tests and the latency benchmark: the session, read-only use.
  window.runstrongSession = live;
  live.start().catch((error) => {
    console.error(error);
    live.el.live.dataset.view = "error";
  });
}
