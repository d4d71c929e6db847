// The shared engine vectors (tests/vectors/engine/*.json) against the browser's
// fold, static/runstrong/session/engine.js. The Python fold runs the same files
// (tests/workouts/test_engine_vectors.py); see tests/vectors/README.md.
//
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  EventError,
  apply,
  eventFromDict,
  initialState,
  planFromDict,
  result,
  stateToDict,
} from "../../src/runstrong/static/runstrong/session/engine.js";

const here = dirname(fileURLToPath(import.meta.url));
const vectorsDir = join(here, "..", "vectors", "engine");
const files = readdirSync(vectorsDir)
  .filter((name) => name.endsWith(".json"))
  .sort();

function pick(object, keys) {
  return Object.fromEntries(keys.map((key) => [key, object[key]]));
}

test("there are vectors to run", () => {
  assert.ok(files.length >= 15, `only ${files.length} vectors in ${vectorsDir}`);
});

for (const name of files) {
  test(`JS fold matches ${name}`, () => {
    const vector = JSON.parse(readFileSync(join(vectorsDir, name), "utf-8"));
    const plan = planFromDict(vector.plan);
    const expect = vector.expect;
    let state = initialState(plan);

    if ("error_at" in expect) {
      for (const raw of vector.events.slice(0, expect.error_at)) {
        state = apply(state, eventFromDict(raw));
      }
      assert.throws(
        () => apply(state, eventFromDict(vector.events[expect.error_at])),
        (error) => {
          assert.ok(error instanceof EventError, `${error} is not an EventError`);
          assert.ok(
            error.message.includes(expect.error_contains),
            `"${error.message}" does not contain "${expect.error_contains}"`,
          );
          return true;
        },
      );
      return;
    }

    for (const raw of vector.events) {
      state = apply(state, eventFromDict(raw));
    }
    const shown = stateToDict(state, expect.now);
    assert.deepEqual(pick(shown, Object.keys(expect.state)), expect.state);
    if ("result" in expect) {
      const outcome = result(state);
      assert.deepEqual(pick(outcome, Object.keys(expect.result)), expect.result);
    } else {
      assert.throws(() => result(state), EventError);
    }
  });
}
