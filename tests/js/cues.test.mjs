// The words of the spoken cues (static/runstrong/session/cues.js). When they
// are said is tested in a browser: tests/browser/test_voice_cues.py.
//
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import { shortCue, spokenDuration } from "../../src/runstrong/static/runstrong/session/cues.js";

test("a cue is said as its first clause, lower case, without the full stop", () => {
  assert.equal(shortCue("Rise up briskly, then take your time lowering."), "rise up briskly");
  assert.equal(shortCue("Feet flat, knees bent; hook the feet under something."), "feet flat");
  assert.equal(shortCue("Lower with control: the way back down is half the work."), "lower with control");
});

test("a long first clause is cut to six words", () => {
  assert.equal(
    shortCue("Sit back into the squat with the chest up and the knees tracking the toes."),
    "sit back into the squat with",
  );
});

test("an exercise without cues has nothing to add", () => {
  assert.equal(shortCue(undefined), "");
  assert.equal(shortCue(""), "");
});

test("a duration is said in hours, minutes and seconds, singular where it is one", () => {
  assert.equal(spokenDuration(750_400), "12 minutes 30 seconds");
  assert.equal(spokenDuration(61_000), "1 minute 1 second");
  assert.equal(spokenDuration(3_600_000), "1 hour");
  assert.equal(spokenDuration(120_000), "2 minutes");
  assert.equal(spokenDuration(400), "0 seconds");
});
