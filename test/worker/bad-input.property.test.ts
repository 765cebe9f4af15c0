import { Redis } from "@upstash/redis/cloudflare";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, newTeam } from "./api.ts";

/**
 * Throws thousands of random requests at the worker: random paths, methods, headers and bodies,
 * from garbage bytes to well-formed JSON with the right field names and wrong values. The worker
 * must never answer 5xx, and a rejected request must leave the team's stored data untouched.
 */
const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL!, token: env.UPSTASH_REDIS_REST_TOKEN!, automaticDeserialization: false });

/**
 * Every key of the team and its value. Not one atomic step (the gateway runs only the worker's own
 * Lua scripts), which is enough: nothing else writes to a test's own team while it is read. The
 * types, then the values, each go in one pipelined request: a snapshot is three round trips, not
 * two per key, which was most of this test's time.
 */
async function snapshot(team: string): Promise<string> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, page] = await redis.scan(cursor, { match: `gs:{${team}}:*`, count: 1000 });
    cursor = String(next);
    keys.push(...page);
  } while (cursor !== "0");
  if (keys.length === 0) return "";
  const typing = redis.pipeline();
  for (const key of keys) typing.type(key);
  const types = (await typing.exec()) as string[];
  const reading = redis.pipeline();
  for (const [i, key] of keys.entries()) {
    if (types[i] === "string") reading.get(key);
    else if (types[i] === "stream") reading.xlen(key);
    else if (types[i] === "list") reading.lrange(key, 0, -1);
    else reading.zrange(key, 0, -1, { withScores: true });
  }
  const values = await reading.exec();
  const out = keys.map((key, i) => {
    if (types[i] === "string") return `${key}=${values[i] as string}`;
    if (types[i] === "stream") return `${key}=stream of ${values[i] as number}`;
    return `${key}=${(values[i] as string[]).join(",")}`;
  });
  return out.sort().join("\n");
}

const instantish = fc.oneof(
  fc.date({ min: new Date("1960-01-01"), max: new Date("2200-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string(),
  fc.constantFrom("2026-02-30T10:00:00Z", "2026-03-02T10:00:00+25:00", "2026-03-02", "", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z"),
  fc.integer(),
  fc.constant(null),
);
const hostileString = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("", " ", "../..", "a/b", "%2F", "\u0000", "x".repeat(300), "😀".repeat(70)));
const anyValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.constantFrom(1e308, -1, -0, 1e-9, 2 ** 53 + 1), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

const eventLike = fc.record(
  { id: fc.oneof(hostileString, fc.constantFrom("ok-id", "dup")), title: anyValue, description: anyValue, calendar: anyValue, starts_at: instantish, ends_at: instantish, extra: anyValue },
  { requiredKeys: [] },
);
const numberish = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, 1, 100, 1e12, 1e12 + 1, 1e308, -1e308, -1, -0, 5e-324), anyValue);
const keyResultLike = fc.record(
  { id: fc.oneof(hostileString, fc.constantFrom("kr-1", "dup")), title: anyValue, metric: fc.oneof(fc.constantFrom("number", "percent", "currency", "done"), anyValue), currency: fc.oneof(fc.constantFrom("EUR", "eur"), anyValue), start: numberish, current: numberish, target: numberish, weight: numberish },
  { requiredKeys: [] },
);
const goalLike = fc.record(
  {
    id: hostileString, title: anyValue, description: anyValue, owner: anyValue, completed: anyValue, progress: anyValue, due: instantish, colour: anyValue,
    state: fc.oneof(fc.constantFrom("open", "achieved", "missed", "dropped"), anyValue), key_results: fc.oneof(fc.array(keyResultLike, { maxLength: 4 }), anyValue),
  },
  { requiredKeys: [] },
);
const checkInLike = fc.record(
  { health: fc.oneof(fc.constantFrom("on_track", "at_risk", "off_track"), anyValue), note: anyValue, key_results: fc.oneof(fc.array(fc.record({ id: fc.oneof(fc.constant("kr-1"), hostileString), current: numberish }, { requiredKeys: [] }), { maxLength: 3 }), anyValue) },
  { requiredKeys: [] },
);
const body = fc.oneof(
  eventLike.map((v) => JSON.stringify(v)),
  goalLike.map((v) => JSON.stringify(v)),
  checkInLike.map((v) => JSON.stringify(v)),
  fc.json(),
  fc.string(),
  fc.uint8Array({ maxLength: 200 }),
  fc.constantFrom("", "{", "[]", "null", "{\"title\":", "\uFEFF{}"),
);
const path = fc.oneof(
  fc.constantFrom("/events", "/events/", "/goals", "/goals/", "/goals/dup", "/goals/dup/check-ins", "/goals/dup/check-ins/", "/calendar.ics", "/health", "/admin/teams", "/ws", "/agents", "/pomo/state", "/pomo/start", "/pomo/pause", "/pomo/resume", "/pomo/skip", "/pomo/stop", "/pomo/set"),
  fc.tuple(fc.constantFrom("/pomo/set?", "/ws?"), fc.dictionary(fc.constantFrom("duration_minutes", "last_seq", "client", "token", "x"), hostileString)).map(
    ([base, query]) => base + new URLSearchParams(query).toString(),
  ),
  fc.tuple(fc.constantFrom("/events/", "/goals/"), hostileString).map(([base, id]) => base + encodeURIComponent(id)),
  fc.tuple(fc.constantFrom("/events?", "/goals?", "/goals/dup/check-ins?", "/calendar.ics?"), fc.dictionary(fc.constantFrom("from", "to", "limit", "cursor", "calendar", "x"), hostileString)).map(
    ([base, query]) => base + new URLSearchParams(query).toString(),
  ),
  fc.webPath(),
);
const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD");
const contentType = fc.constantFrom(undefined, "application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x");

describe("random requests", () => {
  it("never get a 5xx, and a rejected one changes nothing", async () => {
    const team = await newTeam();
    // Something to collide with and to overwrite.
    await team.post("/events", { id: "dup", title: "Existing", starts_at: "2026-03-02T10:00:00Z" });
    await team.post("/goals", { id: "dup", title: "Existing", key_results: [{ id: "kr-1", title: "Measured", metric: "number", target: 10 }] });

    // The data as the last refused request left it: nothing else writes to the team, so that is the next request's before.
    let stored: string | undefined;
    await fc.assert(
      fc.asyncProperty(method, path, body, contentType, fc.boolean(), async (verb, target, payload, type, withToken) => {
        const before = stored ?? (await snapshot(team.team));
        stored = undefined; // unless this request is refused and its after is read below
        const headers: Record<string, string> = {};
        if (withToken) headers.authorization = `Bearer ${team.token}`;
        if (type !== undefined) headers["content-type"] = type;
        const hasBody = verb !== "GET" && verb !== "HEAD";
        const res = await call(target, { method: verb, headers, body: hasBody ? (payload as BodyInit) : undefined });
        const text = await res.text();
        const after = res.status >= 400 ? await snapshot(team.team) : undefined;
        stored = after;
        expect(res.status, `${verb} ${target} -> ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) {
          if (verb !== "HEAD") expect(JSON.parse(text).error.code, text).toBeTypeOf("string");
          expect(after, `${verb} ${target} was refused but changed data`).toBe(before);
        }
      }),
      { numRuns: 2000 },
    );
  }, 300_000);
});
