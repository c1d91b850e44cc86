/**
 * Under Deno too, a long decode keeps a flat memory profile: V8's collections (gc,
 * exposed by --v8-flags=--expose-gc or taken at run time) free the engine's arrays
 * once the event loop turns, as Bun's do. The bound is the Bun decode-memory test's.
 */
import assert from "node:assert/strict";
import { measureDecodeMemory } from "../../scripts/decode-memory.ts";
import { smokeTest } from "./harness.ts";

const STEPS = 1000;
const RSS_GROWTH_BOUND_MB = 40;

smokeTest({
  name: `${STEPS} decode steps grow peak RSS by less than ${RSS_GROWTH_BOUND_MB} MB after warm-up`,
  fn: async () => {
    const measured = await measureDecodeMemory(STEPS);
    console.log(`decode memory under Deno: ${JSON.stringify(measured)}`);
    assert.equal(measured.runtime, "deno");
    assert.equal(measured.steps, STEPS);
    assert.ok(measured.growthMb < RSS_GROWTH_BOUND_MB, `grew ${measured.growthMb} MB`);
  },
});
