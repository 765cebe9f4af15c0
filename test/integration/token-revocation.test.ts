import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { AgentCluster } from "../helpers/agents.ts";
import { stopAll, tempDir } from "../helpers/processes.ts";
import { startWorkerStack, type WorkerStack } from "../helpers/stack.ts";

/**
 * Revocation against the real worker under `wrangler dev`, with real sockets: a revoked token is
 * refused over REST and its open WebSocket closed within a second of the admin's request, and a
 * token deleted from Redis by hand stops working within a second too (the member cache's limit).
 */
const ADMIN_SECRET = "token-revocation-admin-secret-0123";
let stack: WorkerStack;
let url: string;

beforeAll(async () => {
  stack = await startWorkerStack({ vars: { ADMIN_SECRET, GROUPSYNC_ENV: "development", GROUPSYNC_OPEN_TEAM: "open" } });
  url = stack.worker.url;
});
afterAll(stopAll);

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_SECRET}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

async function newTeam(team: string, members: string[]): Promise<Record<string, string>> {
  const res = await admin("POST", "/admin/teams", { team, members });
  expect(res.status).toBe(201);
  return ((await res.json()) as { tokens: Record<string, string> }).tokens;
}

const status = async (token: string) => (await fetch(`${url}/events`, { headers: { authorization: `Bearer ${token}` } })).status;

/** Opens /ws as the token's member; resolves once hello came, with a promise of how it closes. */
async function openSocket(token: string) {
  const socket = new WebSocket(`${url.replace("http", "ws")}/ws?token=${token}`);
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: String(reason), at: performance.now() })));

  const messages: { type: string; code?: string; message?: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      // ws delivers frames in order: a message seen while OPEN came before the Close frame.
      if (socket.readyState === WebSocket.OPEN) messages.push(message);
      if (message.type === "hello") resolve();
    });
    socket.once("error", reject);
  });
  // The hub's Close frame: ws leaves OPEN when it arrives ("close" itself waits for the TCP end).
  const closing = new Promise<number>((resolve) => {
    const poll = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) return;
      clearInterval(poll);
      resolve(performance.now());
    }, 5);
  });
  /** The last message that came before the Close frame. */
  const lastBeforeClose = async () => (await closing, messages.at(-1));
  return { socket, closed, closing, lastBeforeClose };
}

/** Polls until the token is refused; answers when (performance.now()) the first 401 came. */
async function refusedAt(token: string, limitMs = 5000): Promise<number> {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if ((await status(token)) === 401) return performance.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`still accepted after ${limitMs} ms`);
}

