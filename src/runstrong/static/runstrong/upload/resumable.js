// The upload page's big-file path: one file of 20 MB or more (a Strava or
// Garmin export, as a rule) is sent in chunks with the protocol of
// runs/views_upload.py, so that a dropped connection, a closed laptop or a
// reload goes on from the last byte the server stored rather than from zero.
//
// Why 20 MB: below it one request takes seconds even on a phone's uplink and
// a retry costs little, and the form's own path shows each file's result at
// once. Above it a file is a whole export: more runs than one request reads
// (60), and minutes of sending worth resuming. Several files chosen together
// always go the form's way, within its limits.
//
// A chunk is PUT only after the one before it is stored, so the server holds
// one unbroken prefix of the file and a resume needs one number: its offset.
// On a network failure (or a 5xx) the page waits, 1 s doubling to 30 s, or
// until the browser says it is online again, asks the server for its offset
// and goes on from there. The upload's key is kept in localStorage under the
// file's name, size and modification time, so choosing the same file after a
// reload resumes it. Chunks start at 8 MB and halve when one takes longer than
// 30 s (the server gives a request 90 s); on a link fast enough to send one in
// under 5 s they double, up to 32 MB, so that each request's own cost (about
// 10 ms on the server) is small beside its bytes.

const CHUNKED_FROM = 20 * 1024 * 1024;
const CHUNK_START = 8 * 1024 * 1024;
const CHUNK_MAX = 32 * 1024 * 1024;
const CHUNK_MIN = 1024 * 1024;
const SLOW_CHUNK_MS = 30000;
const FAST_CHUNK_MS = 5000;
const REQUEST_TIMEOUT_MS = 120000;
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_CAP_MS = 30000;
const STUCK_AFTER = 8; // failed tries of one piece while the server answers
const STORE_PREFIX = "runstrong.upload:";
const MB = 1024 * 1024;
const GB = 1024 * MB;

