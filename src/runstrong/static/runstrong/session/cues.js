// What the athlete hears and feels, and the screen kept awake: a beep (no
// audio file: a WebAudio oscillator), a vibration where the phone can, a
// sentence for screen readers, and a Screen Wake Lock.

let audio = null;

/** Call from a tap: browsers only let a page make sound after a gesture. */
export function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume().catch(() => undefined);
  } catch {
    audio = null; // no sound, the vibration and the words still come
  }
}

function tone(frequency, startIn, seconds) {
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  const start = audio.currentTime + startIn;
  oscillator.frequency.value = frequency;
  // A short ramp each end: a hard start or stop clicks.
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + seconds);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start(start);
  oscillator.stop(start + seconds + 0.02);
}

/** One beep for a new exercise; a rising pair for the finish. */
export function signal(kind) {
  if (audio && audio.state === "running") {
    if (kind === "finish") {
      tone(660, 0, 0.18);
      tone(990, 0.22, 0.35);
    } else {
      tone(880, 0, 0.2);
    }
  }
  if (navigator.vibrate) {
    navigator.vibrate(kind === "finish" ? [200, 100, 400] : 200);
  }
}

/** Say it once, politely, to screen readers (never used for the ticking clock). */
export function announce(element, text) {
  // Clearing first makes a repeated sentence ("Next: …") be read again.
  element.textContent = "";
  setTimeout(() => {
    element.textContent = text;
  }, 50);
}

/**
 * Keeps the screen on while `wanted()` says so: asks on `acquire()` and again
 * each time the page becomes visible (the browser drops the lock when the page
 * is hidden). `onRefused(reason)` shows the hint; `onHeld()` hides it.
 */
export class WakeLock {
  constructor({ wanted, onRefused, onHeld }) {
    this.wanted = wanted;
    this.onRefused = onRefused;
    this.onHeld = onHeld;
    this.sentinel = null;
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.wanted()) this.acquire();
    });
  }

  async acquire() {
    if (this.sentinel && !this.sentinel.released) return;
    if (!("wakeLock" in navigator)) {
      this.onRefused("unsupported");
      return;
    }
    try {
      this.sentinel = await navigator.wakeLock.request("screen");
      this.onHeld();
      this.sentinel.addEventListener("release", () => {
        this.sentinel = null;
      });
    } catch (error) {
      // Battery saver, a hidden page, or a browser policy said no.
      this.onRefused(error && error.name ? error.name : "refused");
    }
  }

  release() {
    if (this.sentinel) {
      this.sentinel.release().catch(() => undefined);
      this.sentinel = null;
    }
  }
}

/**
 * The spoken cue, for an athlete who chose it: the browser's own speech
 * synthesis, no audio files. Where a browser has none, nothing happens.
 */
function synthesis() {
  return "speechSynthesis" in window && "SpeechSynthesisUtterance" in window
    ? window.speechSynthesis
    : null;
}

/** Stop whatever is being said or waiting to be (voice switched off). */
export function hush() {
  try {
    synthesis()?.cancel();
  } catch {
    // Speech is extra: a browser that refuses it changes nothing else.
  }
}

/**
 * Say `text()` once the screen has changed: the tap is stored and painted
 * before any speech work starts (a frame, then a task after it), and a new
 * cue cuts off one still queued, so the voice never lags behind the taps.
 */
export function speak(text) {
  if (!synthesis()) return;
  requestAnimationFrame(() => setTimeout(() => {
    const words = text();
    try {
      const speech = synthesis();
      speech.cancel();
      speech.speak(new SpeechSynthesisUtterance(words));
    } catch {
      // As in hush: no voice, the beep and the screen still say it.
    }
  }, 0));
}

/**
 * Call from a tap with the voice on: Safari only lets a page speak after a
 * gesture has spoken once; an empty utterance is enough and is silent.
 */
export function unlockSpeech() {
  const speech = synthesis();
  if (!speech || speech.speaking) return;
  try {
    speech.speak(new SpeechSynthesisUtterance(""));
  } catch {
    // No voice: nothing else depends on it.
  }
}

/** A cue said in a breath: its first clause, at most six words. */
export function shortCue(cue) {
  const clause = (cue || "").split(/[.,;:!?]| — /)[0].trim();
  const words = clause.split(/\s+/).filter(Boolean).slice(0, 6).join(" ");
  return words ? words.charAt(0).toLowerCase() + words.slice(1) : "";
}

function unit(count, name) {
  return `${count} ${name}${count === 1 ? "" : "s"}`;
}

/** 750400 -> "12 minutes 30 seconds": a duration as it is said, not read. */
export function spokenDuration(ms) {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const secs = seconds % 60;
  const parts = [];
  if (hours) parts.push(unit(hours, "hour"));
  if (minutes) parts.push(unit(minutes, "minute"));
  if (secs || !parts.length) parts.push(unit(secs, "second"));
  return parts.join(" ");
}
