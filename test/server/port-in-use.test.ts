/**
 * A port another server holds is an error of its own — one line, exit status 11,
 * before any model is loaded — unless sharing was asked for with --reuse-port.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { EXIT_STATUS } from "../../src/errors";
import { startHttpServer, type HttpServer } from "../../src/server/http";
import { ROOT } from "../helpers/cli";
import { allowSlowTests } from "../helpers/timeout";
import { tinyModel, type TinyModel } from "./harness";

allowSlowTests();

let model: TinyModel;
const held: HttpServer[] = [];

beforeAll(async () => {
  model = await tinyModel("funasr-qwen4b");
});

afterAll(async () => {
  for (const server of held) await server.stop();
  model?.remove();
});

function holdPort(reusePort: boolean): HttpServer {
  const server = startHttpServer({ hostname: "127.0.0.1", port: 0, reusePort, handler: async () => new Response("the first server") });
  held.push(server);
  return server;
}

/** `mlx-asr serve` until it exits or prints its URL (then SIGTERM). */
async function serveOn(port: number, extra: string[] = []): Promise<{ status: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(["bun", join(ROOT, "src/cli/main.ts"), "serve", "--model", model.dir, "--port", String(port), ...extra], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.getReader();
  let stdout = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    stdout += new TextDecoder().decode(value);
    if (stdout.includes("http://")) {
      child.kill("SIGTERM");
      break;
    }
  }
  return { status: await child.exited, stdout, stderr: await stderr };
}

test("a second server on a held port: one line, exit 11, no 'Serving'", async () => {
  const first = holdPort(false);
  const r = await serveOn(first.port);
  expect(r.status).toBe(EXIT_STATUS.port_in_use);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toEqual([
    `mlx-asr: error[PORT_IN_USE]: 127.0.0.1:${first.port}: is already in use by another program (another mlx-asr serve?); choose another --port, or add --reuse-port to both servers to share it on purpose`,
  ]);
  // The first server still has the port to itself.
  expect(await (await fetch(`${first.url.origin}/`)).text()).toBe("the first server");
});

test("--reuse-port shares the port with a server that asked for the same", async () => {
  const first = holdPort(true);
  const r = await serveOn(first.port, ["--reuse-port"]);
  expect(r.stdout).toContain(`at http://127.0.0.1:${first.port}`);
  expect(r.status).toBe(0);
});