function csrfToken() {
  // The cookie rather than the form's hidden field: a log-in in another tab
  // replaces the token, and the cookie always has the current one.
  for (const part of document.cookie.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(value.join("="));
  }
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

export function sizeWords(bytes) {
  if (bytes >= GB) return `${(bytes / GB).toFixed(1)} GB`;
  if (bytes >= MB) return `${Math.round(bytes / MB)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

function storeKey(file) {
  return `${STORE_PREFIX}${file.name}:${file.size}:${file.lastModified}`;
}

function remembered(file) {
  try {
    return JSON.parse(localStorage.getItem(storeKey(file)) || "null");
  } catch {
    return null;
  }
}

function remember(file, upload) {
  try {
    localStorage.setItem(storeKey(file), JSON.stringify(upload));
  } catch {
    // Private mode or a full store: the upload works, a reload starts over.
  }
}

function forget(file) {
  try {
    localStorage.removeItem(storeKey(file));
  } catch {
    // Nothing kept, nothing to remove.
  }
}

/**
 * One request; resolves {status, body} (status 0: no answer from the server)
 * and reports the bytes sent so far of a PUT through `onSent`.
 */
function send(method, url, { body = null, headers = {}, onSent = null } = {}) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.timeout = REQUEST_TIMEOUT_MS;
    xhr.setRequestHeader("Accept", "application/json");
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (onSent) xhr.upload.addEventListener("progress", (event) => onSent(event.loaded));
    xhr.addEventListener("load", () => {
      let parsed = null;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = null; // a proxy's HTML error page, say
      }
      resolve({ status: xhr.status, body: parsed });
    });
    for (const failure of ["error", "timeout", "abort"]) {
      xhr.addEventListener(failure, () => resolve({ status: 0, body: null }));
    }
    xhr.send(body);
  });
}

/** Wait `ms`, or less if the browser comes back online meanwhile. */
function pause(ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener("online", done);
  });
}

function backoff(attempt) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function refusalWords(status) {
  if (status === 413) {
    // Not RunStrong's own 413 (that one says why in JSON): a proxy in front of it.
    return "A proxy in front of the server refuses pieces this large: tell whoever runs the site (its request size limit must allow 40 MB).";
  }
  return `The server refused the upload (${status}). Reload the page and choose the file again; it goes on where it stopped.`;
}

class Refused extends Error {
  constructor(status, body) {
    super((body && body.message) || refusalWords(status));
    this.status = status;
    this.code = body && body.code;
  }
}

class Upload {
  constructor(box, file, startUrl) {
    this.box = box;
    this.file = file;
    this.startUrl = startUrl;
    this.bar = box.querySelector("progress");
    this.text = box.querySelector("[data-upload-text]");
    this.note = box.querySelector("[data-upload-note]");
    this.chunk = CHUNK_START;
    this.attempt = 0;
    this.stuck = 0;
  }

  show(held) {
    this.bar.max = this.file.size;
    this.bar.value = held;
    this.text.textContent = `${sizeWords(held)} of ${sizeWords(this.file.size)}`;
  }

  say(note) {
    this.note.textContent = note;
  }

  async run() {
    this.box.hidden = false;
    this.box.querySelector("[data-upload-name]").textContent = this.file.name;
    let upload = remembered(this.file);
    let held = 0;
    if (upload) {
      const state = await this.ask(upload);
      if (state === null) {
        forget(this.file); // gone from the server (given up, another runner's): start over
        upload = null;
      } else {
        held = state.offset;
        this.say(held ? `Going on from ${sizeWords(held)}.` : "");
      }
    }
    if (!upload) {
      upload = await this.start();
      remember(this.file, { ...upload, name: this.file.name });
    }
    this.show(held);
    while (held < this.file.size) {
      held = await this.sendChunk(upload, held);
    }
    forget(this.file);
    this.say("All sent. Opening the import…");
    window.location.assign(upload.progress_url);
  }

  async start() {
    for (;;) {
      const answer = await send("POST", this.startUrl, {
        body: JSON.stringify({ name: this.file.name, size: this.file.size }),
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      });
      if (answer.status === 201) return answer.body;
      await this.handleFailure(answer);
    }
  }

  /** The server's state of `upload`, waiting out network failures; null if it has none. */
  async ask(upload) {
    for (;;) {
      const answer = await send("GET", upload.url);
      if (answer.status === 200) return answer.body;
      if (answer.status === 404 || answer.status === 410) return null;
      await this.handleFailure(answer);
    }
  }

  async sendChunk(upload, held) {
    const end = Math.min(held + this.chunk, this.file.size);
    const began = performance.now();
    const answer = await send("PUT", upload.url, {
      body: this.file.slice(held, end),
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Range": `bytes ${held}-${end - 1}/${this.file.size}`,
        "X-CSRFToken": csrfToken(),
      },
      onSent: (sent) => this.show(held + Math.min(sent, end - held)),
    });
    if (answer.status === 200) {
      this.attempt = 0;
      this.stuck = 0;
      this.say("");
      this.adapt(performance.now() - began);
      this.show(answer.body.offset);
      return answer.body.offset;
    }
    if (answer.status === 409 && answer.body && answer.body.code === "wrong_offset") {
      this.show(answer.body.offset);
      return answer.body.offset; // the server had more (or less): go on from its count
    }
    if (answer.status === 404 || answer.status === 410) forget(this.file); // choosing it again starts over
    await this.handleFailure(answer);
    const state = await this.ask(upload);
    // The server answers but this piece never arrives: the file changed on the
    // disk since it was chosen (the browser can no longer read it), or something
    // on the way drops large requests. Waiting longer will not help.
    this.stuck = state !== null && state.offset === held ? this.stuck + 1 : 0;
    if (this.stuck >= STUCK_AFTER) {
      throw new Refused(0, { message: "The file could not be sent. If it changed since you chose it, choose it again; the upload goes on where it stopped." });
    }
    if (state === null) {
      forget(this.file);
      throw new Refused(404, { message: "The server no longer has this upload: choose the file again to start over." });
    }
    this.show(state.offset);
    return state.offset;
  }

  adapt(elapsedMs) {
    if (elapsedMs > SLOW_CHUNK_MS) this.chunk = Math.max(CHUNK_MIN, this.chunk / 2);
    else if (elapsedMs < FAST_CHUNK_MS) this.chunk = Math.min(CHUNK_MAX, this.chunk * 2);
  }

  /** Wait before trying again after a failure worth retrying; throw on a refusal. */
  async handleFailure(answer) {
    const retry =
      answer.status === 0 ||
      answer.status >= 500 ||
      answer.status === 429 ||
      (answer.status === 409 && answer.body && answer.body.code === "busy") ||
      // The CSRF cookie is replaced at a log-in: the next try reads the new one.
      (answer.status === 403 && this.attempt === 0);
    if (!retry || (answer.status === 507 && answer.body && answer.body.code === "no_space")) {
      throw new Refused(answer.status, answer.body);
    }
    this.say(
      navigator.onLine === false || answer.status === 0
        ? "The connection dropped. Waiting for the network: the upload goes on by itself."
        : "The server did not take that piece. Trying again shortly.",
    );
    await pause(backoff(this.attempt));
    this.attempt += 1;
  }
}

function showRefusal(form, message) {
  let box = form.querySelector("[data-upload-error]");
  if (!box) {
    box = document.createElement("div");
    box.className = "form-errors";
    box.setAttribute("role", "alert");
    box.dataset.uploadError = "";
    form.prepend(box);
  }
  box.textContent = message;
}

function setUp() {
  const form = document.querySelector("form[data-uploads-url]");
  const box = document.getElementById("resumable-upload");
  if (!form || !box) return;
  const input = form.querySelector("input[type=file]");
  const button = form.querySelector("button[type=submit]");
  let running = false;

  const go = async (file) => {
    if (running) return;
    running = true;
    button.disabled = true;
    input.disabled = true;
    try {
      await new Upload(box, file, form.dataset.uploadsUrl).run();
    } catch (error) {
      box.hidden = true;
      showRefusal(form, error.message);
      running = false;
      button.disabled = false;
      input.disabled = false;
    }
  };

  const bigOne = () => {
    const files = input.files;
    return files && files.length === 1 && files[0].size >= CHUNKED_FROM ? files[0] : null;
  };

  form.addEventListener("submit", (event) => {
    const file = bigOne();
    if (!file) return; // a few files: the form's own request
    event.preventDefault();
    go(file);
  });

  // Uploads this browser began and did not finish: say how to go on with them.
  const unfinished = [];
  try {
    for (let index = 0; index < localStorage.length; index += 1) {
      const key = localStorage.key(index);
      if (key && key.startsWith(STORE_PREFIX)) unfinished.push(JSON.parse(localStorage.getItem(key)).name);
    }
  } catch {
    // Nothing readable kept: nothing to say.
  }
  const pending = document.getElementById("resumable-pending");
  if (pending && unfinished.length) {
    pending.textContent = `You began sending ${unfinished.join(", ")} from this browser: choose the same file again and it goes on where it stopped.`;
    pending.hidden = false;
  }

  // Choosing again a file this browser had begun sending goes on at once.
  input.addEventListener("change", () => {
    const file = bigOne();
    if (file && remembered(file)) go(file);
  });
}

setUp();
