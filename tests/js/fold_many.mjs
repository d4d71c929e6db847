// Folds many logs with the browser's engine, for tests/js/test_node_suite.py to
// compare with the Python engine: reads [{plan, events, now}, …] as JSON on
// stdin, writes [{state, result} | {error_at, error}, …] as JSON on stdout.

import {
  apply,
  eventFromDict,
  initialState,
  planFromDict,
  result,
  stateToDict,
} from "../../src/runstrong/static/runstrong/session/engine.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;

const outcomes = JSON.parse(input).map(({ plan, events, now }) => {
  let state = initialState(planFromDict(plan));
  for (const [index, raw] of events.entries()) {
    try {
      state = apply(state, eventFromDict(raw));
    } catch (error) {
      return { error_at: index, error: `${error.name}: ${error.message}` };
    }
  }
  let folded = null;
  try {
    folded = result(state);
  } catch (error) {
    folded = `${error.name}: ${error.message}`;
  }
  return { state: stateToDict(state, now), result: folded };
});
process.stdout.write(JSON.stringify(outcomes));
