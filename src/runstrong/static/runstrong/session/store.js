// The session log on this device, in IndexedDB: written before the screen
// changes, so a reload, a crash or a dead battery loses no tap.
//
// Stores
//   events    key [sessionId, seq] -> {session, seq, event, tap?}   one per
//             event; `tap` names the journalled tap it came from (the
//             journal, below), so a tap replayed twice is stored once
//   sessions  key id               -> {id, serverCount}       how many of the
//             session's events the server is known to hold (they are never
//             sent again; the rest are)
//
// Every change is one readwrite transaction that reads the log and writes in
// the same go. IndexedDB runs readwrite transactions on a store one at a time,
// across every tab of the origin, so two tabs can never give two events the
// same sequence number.

const DB_NAME = "runstrong";

/** The stored log is not the one the caller built on: read it and try again. */
export class StaleLog extends Error {
  constructor() {
    super("another tab changed this workout's log");
    this.name = "StaleLog";
  }
}
const DB_VERSION = 1;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function completed(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("transaction aborted"));
  });
}

function eventsRange(sessionId) {
  // Sequence numbers are whole numbers from 0; every one sorts below [].
  return IDBKeyRange.bound([sessionId, 0], [sessionId, []]);
}

function sameEvent(a, b) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

export class Store {
  constructor(db) {
    this.db = db;
  }

  static async open() {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("events", { keyPath: ["session", "seq"] });
      db.createObjectStore("sessions", { keyPath: "id" });
    };
    const db = await promised(request);
    // Another tab upgrading the schema must not be blocked by this one.
    db.onversionchange = () => db.close();
    return new Store(db);
  }

  _transaction(mode, stores = ["events", "sessions"]) {
    // "strict": the tap is on disk before the screen says it happened. The
    // relaxed default is no faster here (measured) and may lose the last taps
    // if the phone itself dies.
    return this.db.transaction(stores, mode, { durability: "strict" });
  }

  /** The session's events in order and how many the server holds. */
  async snapshot(sessionId) {
    const transaction = this._transaction("readonly");
    const rows = promised(transaction.objectStore("events").getAll(eventsRange(sessionId)));
    const meta = promised(transaction.objectStore("sessions").get(sessionId));
    const [eventRows, sessionRow] = await Promise.all([rows, meta]);
    return {
      events: eventRows.map((row) => row.event),
      serverCount: sessionRow ? sessionRow.serverCount : 0,
    };
  }

  /**
   * Append what `build(events)` returns (a list of events, possibly empty) to
   * the log, in one transaction. `build` must be synchronous; whatever it
   * throws aborts the transaction and is thrown here, with nothing written.
   *
   * With `known` (the log as this tab last saw it) the events are written at
   * once, in a single round trip to the database, with a count of the stored
   * log in the same transaction: if another tab has added or replaced events
   * meanwhile, the count differs (or the sequence number is taken), nothing is
   * written, and `StaleLog` is thrown so the caller can try again with
   * `known = null`, which reads the stored log first and builds on that.
   *
   * With `tapId` the rows carry it, and a read of the stored log that finds
   * it already there (another tab replayed this tap from the journal) writes
   * nothing and resolves with `added` empty and `already` true.
   */
  append(sessionId, build, known = null, tapId = null) {
    return new Promise((resolve, reject) => {
      const transaction = this._transaction("readwrite", ["events"]);
      const events = transaction.objectStore("events");
      let outcome = null;
      let failure = null;
      const fail = (error) => {
        if (failure === null) failure = error;
        try {
          transaction.abort();
        } catch {
          // Already aborting.
        }
      };
      const write = (log) => {
        try {
          const added = build(log);
          added.forEach((event, index) => {
            const row = { session: sessionId, seq: log.length + index, event };
            if (tapId !== null) row.tap = tapId;
            const request = events.add(row);
            request.onerror = (error) => {
              error.preventDefault(); // handled here: another tab took this number
              fail(new StaleLog());
            };
          });
          outcome = { events: [...log, ...added], added };
        } catch (error) {
          fail(error);
        }
      };
      if (known) {
        write(known);
        if (failure === null) {
          // (An aborted transaction takes no more requests.)
          const count = events.count(eventsRange(sessionId));
          count.onsuccess = () => {
            if (outcome && count.result !== outcome.events.length) fail(new StaleLog());
          };
        }
      } else {
        const request = events.getAll(eventsRange(sessionId));
        request.onsuccess = () => {
          const log = request.result.map((row) => row.event);
          if (tapId !== null && request.result.some((row) => row.tap === tapId)) {
            outcome = { events: log, added: [], already: true };
          } else {
            write(log);
          }
        };
      }
      completed(transaction).then(
        () => resolve(outcome),
        (error) => reject(failure || error),
      );
    });
  }

  /**
   * Bring the server's log (every event it holds, in order) into local storage.
   *
   * The server is the record: where the two agree, nothing changes; events
   * only the server has are added (another device, or a tab whose storage was
   * cleared); where they differ (two devices wrote the same position) the
   * server's events replace this device's, which are returned as `dropped`.
   */
  merge(sessionId, serverEvents) {
    return new Promise((resolve, reject) => {
      const transaction = this._transaction("readwrite");
      const events = transaction.objectStore("events");
      const sessions = transaction.objectStore("sessions");
      let outcome = null;
      const rows = events.getAll(eventsRange(sessionId));
      rows.onsuccess = () => {
        const local = rows.result.map((row) => row.event);
        let common = 0;
        while (
          common < local.length &&
          common < serverEvents.length &&
          sameEvent(local[common], serverEvents[common])
        ) {
          common += 1;
        }
        let merged = local;
        let dropped = [];
        if (common < serverEvents.length) {
          // The server knows more, or something else: from the first
          // difference on, its events win.
          dropped = local.slice(common);
          if (dropped.length) {
            events.delete(IDBKeyRange.bound([sessionId, common], [sessionId, []]));
          }
          serverEvents.slice(common).forEach((event, index) => {
            events.put({ session: sessionId, seq: common + index, event });
          });
          merged = serverEvents.slice();
        }
        const meta = sessions.get(sessionId);
        meta.onsuccess = () => {
          const known = meta.result ? meta.result.serverCount : 0;
          // The server holds at least what it just told us, and none of ours
          // past that if we had to give way.
          const serverCount = dropped.length
            ? serverEvents.length
            : Math.max(Math.min(known, merged.length), serverEvents.length);
          sessions.put({ id: sessionId, serverCount });
          outcome = { events: merged, dropped, serverCount };
        };
      };
      completed(transaction).then(() => resolve(outcome), reject);
    });
  }

  /** Record that the server holds the first `count` events (never lowered here). */
  async markSent(sessionId, count) {
    const transaction = this._transaction("readwrite");
    const sessions = transaction.objectStore("sessions");
    const row = await promised(sessions.get(sessionId));
    const serverCount = Math.max(row ? row.serverCount : 0, count);
    sessions.put({ id: sessionId, serverCount });
    await completed(transaction);
    return serverCount;
  }

  /**
   * Drop the events from `seq` on: the server refused event `seq`, and the
   * ones after it were logged on top of it. Returns what was dropped.
   */
  truncate(sessionId, seq) {
    return new Promise((resolve, reject) => {
      const transaction = this._transaction("readwrite");
      const events = transaction.objectStore("events");
      const sessions = transaction.objectStore("sessions");
      const range = IDBKeyRange.bound([sessionId, seq], [sessionId, []]);
      let dropped = [];
      const request = events.getAll(range);
      request.onsuccess = () => {
        dropped = request.result.map((row) => row.event);
        events.delete(range);
        sessions.put({ id: sessionId, serverCount: seq });
      };
      completed(transaction).then(() => resolve(dropped), reject);
    });
  }
}

