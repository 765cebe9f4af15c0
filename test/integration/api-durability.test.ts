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

  it("with Idempotency-Key, the retry of a write that answered 503 outcome_unknown replays the first answer (the same tokens for a team)", async () => {
    const admin = jsonApi(() => worker.url, () => ADMIN_SECRET);
    const key = (name: string) => ({ "Idempotency-Key": `${name}-${crypto.randomUUID()}` });
    const keys = { event: key("event"), goal: key("goal"), team: key("team"), member: key("member") };
    // Warm: the worker knows the token and Redis has the scripts (see the test above).
    expect((await api("POST", "/events", { id: "warm-idem", title: "Warm", starts_at: "2026-10-01T08:00:00Z" }, key("warm"))).status).toBe(201);
    expect((await api("POST", "/goals", { title: "Warm" }, key("warm"))).status).toBe(201);
    expect((await admin("POST", "/admin/teams", { team: "warm-idem-team", members: ["ana"] }, key("warm"))).status).toBe(201);
    expect((await admin("POST", "/admin/teams/warm-idem-team/members", { member: "bo" }, key("warm"))).status).toBe(201);
    // Creates without an id: a blind retry would make a duplicate.
    const writes = {
      event: ["POST", "/events", { title: "Frozen idem", starts_at: "2026-10-01T10:00:00Z" }],
      goal: ["POST", "/goals", { title: "Frozen idem goal" }],
    } as const;
    redis.process.signal("SIGSTOP");
    let answers: Array<Awaited<ReturnType<typeof api>>>;
    try {
      answers = await Promise.all([
        api(...writes.event, keys.event),
        api(...writes.goal, keys.goal),
        admin("POST", "/admin/teams", { team: "frozen-idem-team", members: ["ana", "bo"] }, keys.team),
        admin("POST", "/admin/teams/warm-idem-team/members", { member: "cy" }, keys.member),
      ]);
    } finally {
      redis.process.signal("SIGCONT");
    }
    for (const [i, res] of answers.entries()) expect([i, res.status, res.json.error.code]).toEqual([i, 503, "outcome_unknown"]);

    // The frozen writes landed when Redis woke, with their keys' records: the retries replay them.
    const event = await api(...writes.event, keys.event);
    expect(event.status).toBe(201);
    expect(event.headers.get("idempotent-replayed")).toBe("true");
    expect(event.headers.get("location")).toBe(`/events/${event.json.id}`);
    expect(event.headers.get("etag")).toBe(`"1@${event.json.created_at}"`);
    expect((await api("GET", `/events/${event.json.id}`)).json).toEqual(event.json);
    const day = await api("GET", "/events?from=2026-10-01T09:00:00Z&to=2026-10-02T00:00:00Z");
    expect(day.json.events.map((e: { id: string }) => e.id)).toEqual([event.json.id]);
    expect(await api(...writes.event, keys.event)).toMatchObject({ status: 201, json: event.json });

    const goal = await api(...writes.goal, keys.goal);
    expect(goal.status).toBe(201);
    expect(goal.headers.get("idempotent-replayed")).toBe("true");
    const goals: Array<{ title: string; id: string }> = [];
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page = await api("GET", `/goals?limit=100${cursor === null ? "" : `&cursor=${cursor}`}`);
      goals.push(...page.json.goals);
      cursor = page.json.next_cursor;
    }
    expect(goals.filter((g) => g.title === "Frozen idem goal").map((g) => g.id)).toEqual([goal.json.id]);

    // The team was created by the frozen attempt; its retry hands out that attempt's tokens.
    const team = await admin("POST", "/admin/teams", { team: "frozen-idem-team", members: ["ana", "bo"] }, keys.team);
    expect(team.status).toBe(201);
    expect(Object.keys(team.json.tokens).sort()).toEqual(["ana", "bo"]);
    for (const member of ["ana", "bo"]) {
      const res = await fetch(`${worker.url}/goals`, { headers: { authorization: `Bearer ${team.json.tokens[member]}` } });
      expect(res.status, member).toBe(200);
    }
    const member = await admin("POST", "/admin/teams/warm-idem-team/members", { member: "cy" }, keys.member);
    expect(member.status).toBe(201);
    expect((await fetch(`${worker.url}/goals`, { headers: { authorization: `Bearer ${member.json.tokens.cy}` } })).status).toBe(200);
  });

  it("with Idempotency-Key, the retry of a write that never landed (Redis down) does the work, once", async () => {
    const key = { "Idempotency-Key": `down-${crypto.randomUUID()}` };
    const body = { title: "Never landed", starts_at: "2026-11-01T10:00:00Z" };
    redis.process.signal("SIGKILL");
    await redis.process.exited;
    try {
      const refused = await api("POST", "/events", body, key);
      expect([refused.status, refused.json.error.code]).toEqual([503, "dependency_unavailable"]);
    } finally {
      redis = await redis.restart();
    }
    let retried!: Awaited<ReturnType<typeof api>>;
    await expect.poll(async () => (retried = await api("POST", "/events", body, key)).status, { timeout: 10_000 }).toBe(201);
    expect(retried.headers.get("idempotent-replayed"), "the retry did the work").toBeNull();
    const again = await api("POST", "/events", body, key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(retried.json);
    const day = await api("GET", "/events?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z");
    expect(day.json.events).toHaveLength(1);
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
        // Which dependency, but not where it lives nor as whom the gateway logs in (that is in the log).
        expect(res.json.error.message).toMatch(/^the store is unavailable/);
        expect(res.json.error.message).not.toMatch(/redis:\/\/|127\.0\.0\.1|\*\*\*/);
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
