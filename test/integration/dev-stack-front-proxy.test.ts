/**
 * The dev stack's public port against clients that misbehave on purpose (an outside tester's
 * findings): huge declared bodies, bodies that never arrive, chunked bodies past the limit, and
 * Authorization headers Node would otherwise drop. All through a real `npm run dev`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedDevEnv, killAllDevStacks, probe, runDev, type DevStack, type ProbeOutcome } from "../helpers/dev-stack.ts";
import { stopAll } from "../helpers/processes.ts";
import { bodyOf, rawRequest, requestHead } from "../helpers/raw-http.ts";
import { createTeamToken } from "../helpers/teams.ts";

let stack: DevStack;
let env: Record<string, string>;
let port: number;
let base: string;

beforeAll(async () => {
  env = await isolatedDevEnv({ ADMIN_SECRET: "front-proxy-test-admin-secret-0123456789" });
  stack = runDev(env);
  await stack.ready;
  port = Number(env.PORT);
  base = `http://127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  killAllDevStacks();
  await stopAll();
});

/** /ping every 100 ms, each allowed 1 s, until `done` settles. */
async function pingWhile(done: Promise<unknown>): Promise<ProbeOutcome[]> {
  const outcomes: Promise<ProbeOutcome>[] = [];
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    outcomes.push(probe(`${base}/ping`, 1_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Promise.all(outcomes);
}

function slow(outcomes: ProbeOutcome[]): ProbeOutcome[] {
  return outcomes.filter((o) => o.kind !== "answered" || o.status !== 200 || o.ms >= 1_000);
}

const restarts = () => stack.said().filter((line) => line.includes("restarting wrangler dev") || line.includes("worker died"));

describe("the dev stack's front proxy", () => {
  it("answers 500 sockets declaring a 99999999999-byte body 413 at once; /ping never waits and the worker is not restarted", async () => {
    const head = requestHead(["POST /events HTTP/1.1", "Host: localhost", "Content-Length: 99999999999"]);
    const attack = Array.from({ length: 500 }, () => rawRequest(port, head + "x", { closeAfterMs: 3_000 }).answer);
    const answers = Promise.all(attack);
    // Keep pinging past the supervisor's 5 s health limit, so a restart would show.
    const pings = await pingWhile(Promise.all([answers, new Promise((resolve) => setTimeout(resolve, 8_000))]));
    expect(slow(pings), "pings that failed or took 1 s").toEqual([]);
    const statuses = (await answers).map((a) => a.status);
    expect(statuses.filter((s) => s !== 413)).toEqual([]);
    const one = (await answers)[0]!;
    expect(bodyOf(one.text)).toEqual({ error: { code: "payload_too_large", message: "the body is larger than 65536 bytes" } });
    expect(one.closedAfterMs, "closed after the 413, not held").toBeLessThan(2_000);
    expect(restarts()).toEqual([]);
  }, 60_000);

  it("answers a declared 100000-byte body that sends one byte 413 at once (curl -H 'Content-Length: 100000' -d x)", async () => {
    const { answer } = rawRequest(port, requestHead(["POST /events HTTP/1.1", "Host: localhost", "Content-Type: application/json", "Content-Length: 100000"]) + "x");
    const { status, closedAfterMs } = await answer;
    expect(status).toBe(413);
    expect(closedAfterMs).toBeLessThan(1_000);
  });

  it("cuts a chunked body at 64 KiB with 413, and forwards a small chunked body whole", async () => {
    const chunk = "x".repeat(16 * 1024);
    const chunked = (parts: string[]) => parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join("") + "0\r\n\r\n";
    const big = rawRequest(port, requestHead(["POST /events HTTP/1.1", "Host: localhost", "Transfer-Encoding: chunked"]) + chunked([chunk, chunk, chunk, chunk, chunk]));
    expect((await big.answer).status).toBe(413);
    const event = JSON.stringify({ id: "chunked-ok", title: "sent in chunks", starts_at: "2026-12-03T10:00:00Z" });
    const small = rawRequest(port, requestHead(["POST /events HTTP/1.1", "Host: localhost", "Transfer-Encoding: chunked"]) + chunked([event.slice(0, 10), event.slice(10)]));
    expect((await small.answer).status).toBe(201);
  });

  it("answers bodies that never arrive 408 after 10 s and closes them; 300 of them held meanwhile leave /ping answering", async () => {
    const head = requestHead(["POST /events HTTP/1.1", "Host: localhost", "Content-Length: 1000"]);
    const held = Array.from({ length: 300 }, () => rawRequest(port, head + "{", { closeAfterMs: 20_000 }).answer);
    const answers = Promise.all(held);
    const pings = await pingWhile(answers);
    expect(slow(pings), "pings that failed or took 1 s").toEqual([]);
    for (const { status, text, closedAfterMs } of await answers) {
      expect(status).toBe(408);
      expect(text).toMatch(/^content-type: application\/json\r$/im);
      expect(bodyOf(text)).toEqual({ error: { code: "request_timeout", message: expect.stringContaining("did not all arrive within 10 s") } });
      expect(closedAfterMs).toBeGreaterThan(9_000);
      expect(closedAfterMs).toBeLessThan(13_000);
    }
    expect(restarts()).toEqual([]);
  }, 60_000);

  it("answers an empty Host, an unreadable Content-Length, a 20 KB path and a 60 KB header in the API's error shape", async () => {
    const ask = async (lines: string[]) => {
      const { status, text } = await rawRequest(port, requestHead(lines)).answer;
      return { status, json: /^content-type: application\/json\r$/im.test(text), body: bodyOf(text) };
    };
    const refused = (status: number, code: string, message: string) => ({ status, json: true, body: { error: { code, message: expect.stringContaining(message) } } });
    expect(await ask(["GET /events HTTP/1.1", "Host:"])).toEqual(refused(400, "bad_request", "the Host header is empty"));
    expect(await ask(["POST /events HTTP/1.1", "Host: localhost", "Content-Length: 99999999999999999999"])).toEqual(refused(400, "bad_request", "the Content-Length header"));
    expect(await ask([`GET /${"a".repeat(20_000)} HTTP/1.1`, "Host: localhost"])).toEqual(refused(431, "header_too_large", "too long"));
    expect(await ask(["GET /events HTTP/1.1", "Host: localhost", `X-Big: ${"b".repeat(60_000)}`])).toEqual(refused(431, "header_too_large", "too long"));
    expect(restarts()).toEqual([]);
  });

  it("refuses two Authorization headers, or an empty one, with 401 (Node would keep only the first, or drop it)", async () => {
    const token = await createTeamToken(base, env.ADMIN_SECRET!, "proxycrew");
    const ask = async (lines: string[], body = "") => {
      const { status, text } = await rawRequest(port, requestHead(lines) + body).answer;
      return { status, body: status === 401 ? bodyOf(text) : null };
    };
    expect((await ask(["GET /events HTTP/1.1", "Host: localhost", `Authorization: Bearer ${token}`])).status).toBe(200);
    const twice = await ask(["GET /events HTTP/1.1", "Host: localhost", `Authorization: Bearer ${token}`, "Authorization: Basic abc"]);
    expect(twice).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
    const event = JSON.stringify({ id: "empty-auth", title: "not anonymous", starts_at: "2026-12-04T10:00:00Z" });
    const empty = await ask(["POST /events HTTP/1.1", "Host: localhost", "Authorization:", `Content-Length: ${event.length}`], event);
    expect(empty).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
  });

  // Last in the file: it uses up this address's wrong admin secrets for the rest of the minute.
  it("counts wrong admin secrets by the real peer, whatever CF-Connecting-IP the client sends (10 a minute by default, then 429)", async () => {
    const statuses: number[] = [];
    // Up to 21: the 10 allowed may straddle two fixed windows.
    for (let i = 0; i < 21 && !statuses.includes(429); i++) {
      const res = await fetch(`${base}/admin/teams`, { headers: { authorization: `Bearer wrong-${i}`, "cf-connecting-ip": `203.0.113.${i + 1}` } });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      await res.body?.cancel();
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });
});
