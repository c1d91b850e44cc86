/** The tiny-model generator's command line: --help prints its usage, bad options one line, never a stack trace. */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_STATUS } from "../../src/errors";
import { ROOT } from "../helpers/cli";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-make-tiny-"));

function makeTiny(args: string[]) {
  const r = Bun.spawnSync(["bun", join(ROOT, "scripts", "make-tiny-model.ts"), ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { status: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

test("--help prints the usage and exits 0", () => {
  const r = makeTiny(["--help"]);
  expect(r.status).toBe(0);
  expect(r.stdout).toStartWith("usage: bun scripts/make-tiny-model.ts <out-dir>");
  expect(r.stdout).toContain("--decoder-width");
  expect(r.stderr).toBe("");
});

test("unknown options, missing or extra folders and bad values: one line, usage status, nothing written", () => {
  const cases: [string[], RegExp][] = [
    [["--bogus", join(dir, "a")], /Unknown option '--bogus'/],
    [[], /give exactly one output folder/],
    [[join(dir, "b"), join(dir, "c")], /give exactly one output folder/],
    [[join(dir, "d"), "--family", "whisper"], /unknown model family "whisper"/],
    [[join(dir, "e"), "--seed", "abc"], /--seed: must be a whole number/],
    [[join(dir, "f"), "--decoder-width", "12"], /--decoder-width: must be a positive multiple of 8/],
  ];
  for (const [args, message] of cases) {
    const r = makeTiny(args);
    expect(r.status).toBe(EXIT_STATUS.usage);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("    at ");
  }
  for (const name of ["a", "b", "c", "d", "e", "f"]) expect(existsSync(join(dir, name))).toBe(false);
});

test("good options still write the model", () => {
  const out = join(dir, "ok");
  const r = makeTiny([out, "--family", "fun-asr-nano", "--seed", "3", "--decoder-width", "64"]);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe(out);
  expect(existsSync(join(out, "family.json"))).toBe(true);
});
