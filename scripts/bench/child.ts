/**
 * One benchmark task in a process of its own (started by scripts/bench.ts), so
 * that a row's memory never stacks on another's and each row has its own peak
 * RSS. Usage: bun scripts/bench/child.ts '<ChildRequest as JSON>'.
 */
import { writeFileSync } from "node:fs";
import { backend } from "../../src/engine/device";
import { generateComponent } from "./generate";
import { peakRssBytes } from "./measure";
import { measureMachine } from "./machine";
import { benchModels, isPeerMade } from "./models";
import { decodeRow } from "./rows/decode";
import { decodeProfileRow } from "./rows/decode-profile";
import { encoderAdaptorRow } from "./rows/encoder-adaptor";
import { endToEndRow } from "./rows/end-to-end";
import { firstTokenRow } from "./rows/first-token";
import { frontendRow } from "./rows/frontend";
import { liveRow } from "./rows/live";
import { prefillRow } from "./rows/prefill";
import type { ChildRequest, ChildResult, RowResult } from "./tasks";

async function run(request: ChildRequest): Promise<ChildResult> {
  const { task, settings } = request;
  const row = (r: RowResult): ChildResult => ({ kind: "row", row: r });
  switch (task.kind) {
    case "generate": {
      if (isPeerMade(task.component)) throw new Error(`${task.component} is written by the transformers peer`);
      const t0 = performance.now();
      await generateComponent(settings.weightsDir, task.component, benchModels(settings.small));
      return { kind: "done", peak_rss_bytes: peakRssBytes(), seconds: (performance.now() - t0) / 1000 };
    }
    case "machine": {
      const machine = await measureMachine(settings.small);
      return { kind: "machine", machine, backend: backend(), peak_rss_bytes: peakRssBytes() };
    }
    case "frontend":
      return row(await frontendRow(task.mode, settings));
    case "encoder_adaptor":
      return row(await encoderAdaptorRow(settings));
    case "prefill":
      return row(await prefillRow(task.model, settings));
    case "decode":
      return row(await decodeRow(task.model, task.weights, task.tokens, settings));
    case "decode_profile":
      return row(await decodeProfileRow(task.model, task.weights, task.tokens, settings));
    case "end_to_end":
      return row(await endToEndRow(task.model, task.tokens, task.prompt, settings));
    case "first_token":
      return row(await firstTokenRow(task.model, task.prompt, settings));
    case "live":
      return row(await liveRow(task.model, task.seconds, settings));
  }
}

const request = JSON.parse(process.argv[2] ?? "") as ChildRequest;
backend();
const result = await run(request);
writeFileSync(request.resultFile, JSON.stringify(result));
