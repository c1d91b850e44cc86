/**
 * The child process that runs fuzz cases [from, to) one after another, writing
 * one JSON line per event on stdout. It runs apart from the harness so that a
 * crash or a hang costs a restart, not the run.
 *
 *   bun scripts/fuzz/worker.ts <runSeed> <from> <to> <workDir> [only,targets]
 */
import { runCase } from "./run-case";

export type WorkerEvent =
  | { readonly event: "ready" }
  | { readonly event: "start"; readonly index: number }
  | { readonly event: "done"; readonly result: import("./run-case").CaseResult }
  | { readonly event: "end" };

function emit(e: WorkerEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

async function main(): Promise<void> {
  const [seedText, fromText, toText, workDir, onlyText] = process.argv.slice(2);
  const [runSeed, from, to] = [Number(seedText), Number(fromText), Number(toText)];
  if (![runSeed, from, to].every(Number.isSafeInteger) || !workDir) {
    process.stderr.write("usage: bun scripts/fuzz/worker.ts <runSeed> <from> <to> <workDir> [only]\n");
    process.exit(2);
  }
  const only = onlyText ? onlyText.split(",") : [];
  emit({ event: "ready" });
  for (let index = from; index < to; index++) {
    emit({ event: "start", index });
    emit({ event: "done", result: await runCase(index, { runSeed, workDir, only }) });
    // The engine frees arrays only after a collection and a turn of the event loop.
    if (index % 20 === 19) Bun.gc(true);
    await new Promise((resolve) => setImmediate(resolve));
  }
  emit({ event: "end" });
}

process.on("unhandledRejection", (e) => {
  process.stderr.write(`unhandled rejection: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(70);
});

await main();
