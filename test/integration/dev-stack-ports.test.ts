/**
 * The dev stack's ports (issue #15): the original README's port 8000 answers like 8787, wrangler's
 * private port refuses anyone who skips the front proxy, and a worker that refuses its settings is
 * reported instead of "ready". All through a real `npm run dev`.
 */
import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../dev/ports.ts";
import { commandLine } from "../../dev/process-tree.ts";
import { isolatedDevEnv, killAllDevStacks, processOf, runDev, type DevStack } from "../helpers/dev-stack.ts";
import { stopAll } from "../helpers/processes.ts";
import { rawRequest, requestHead } from "../helpers/raw-http.ts";

const ADMIN_SECRET = "ports-test-admin-secret-0123456789";
let blocker: Server | undefined;

afterAll(async () => {
  blocker?.close();
  killAllDevStacks();
  await stopAll();
});

/** The port `wrangler dev` was given: what `ps` shows an outsider. */
function privatePortOf(stack: DevStack): number {
  const match = /--port (\d+)/.exec(commandLine(processOf(stack, "wrangler.js")));
  if (match === null) throw new Error("no --port on wrangler's command line");
  return Number(match[1]);
}

async function adminStatus(base: string, secret: string, ip: string): Promise<number> {
  const res = await fetch(`${base}/admin/teams`, { headers: { authorization: `Bearer ${secret}`, "cf-connecting-ip": ip } });
  await res.body?.cancel();
  return res.status;
}

describe("npm run dev's ports", () => {
  it("answers on the compatibility port like on PORT, and its private port refuses requests that skip the proxy (403 naming the public URL)", async () => {
    const compat = await freePort();
    const env = await isolatedDevEnv({ ADMIN_SECRET, GROUPSYNC_COMPAT_PORT: String(compat) });
    const stack = runDev(env);
    await stack.ready;
    const base = `http://127.0.0.1:${env.PORT}`;
    expect(stack.said()).toContainEqual(expect.stringContaining(`also on http://127.0.0.1:${compat}, the original README's port`));

    // The original README's examples, on its port (localhost, trailing slash, no Content-Type).
    const health = await fetch(`http://localhost:${compat}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("ok");
    const created = await fetch(`http://localhost:${compat}/goals/`, { method: "POST", body: JSON.stringify({ id: "project1", title: "Complete System", owner: "team6" }) });
    expect(created.status).toBe(201);
    const seen = await fetch(`${base}/goals/project1`);
    expect(((await seen.json()) as { owner: string }).owner).toBe("team6");

    // The outsider's attack: wrong secrets with a fresh CF-Connecting-IP each, straight to wrangler.
    const hidden = `http://127.0.0.1:${privatePortOf(stack)}`;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${hidden}/admin/teams`, { headers: { authorization: `Bearer wrong-${i}`, "cf-connecting-ip": `10.0.0.${i}` } });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: "use_public_port", message: `this is wrangler's private port; send requests to ${base} instead`, details: { use: base } },
      });
    }
    expect(await adminStatus(hidden, ADMIN_SECRET, "10.0.0.9")).toBe(403);
    const upgrade = ["GET /ws HTTP/1.1", "Host: 127.0.0.1", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="];
    expect((await rawRequest(privatePortOf(stack), requestHead(upgrade), { closeAfterMs: 3_000 }).answer).status).toBe(403);
    expect((await rawRequest(Number(env.PORT), requestHead(upgrade), { closeAfterMs: 3_000 }).answer).status).toBe(101);
    // Through the proxy the secret is added and everything works; the supervisor's own probes too (no restarts).
    expect(await adminStatus(base, ADMIN_SECRET, "10.0.0.9")).toBe(200);
    expect(stack.said().filter((line) => line.includes("unhealthy") || line.includes("died"))).toEqual([]);
  }, 120_000);

  it("says in one line that the compatibility port is taken and carries on; a worker refusing its settings is reported instead of ready", async () => {
    const compat = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(compat, "127.0.0.1", resolve));
    const env = await isolatedDevEnv({ GROUPSYNC_COMPAT_PORT: String(compat), CORS_ALLOWED_ORIGINS: "http://x.example/path" });
    const stack = runDev(env);
    await expect.poll(() => stack.said().find((line) => line.includes("not ready")), { timeout: 90_000, interval: 250 }).toBeDefined();
    const said = stack.said();
    expect(said.filter((line) => line.includes(`port ${compat}`))).toEqual([
      `groupsync dev: port ${compat} (the original README's) is taken (EADDRINUSE), so the stack answers on http://127.0.0.1:${env.PORT} only; GROUPSYNC_COMPAT_PORT=... moves it, 0 turns it off`,
    ]);
    expect(said.at(-1)).toMatch(/^groupsync dev: running, but not ready: the worker is misconfigured: CORS_ALLOWED_ORIGINS .* \(Ctrl-C stops everything\)$/);
    expect(said.some((line) => line.includes("ready; Ctrl-C"))).toBe(false);
    const res = await fetch(`http://127.0.0.1:${env.PORT}/events`);
    expect(res.status).toBe(503);
  }, 120_000);
});
