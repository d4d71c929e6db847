// Sends the events stored on this device to the server, in order, with their
// sequence numbers, until the server holds them all: through the public API
// (/api/v1/sessions/…, workouts/api_v1.py) with the log-in cookie and the CSRF
// token, as every other client uses it.
//
// The server accepts an exact resend and changes nothing, so whenever the
// outcome of a request is unknown (timeout, lost connection, a crash between
// sending and hearing back) the events are simply sent again. Network errors
// and 5xx answers are retried with exponential backoff and jitter (capped at
// 30 s), and at once when the browser says it is back online. A 409 means the
// server's log is not what this device thought: fetch it, merge (the server
// wins where the two differ) and carry on.

const BATCH = 100; // events per request; the server takes up to 500
const REQUEST_TIMEOUT_MS = 15000;
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_CAP_MS = 30000;

function csrfToken() {
  // The cookie, not the page: an offline copy of the page may carry a token
  // that a later log-in has replaced.
  for (const part of document.cookie.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(value.join("="));
  }
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function request(url, options) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
      ...options,
      headers: { Accept: "application/json", ...(options.headers || {}) },
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null; // a proxy's HTML error page, say
    }
    return { status: response.status, body };
  } finally {
    clearTimeout(timer);
  }
}

/** Run `task` holding this session's sync lock, so one tab sends at a time. */
function withLock(name, task) {
  if (navigator.locks && navigator.locks.request) {
    return navigator.locks.request(name, task);
  }
  return task();
}

export class Syncer {
  /**
   * @param {object} options
   *   sessionId, urls {detail, events}, store (a Store)
   *   onChange({waiting, stored, failing, problem})  the badge
   *   onLog({events, dropped, reason})       the server changed the local log
   *   onSaved(body)                          an answer with the session's state/result
   */
  constructor({ sessionId, urls, store, onChange, onLog, onSaved }) {
    this.sessionId = sessionId;
    this.urls = urls;
    this.store = store;
    this.onChange = onChange;
    this.onLog = onLog;
    this.onSaved = onSaved;
    this.running = false;
    this.again = false;
    this.attempt = 0;
    this.timer = null;
    this.failing = false;
    this.stopped = false;
    // What stops the events from going, until an answer says otherwise: null,
    // "login" (the log-in has ended), "missing" or "refused" (for good).
    this.problem = null;
    this.batch = BATCH;
    window.addEventListener("online", () => this.now());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.now();
    });
  }

  /** Retry at once (the network is back, or the page is visible again). */
  now() {
    this.attempt = 0;
    this.kick();
  }

  /** Send whatever is unsent; cheap to call after every tap. */
  kick() {
    if (this.stopped) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this._run().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  async _run() {
    for (;;) {
      let outcome;
      try {
        outcome = await withLock(`runstrong-sync-${this.sessionId}`, () => this._round());
      } catch (error) {
        console.warn("sync failed", error);
        outcome = "retry";
      }
      if (outcome === "more") continue;
      if (outcome === "retry") this._schedule();
      await this._report();
      return;
    }
  }

  _schedule() {
    this.failing = true;
    // Full jitter on an exponential step, so many phones coming back online
    // together do not all knock at once.
    const step = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    const delay = step / 2 + Math.random() * (step / 2);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, delay);
  }

  async _report() {
    const { events, serverCount } = await this.store.snapshot(this.sessionId);
    const waiting = Math.max(0, events.length - serverCount);
    if (waiting === 0) this.failing = false;
    this.onChange({
      waiting,
      stored: serverCount,
      failing: this.failing || (waiting > 0 && !navigator.onLine),
      problem: waiting > 0 ? this.problem : null,
    });
  }

  /** One request; says what to do next: "more", "done", "retry" or "stop". */
  async _round() {
    const { events, serverCount } = await this.store.snapshot(this.sessionId);
    if (serverCount >= events.length) {
      return "done";
    }
    const batch = events
      .slice(serverCount, serverCount + this.batch)
      .map((event, index) => ({ seq: serverCount + index, ...event }));
    let answer;
    try {
      answer = await request(this.urls.events, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ events: batch }),
      });
    } catch {
      return "retry"; // offline, timed out, connection reset: the outcome is unknown
    }
    const { status, body } = answer;
    const code = body && body.code;
    if (status >= 200 && status < 300 && body) {
      this.attempt = 0;
      this.failing = false;
      this.problem = null;
      this.batch = BATCH;
      await this.store.markSent(this.sessionId, serverCount + batch.length);
      this.onSaved(body);
      if (body.stored > events.length) {
        // The server has events this device never saw (another device).
        await this.resync("newer");
      }
      return "more";
    }
    if (status === 409) {
      await this.resync("conflict");
      return "more";
    }
    if (status === 422 && code === "rejected" && body && Number.isInteger(body.seq)) {
      // The server's engine refuses an event this page's engine accepted:
      // the server is the record, so the event and those built on it go.
      const dropped = await this.store.truncate(this.sessionId, body.seq);
      const { events: kept } = await this.store.snapshot(this.sessionId);
      this.onLog({ events: kept, dropped, reason: body.message });
      return "more";
    }
    if (status === 413 && this.batch > 1) {
      this.batch = Math.max(1, Math.floor(this.batch / 2));
      return "more";
    }
    if (status === 401) {
      this.problem = "login";
      return "retry"; // the taps stay here until the athlete logs in again
    }
    if (status === 404 || status === 400 || status === 422) {
      // Not this athlete's session (any more), or a bug (an event the API
      // cannot read): retrying cannot help.
      this.stopped = true;
      this.problem = status === 404 ? "missing" : "refused";
      return "stop";
    }
    return "retry"; // 5xx, a CSRF cookie being replaced, a proxy in the way…
  }

  /** Fetch the server's log and merge it into local storage (the server wins). */
  async resync(reason) {
    let answer;
    try {
      answer = await request(this.urls.detail, { method: "GET" });
    } catch {
      return;
    }
    if (answer.status !== 200 || !answer.body) return;
    // The API names every field of an event, null where it has none (a start
    // has no slot); this device's events leave those out.
    const serverEvents = answer.body.events.map(({ seq, ...event }) =>
      Object.fromEntries(Object.entries(event).filter(([, value]) => value !== null)));
    const merged = await this.store.merge(this.sessionId, serverEvents);
    this.onLog({ events: merged.events, dropped: merged.dropped, reason });
    this.onSaved(answer.body);
  }
}