describe("revoking a token (real worker)", () => {
  it("DELETE a member: REST refuses the token and its WebSocket is closed with 4401 within 1 s", async () => {
    const tokens = await newTeam("revoke-rest", ["ana", "bo"]);
    for (let i = 0; i < 5; i++) expect(await status(tokens.ana!)).toBe(200); // cached in the isolate
    const { closed, closing, lastBeforeClose } = await openSocket(tokens.ana!);
    const started = performance.now();
    const refused = refusedAt(tokens.ana!);
    const res = await admin("DELETE", "/admin/teams/revoke-rest/members/ana");
    expect(res.status).toBe(204);
    const [refusedMs, closingMs] = [(await refused) - started, (await closing) - started];
    const socket = await closed;
    console.log(`revoked: REST refused after ${refusedMs.toFixed(0)} ms, the hub's Close frame after ${closingMs.toFixed(0)} ms (the TCP end after ${(socket.at - started).toFixed(0)} ms)`);
    expect(socket).toMatchObject({ code: 4401, reason: "token revoked" });
    expect(await lastBeforeClose()).toEqual({ type: "error", code: "token_revoked", message: expect.stringContaining("revoked") });
    expect(refusedMs).toBeLessThan(1000);
    expect(closingMs).toBeLessThan(1000);
    expect(await status(tokens.bo!)).toBe(200);
  });

  it("rotate, reissue and team deletion: each socket gets an error saying why right before its 4401 Close frame", async () => {
    const tokens = await newTeam("revoke-why", ["ana", "bo", "cy"]);
    const [ana, bo, cy] = await Promise.all([openSocket(tokens.ana!), openSocket(tokens.bo!), openSocket(tokens.cy!)]);
    expect((await fetch(`${url}/me/token`, { method: "POST", headers: { authorization: `Bearer ${tokens.ana!}` } })).status).toBe(201);
    expect((await admin("POST", "/admin/teams/revoke-why/members/bo/token")).status).toBe(201);
    expect((await admin("DELETE", "/admin/teams/revoke-why")).status).toBe(204);
    const seen = await Promise.all([ana, bo, cy].map(async (s) => ({ last: await s.lastBeforeClose(), close: await s.closed })));
    expect(seen.map(({ last, close }) => [last?.type, last?.code, close.code, close.reason])).toEqual([
      ["error", "token_rotated", 4401, "token rotated"],
      ["error", "token_replaced", 4401, "token replaced"],
      ["error", "team_deleted", 4401, "team deleted"],
    ]);
    for (const { last } of seen) expect(last?.message).toMatch(/socket is closed/);
  });

  it("a token deleted from Redis by hand stops working within 1 s (the cache's limit)", async () => {
    const tokens = await newTeam("revoke-by-hand", ["ana"]);
    for (let i = 0; i < 5; i++) expect(await status(tokens.ana!)).toBe(200);
    const hash = createHash("sha256").update(tokens.ana!).digest("hex");
    const started = performance.now();
    const del = await fetch(stack.gateway.url, { method: "POST", headers: { authorization: `Bearer ${stack.gateway.token}`, "content-type": "application/json" }, body: JSON.stringify(["DEL", `gs:token:${hash}`]) });
    expect(((await del.json()) as { result: number }).result).toBe(1);
    const refusedMs = (await refusedAt(tokens.ana!)) - started;
    console.log(`deleted by hand: REST refused after ${refusedMs.toFixed(0)} ms`);
    expect(refusedMs).toBeLessThan(1000);
  });

  it("measures the member cache on the hot path: steady use never waits for a lookup", async () => {
    const tokens = await newTeam("revoke-cost", ["ana"]);
    const timed = async () => {
      const started = performance.now();
      expect(await status(tokens.ana!)).toBe(200);
      return performance.now() - started;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    await timed();
    const steady: number[] = [];
    for (let i = 0; i < 200; i++) steady.push(await timed());
    const cold: number[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1000)); // past EXPIRE_MS: this request looks the token up
      cold.push(await timed());
    }
    console.log(`GET /events median: steady ${median(steady).toFixed(1)} ms (200 in a row), after 1 s idle ${median(cold).toFixed(1)} ms (token looked up)`);
    expect(steady.length).toBe(200);
  });
});

describe("groupsync-agent token rotate (real CLI, real worker)", () => {
  it("prints the new token alone on stdout; the old one is refused, the new one works", async () => {
    const tokens = await newTeam("rotate-cli", ["ana"]);
    const cli = new AgentCluster();
    const env = { GROUPSYNC_URL: url, XDG_CONFIG_HOME: tempDir("groupsync-config-") };
    const run = await cli.cli(["token", "rotate"], { ...env, GROUPSYNC_TOKEN: tokens.ana! });
    expect(run.code).toBe(0);
    const fresh = run.stdout.trim();
    expect(fresh).toMatch(/^gs_[A-Za-z0-9_-]{43}$/);
    expect(run.stderr).toContain("the old one no longer works");
    expect(await status(tokens.ana!)).toBe(401);
    expect(await status(fresh)).toBe(200);
    // The old token again: one error line, exit 1. No token at all: a usage error, exit 2.
    const again = await cli.cli(["token", "rotate"], { ...env, GROUPSYNC_TOKEN: tokens.ana! });
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^groupsync-agent: unauthorized: .*\n$/) });
    const none = await cli.cli(["token", "rotate"], { ...env, GROUPSYNC_TOKEN: "" });
    expect({ code: none.code, stdout: none.stdout }).toEqual({ code: 2, stdout: "" });
    expect(none.stderr).toContain("GROUPSYNC_TOKEN");
  });
});

describe("the open team under wrangler dev", () => {
  it("refuses a foreign Host and a foreign-Origin WebSocket, serves 127.0.0.1 and curl", async () => {
    expect((await fetch(`${url}/events`)).status).toBe(200);
    const port = new URL(url).port;
    const rebound = await new Promise<number>((resolve, reject) => {
      // fetch() will not send another Host; a raw request will.
      import("node:http").then(({ request }) => {
        const req = request({ host: "127.0.0.1", port, path: "/events", headers: { host: `evil.example:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      }, reject);
    });
    expect(rebound).toBe(403);
    const foreign = new WebSocket(`${url.replace("http", "ws")}/ws`, { origin: "https://evil.example" });
    const answer = await new Promise<number>((resolve) => {
      foreign.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      foreign.once("open", () => resolve(101));
      foreign.once("error", () => resolve(-1));
    });
    expect(answer).toBe(403);
    const own = new WebSocket(`${url.replace("http", "ws")}/ws`, { origin: url });
    await new Promise<void>((resolve, reject) => {
      own.once("open", () => resolve());
      own.once("error", reject);
    });
    own.close();
  });
});
