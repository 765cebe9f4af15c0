import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../dev/gateway-process.ts";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { createTeamToken } from "../helpers/teams.ts";
import { stopAll, type TestRedis } from "../helpers/processes.ts";
import { startWorkerStack, type WorkerStack } from "../helpers/stack.ts";
import { jsonApi } from "../helpers/http.ts";

/**
 * The API through the real worker under `wrangler dev`, real HTTP, a real gateway and redis-server:
 * what it publishes, and that what it acknowledged survives restarts of the worker and of Redis.
 */
const ADMIN_SECRET = "integration-admin-secret-123";
let stack: WorkerStack;
let redis: TestRedis;
let gateway: RunningGateway;
let worker: RunningWorker;
let token: string;

const api = jsonApi(() => worker.url, () => token);

beforeAll(async () => {
  stack = await startWorkerStack({ vars: { ADMIN_SECRET } });
  ({ redis, gateway, worker } = stack);
  token = await createTeamToken(worker.url, ADMIN_SECRET, "durable");
});

afterAll(stopAll);

describe("the API under wrangler dev", () => {
  it("publishes every change on calendar_events and goal_updates, as the original named them", async () => {
    const subscriber = createClient({ url: redis.url });
    await subscriber.connect();
    const messages: Array<{ channel: string; message: any }> = [];
    await subscriber.subscribe(["calendar_events", "goal_updates"], (message, channel) => messages.push({ channel, message: JSON.parse(message) }));

    await api("POST", "/events", { id: "pub", title: "Published", starts_at: "2026-05-01T10:00:00Z" });
    await api("PATCH", "/events/pub", { title: "Renamed" });
    await api("DELETE", "/events/pub");
    await api("POST", "/goals", { id: "g-pub", title: "Goal" });
    await api("PATCH", "/goals/g-pub", { progress: 50 });
    await api("POST", "/events", { title: "Refused", starts_at: "2026-05-01T10:00:00Z", ends_at: "2026-05-01T09:00:00Z" });

    await expect.poll(() => messages.length).toBe(5);
    expect(messages.map((m) => [m.channel, m.message.type, m.message.id])).toEqual([
      ["calendar_events", "event.created", "pub"],
      ["calendar_events", "event.updated", "pub"],
      ["calendar_events", "event.deleted", "pub"],
      ["goal_updates", "goal.created", "g-pub"],
      ["goal_updates", "goal.updated", "g-pub"],
    ]);
    expect(messages[1]!.message).toMatchObject({ team: "durable", by: "ana", event: { title: "Renamed", version: 2 } });
    expect(messages[4]!.message.goal).toMatchObject({ progress: 50 });
    await subscriber.close();
  });

  it("100 concurrent bookings of one slot over real HTTP: exactly one 201, 99 409, no 5xx", async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => api("POST", "/events", { id: `storm-${i}`, title: "Storm", starts_at: "2026-06-01T14:00:00Z", ends_at: "2026-06-01T15:00:00Z" })),
    );
    const count = (status: number) => results.filter((r) => r.status === status).length;
    expect([count(201), count(409), results.length - count(201) - count(409)]).toEqual([1, 99, 0]);
  });

  it("keeps what it acknowledged across a worker restart and a Redis restart", async () => {
    const event = await api("POST", "/events", { id: "keep", title: "Keep me", starts_at: "2026-07-01T10:00:00Z" });
    const goal = await api("POST", "/goals", { id: "keep", title: "Keep me too", progress: 30 });
    expect([event.status, goal.status]).toEqual([201, 201]);

    await worker.process.stop();
    worker = await stack.startWorker();
    expect((await api("GET", "/events/keep")).json).toEqual(event.json);

    // SIGKILL: no chance to flush anything on the way out. AOF with fsync always must suffice.
    redis.process.signal("SIGKILL");
    await redis.process.exited;
    redis = await redis.restart();
    await expect.poll(async () => (await api("GET", "/goals/keep")).status, { timeout: 10_000 }).toBe(200);
    expect((await api("GET", "/goals/keep")).json).toEqual(goal.json);
    expect((await api("GET", "/events/keep")).json).toEqual(event.json);
    // and the slot is still taken
    expect((await api("POST", "/events", { title: "Clash", starts_at: "2026-07-01T10:30:00Z" })).status).toBe(409);
  });

  it("with Redis frozen, a write answers 503 outcome_unknown, never 'not written': no Retry-After, read first", async () => {
    const admin = jsonApi(() => worker.url, () => ADMIN_SECRET);
    // The worker knows the token, and Redis has the scripts (a fresh or restarted Redis answers
    // the first EVALSHA with NOSCRIPT, which would keep the frozen writes from landing at all).
    expect((await api("POST", "/events", { id: "warm-event", title: "Warm", starts_at: "2026-09-01T08:00:00Z" })).status).toBe(201);
    expect((await api("POST", "/goals", { id: "warm-goal", title: "Warm" })).status).toBe(201);
    expect((await admin("POST", "/admin/teams", { team: "warm-team", members: ["ana"] })).status).toBe(201);
    redis.process.signal("SIGSTOP");
    let answers: Array<Awaited<ReturnType<typeof api>>>;
    try {
      answers = await Promise.all([
        api("POST", "/events", { id: "frozen-event", title: "Frozen", starts_at: "2026-09-01T10:00:00Z" }),
        api("POST", "/goals", { id: "frozen-goal", title: "Frozen" }),
        admin("POST", "/admin/teams", { team: "frozen-team", members: ["ana"] }),
      ]);
    } finally {
      redis.process.signal("SIGCONT");
    }
    for (const [i, res] of answers.entries()) {
      expect(res.status, `write ${i}: ${JSON.stringify(res.json)}`).toBe(503);
      expect(res.json.error).toMatchObject({ code: "outcome_unknown", details: { outcome: "unknown" } });
      expect(res.json.error.message).toMatch(/may or may not have been made.*read .* before retrying/);
      expect(res.headers.get("retry-after"), "nothing invites a blind retry").toBeNull();
    }
    // Why: each write reached Redis and is applied once it resumes, so a blind retry is refused
    // (or, for a create without an id, would make a duplicate).
    await expect.poll(async () => (await api("GET", "/events/frozen-event")).status, { timeout: 10_000 }).toBe(200);
    expect((await api("GET", "/goals/frozen-goal")).status).toBe(200);
    expect((await api("POST", "/events", { id: "frozen-event", title: "Frozen", starts_at: "2026-09-01T10:00:00Z" })).json.error.code).toBe("event_exists");
    expect((await admin("POST", "/admin/teams", { team: "frozen-team", members: ["ana"] })).json.error.code).toBe("team_exists");
  });

  it("answers 503 with Retry-After, not 500, while Redis or the gateway is down", async () => {
    redis.process.signal("SIGKILL");
    await redis.process.exited;
    try {
      for (const [method, path, body] of [["GET", "/events/keep"], ["POST", "/events", { title: "x", starts_at: "2026-08-01T10:00:00Z" }], ["PATCH", "/goals/keep", { progress: 1 }]] as const) {
        const res = await api(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(503);
        // Redis refused the connection: nothing was run, so a retry is safe and invited.
        expect(res.json.error.code).toBe("dependency_unavailable");
        expect(res.headers.get("retry-after")).toBe("1");
      }
    } finally {
      redis = await redis.restart();
    }
    await gateway.process.stop();
    const started = Date.now();
    const noGateway = await api("GET", "/events/keep");
    expect(noGateway.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
