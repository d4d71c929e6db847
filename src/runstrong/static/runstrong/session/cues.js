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