// -- the write-ahead journal ----------------------------------------------
//
// Taps this tab has shown and IndexedDB has not yet confirmed, in
// localStorage, which writes synchronously. A tap is painted in
// the task of the finger's press, as soon as it is journalled; IndexedDB (the
// log, the only place sequence numbers are given out) commits some
// milliseconds later. If the tab is closed, reloaded or killed in between,
// the next page for the session finds the journal and appends what is in it.
//
// Each tab has a key of its own (`runstrong.journal.<session>.<tab>` -> a
// list of {id, base, events}), so tabs never write over each other's
// journal, and holds a Web Lock named after itself for as long as it lives:
// a journal whose lock is free belongs to a tab that is gone. A replay is
// idempotent whoever does it (the rows carry the tap's id, see Store.append), so
// a tab that replays a living tab's journal does no harm; only the owner, or
// whoever finds the owner gone, removes it.

const PREFIX = "runstrong.journal.";
const LOCK_PREFIX = "runstrong-tab-";

function newTabId() {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
}

export class Journal {
  constructor(sessionId) {
    this.tab = newTabId();
    this.key = `${PREFIX}${sessionId}.${this.tab}`;
    this.entries = [];
    this.counter = 0;
    if (navigator.locks && navigator.locks.request) {
      // Held until the page goes away: then other pages know the journal is orphaned.
      navigator.locks.request(LOCK_PREFIX + this.tab, () => new Promise(() => {})).catch(() => {});
    }
  }

  /** A journal for this tab, or null where localStorage is unavailable. */
  static open(sessionId) {
    try {
      localStorage.getItem(PREFIX); // throws where storage is disabled
      return new Journal(sessionId);
    } catch {
      return null;
    }
  }

  /**
   * Journal a tap's events, built on a log of `base` events. Returns the tap's
   * id, or null when localStorage refuses (full): then the tap must wait for
   * IndexedDB before it is shown.
   */
  add(base, events) {
    const id = `${this.tab}:${this.counter}`;
    this.counter += 1;
    this.entries.push({ id, base, events });
    if (this._write()) return id;
    this.entries.pop();
    return null;
  }

  /** IndexedDB has answered for this tap (stored it, or refused it). */
  settle(id) {
    this.entries = this.entries.filter((entry) => entry.id !== id);
    this._write();
  }

  _write() {
    try {
      if (this.entries.length) {
        localStorage.setItem(this.key, JSON.stringify(this.entries));
      } else {
        localStorage.removeItem(this.key);
      }
      return true;
    } catch {
      return false;
    }
  }

  /** The journals other pages left for this session: [{key, tab, entries}]. */
  others(sessionId) {
    const prefix = `${PREFIX}${sessionId}.`;
    const found = [];
    for (let index = 0; index < localStorage.length; index += 1) {
      const key = localStorage.key(index);
      if (!key || !key.startsWith(prefix) || key === this.key) continue;
      let entries;
      try {
        entries = JSON.parse(localStorage.getItem(key) || "[]");
      } catch {
        entries = [];
      }
      found.push({ key, tab: key.slice(prefix.length), entries: Array.isArray(entries) ? entries : [] });
    }
    return found;
  }

  /** Remove another page's journal once its tab is gone (its lock free). */
  async forget({ key, tab }) {
    if (navigator.locks && navigator.locks.query) {
      try {
        const { held } = await navigator.locks.query();
        if (held.some((lock) => lock.name === LOCK_PREFIX + tab)) return false;
      } catch {
        // No way to tell: the replay was idempotent, so removing is safe.
      }
    }
    try {
      localStorage.removeItem(key);
    } catch {
      return false;
    }
    return true;
  }
}
