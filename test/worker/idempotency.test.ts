import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_TTL_SECONDS } from "../../worker/idempotency/keys.ts";
import { mainStore } from "../../worker/storage/stores.ts";
import { ADMIN_SECRET, call, client, newTeam } from "./api.ts";

const key = () => `k-${crypto.randomUUID()}`;
const withKey = (k: string) => ({ "Idempotency-Key": k });
const admin = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, { method: "POST", headers: { authorization: `Bearer ${ADMIN_SECRET}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("Idempotency-Key on POST /goals and POST /events", () => {
  it("the same key and body answer the first answer again (status, body, Location, ETag) and create nothing more", async () => {
    const t = await newTeam();
    const k = key();
    const first = await t.post("/goals", { title: "Ship" }, withKey(k));
    expect(first.status).toBe(201);
    const again = await t.post("/goals/", { title: "Ship" }, withKey(k));
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(again.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await t.get("/goals")).json.goals).toHaveLength(1);
  });

  it("a booking retried with its key is its own first answer, not time_slot_taken against itself", async () => {
    const t = await newTeam();
    const k = key();
    const body = { title: "Sync", starts_at: "2026-05-04T10:00:00Z" };
    const first = await t.post("/events", body, withKey(k));
    expect(first.status).toBe(201);
    const again = await t.post("/events", body, withKey(k));
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get("location")).toBe(`/events/${first.json.id}`);
    expect(again.headers.get("etag")).toBe(`"1@${first.json.created_at}"`);
    const listed = await t.get("/events?from=2026-05-04T00:00:00Z&to=2026-05-05T00:00:00Z");
    expect(listed.json.events.map((e: { id: string }) => e.id)).toEqual([first.json.id]);
    // Without a key (or with another) the same body is a new request, and the slot is taken.
    expect((await t.post("/events", body)).json.error.code).toBe("time_slot_taken");
    expect((await t.post("/events", body, withKey(key()))).json.error.code).toBe("time_slot_taken");
  });

  it("concurrent duplicates of one booking: the script checks and writes the key in one step, so one books and the others replay it", async () => {
    const t = await newTeam();
    const k = key();
    const body = { title: "Race", starts_at: "2026-05-05T10:00:00Z" };
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.post("/events", body, withKey(k))));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === null)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.json.id)).size).toBe(1);
    expect((await t.get("/events")).json.events).toHaveLength(1);
  });

  it("the same key with another body (or path) is 422 idempotency_key_reused and changes nothing", async () => {
    const t = await newTeam();
    const k = key();
    expect((await t.post("/goals", { title: "One" }, withKey(k))).status).toBe(201);
    const other = await t.post("/goals", { title: "Two" }, withKey(k));
    expect(other.status).toBe(422);
    expect(other.json.error.code).toBe("idempotency_key_reused");
    const elsewhere = await t.post("/events", { title: "One", starts_at: "2026-05-04T10:00:00Z" }, withKey(k));
    expect(elsewhere.status).toBe(422);
    expect((await t.get("/goals")).json.goals.map((g: { title: string }) => g.title)).toEqual(["One"]);
    expect((await t.get("/events")).json.events).toHaveLength(0);
  });

  it("the body's key order does not matter: the fingerprint is over canonical JSON", async () => {
    const t = await newTeam();
    const k = key();
    const first = await call("/goals", { method: "POST", headers: { authorization: `Bearer ${t.token}`, ...withKey(k) }, body: '{"title":"A","progress":5}' });
    const again = await call("/goals", { method: "POST", headers: { authorization: `Bearer ${t.token}`, ...withKey(k) }, body: '{ "progress": 5, "title": "A" }' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
  });

  it("keys are scoped to the member: another member's same key is independent", async () => {
    const t = await newTeam(["ana", "bo"]);
    const k = key();
    const ana = await t.as("ana").post("/goals", { title: "Mine" }, withKey(k));
    const bo = await t.as("bo").post("/goals", { title: "Mine" }, withKey(k));
    expect(ana.status).toBe(201);
    expect(bo.status).toBe(201);
    expect(bo.json.id).not.toBe(ana.json.id);
    expect(bo.json.created_by).toBe("bo");
    expect(bo.headers.get("idempotent-replayed")).toBeNull();
    // Each member's retry gets their own first answer.
    const anaAgain = await t.as("ana").post("/goals", { title: "Mine" }, withKey(k));
    const boAgain = await t.as("bo").post("/goals", { title: "Mine" }, withKey(k));
    expect([anaAgain.json.id, anaAgain.headers.get("idempotent-replayed")]).toEqual([ana.json.id, "true"]);
    expect([boAgain.json.id, boAgain.headers.get("idempotent-replayed")]).toEqual([bo.json.id, "true"]);
    // ...and another team's member too, even with the same id in the body.
    const other = await newTeam(["ana"]);
    expect((await other.post("/goals", { title: "Mine" }, withKey(k))).status).toBe(201);
    expect((await t.get("/goals")).json.goals).toHaveLength(2);
  });

  it("a refused request is not stored: after the conflict is gone, the same key does the work", async () => {
    const t = await newTeam();
    const blocker = await t.post("/events", { id: "blocker", title: "B", starts_at: "2026-05-04T10:00:00Z" });
    expect(blocker.status).toBe(201);
    const k = key();
    const body = { id: "mine", title: "Mine", starts_at: "2026-05-04T10:30:00Z" };
    expect((await t.post("/events", body, withKey(k))).status).toBe(409);
    expect((await t.delete("/events/blocker")).status).toBe(204);
    const retried = await t.post("/events", body, withKey(k));
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    // ...and from then on the key answers that work's answer.
    const again = await t.post("/events", body, withKey(k));
    expect([again.status, again.headers.get("idempotent-replayed")]).toEqual([201, "true"]);
    expect(again.json).toEqual(retried.json);
  });

  it("the record lasts 24 h, then the key is free again", async () => {
    const t = await newTeam();
    const k = key();
    const first = await t.post("/goals", { id: "g1", title: "G" }, withKey(k));
    expect(first.status).toBe(201);
    const redis = mainStore(env as never);
    const records = await scanAll(redis, `gs:{${t.team}}:idem:ana:*`);
    expect(records).toHaveLength(1);
    const ttl = await redis.ttl(records[0]!);
    expect(ttl).toBeGreaterThan(IDEMPOTENCY_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(IDEMPOTENCY_TTL_SECONDS);
    // Once it expires the key is new: the same body is then a fresh create (here: goal_exists).
    await redis.del(records[0]!);
    expect((await t.post("/goals", { id: "g1", title: "G" }, withKey(k))).json.error.code).toBe("goal_exists");
  });

  it.each([
    ["empty", ""],
    ["too long", "x".repeat(256)],
    ["non-ASCII", "clé-é"],
    ["a control character", "a\tb"],
  ])("refuses a key that is %s with 400 naming the header, doing nothing", async (_name, bad) => {
    const t = await newTeam();
    const res = await call("/goals", { method: "POST", headers: { authorization: `Bearer ${t.token}`, "Idempotency-Key": bad }, body: '{"title":"x"}' }).catch(() => null);
    // fetch itself refuses some header values (non-ISO-8859-1); the rest must be a 400 naming it.
    if (res !== null) {
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      expect(body.error.details.fields[0].field).toBe("Idempotency-Key");
    }
    expect((await t.get("/goals")).json.goals).toHaveLength(0);
  });

  it("accepts 255 printable characters", async () => {
    const t = await newTeam();
    expect((await t.post("/goals", { title: "x" }, withKey("~".repeat(255)))).status).toBe(201);
  });
});

describe("Idempotency-Key on /admin", () => {
  it("a retried team creation returns the same tokens, not team_exists", async () => {
    const team = `idem-${crypto.randomUUID().slice(0, 8)}`;
    const k = key();
    const first = await admin("/admin/teams", { team, members: ["ana", "bo"] }, withKey(k));
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as any;
    const again = await admin("/admin/teams", { team, members: ["ana", "bo"] }, withKey(k));
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(firstBody);
    expect((await client(firstBody.tokens.ana).get("/events")).status).toBe(200);
    // The stored copy does not show the tokens to a reader of Redis.
    const redis = mainStore(env as never);
    const records = await scanAll(redis, "gs:admin:idem:*");
    const stored = await Promise.all(records.map((r) => redis.get(r).then((v) => JSON.stringify(v))));
    expect(stored.some((text) => text.includes(firstBody.tokens.ana))).toBe(false);
    // Another body under the same key is refused; without a key the team exists.
    expect((await admin("/admin/teams", { team, members: ["ana"] }, withKey(k))).status).toBe(422);
    expect((await admin("/admin/teams", { team, members: ["ana", "bo"] })).status).toBe(409);
  });

  it("a retried member creation returns the same token", async () => {
    const t = await newTeam(["ana"]);
    const k = key();
    const first = await admin(`/admin/teams/${t.team}/members`, { member: "cy" }, withKey(k));
    expect(first.status).toBe(201);
    const again = await admin(`/admin/teams/${t.team}/members`, { member: "cy" }, withKey(k));
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
  });
});

describe("Idempotency-Key on /tx", () => {
  const op = (id: string, start: string) => ({ type: "calendar.create", id, data: { title: `Event ${id}`, starts_at: start } });

  it("a one-shot transaction retried with its key answers the first answer; nothing is applied twice", async () => {
    const t = await newTeam();
    const k = key();
    const body = { ops: [op("launch", "2026-06-01T10:00:00Z")], commit: true };
    const first = await t.post("/tx", body, withKey(k));
    expect(first.status).toBe(200);
    expect(first.json.state).toBe("committed");
    const again = await t.post("/tx", body, withKey(k));
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await t.get("/events")).json.events).toHaveLength(1);
    expect((await t.post("/tx", { ...body, commit: false }, withKey(k))).json.error.code).toBe("idempotency_key_reused");
  });

  it("a begin retried with its key names the same transaction", async () => {
    const t = await newTeam();
    const k = key();
    const first = await t.post("/tx", {}, withKey(k));
    const again = await t.post("/tx", {}, withKey(k));
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json.tx_id).toBe(first.json.tx_id);
  });

  it("a refusal that aborted the transaction is the answer kept: the retry does not start over", async () => {
    const t = await newTeam();
    expect((await t.post("/events", { id: "taken", title: "T", starts_at: "2026-06-01T10:00:00Z" })).status).toBe(201);
    const k = key();
    const body = { ops: [op("mine", "2026-06-01T10:30:00Z")], commit: true };
    const first = await t.post("/tx", body, withKey(k));
    expect(first.status).toBe(409);
    expect(first.json.error.code).toBe("time_slot_taken");
    expect((await t.delete("/events/taken")).status).toBe(204);
    const again = await t.post("/tx", body, withKey(k));
    expect(again.status).toBe(409);
    expect(again.json).toEqual(first.json);
    expect((await t.get("/events/mine")).status).toBe(404);
  });

  it("concurrent duplicate commits with one key: one does the work, the other waits its turn (409) or gets the same answer", async () => {
    for (let round = 0; round < 3; round++) {
      const t = await newTeam();
      await t.post("/goals", { id: "g", title: "G", progress: 10 });
      const tx = (await t.post("/tx", {})).json.tx_id as string;
      expect((await t.post(`/tx/${tx}/ops`, op("e", "2026-06-02T10:00:00Z"))).status).toBe(200);
      expect((await t.post(`/tx/${tx}/ops`, { type: "goal.update", id: "g", data: { progress: 90 } })).status).toBe(200);
      const k = key();
      const answers = await Promise.all([0, 1, 2].map(() => t.post(`/tx/${tx}/commit`, {}, withKey(k))));
      const worked = answers.filter((a) => a.status === 200 && a.headers.get("idempotent-replayed") === null);
      expect(worked).toHaveLength(1);
      expect(worked[0]!.json.state).toBe("committed");
      for (const other of answers.filter((a) => a !== worked[0])) {
        if (other.status === 409) {
          expect(other.json.error.code).toBe("idempotency_key_in_use");
          expect(other.headers.get("retry-after")).toBe("1");
        } else {
          expect(other.status).toBe(200);
          expect(other.headers.get("idempotent-replayed")).toBe("true");
          expect(other.json).toEqual(worked[0]!.json);
        }
      }
      // Once the first is done, the same key answers its answer.
      const later = await t.post(`/tx/${tx}/commit`, {}, withKey(k));
      expect(later.json).toEqual(worked[0]!.json);
      expect(later.headers.get("idempotent-replayed")).toBe("true");
    }
  });
});

/** Every key matching `match`: SCAN pages until the cursor comes back to 0 (one page may hold none). */
async function scanAll(redis: ReturnType<typeof mainStore>, match: string): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | number = 0;
  do {
    const [next, keys]: [string | number, string[]] = await redis.scan(cursor, { match, count: 1000 });
    found.push(...keys);
    cursor = next;
  } while (String(cursor) !== "0");
  return found;
}
