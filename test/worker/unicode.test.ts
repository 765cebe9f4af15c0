import { env } from "cloudflare:workers";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { calendarKeys } from "../../worker/calendar/keys.ts";
import { goalKeys } from "../../worker/goals/keys.ts";
import { participantStore } from "../../worker/storage/stores.ts";
import { call, newTeam } from "./api.ts";

/**
 * Text that JavaScript strings can hold but the rest of the system cannot: a lone UTF-16 surrogate
 * has no UTF-8 form (Redis's Lua cannot decode the JSON escape JSON.stringify writes for it, and the
 * ICS feed cannot carry it), and control characters have no place in an iCalendar TEXT value. They
 * are refused with 400 naming the field. Everything else a person may type is kept exactly, and a
 * record holding it can be read, changed and deleted like any other.
 */
const LONE_SURROGATES = ["lone \ud800", "\udc00 low first", "ends high \ud83d", "reversed \ude00\ud83d"];
const CONTROLS = [
  ["NUL", "nul \u0000 inside"],
  ["U+0001", "\u0001"],
  ["U+000D", "a\rb"],
  ["U+001F", "unit \u001f separator"],
  ["DEL", "del \u007f"],
  ["U+0080", "c1 \u0080 first"],
  ["U+0085", "a\u0085b"],
  ["U+009F", "c1 \u009f last"],
] as const;

/** Accepted as they are: noncharacters, bidi marks, emoji sequences, astral and combining characters. */
const EDGE_TEXTS = [
  "nonchar \ufffe and \uffff",
  "nonchar \ufdd0 and \u{10ffff}",
  "rtl \u200f\u202eevil\u202c mark",
  "emoji 👩‍💻 🏳️‍🌈 👍🏽",
  "astral 𝄞 𠜎 🀄",
  "combining e\u0301 and zero\u200bwidth",
  "byte\ufefforder mark inside",
  "𝄞".repeat(100), // 200 UTF-16 units: the longest title
];

const feedStart = () => {
  const soon = new Date(Date.now() + 2 * 86_400_000);
  soon.setUTCHours(0, 0, 0, 0);
  return soon.getTime();
};

describe("text that cannot be stored is refused, naming the field", () => {
  const cases = [
    ...LONE_SURROGATES.map((text) => ({ text, message: "contains a lone UTF-16 surrogate" })),
    ...CONTROLS.map(([name, text]) => ({ text, message: `contains the control character ${name === "NUL" ? "U+0000" : name === "DEL" ? "U+007F" : name}` })),
    // Test names travel to the runner as UTF-8, which a lone surrogate has no form in: name them escaped.
  ].map((c) => ({ ...c, label: JSON.stringify(c.text) }));

  it.each(cases)("events: $message ($label)", async ({ text, message }) => {
    const t = await newTeam();
    await t.post("/events", { id: "e", title: "Clean", starts_at: "2026-09-01T10:00:00Z" });
    const attempts = [
      ["title", () => t.post("/events", { title: text, starts_at: "2026-09-01T12:00:00Z" })],
      ["description", () => t.post("/events", { title: "ok", description: text, starts_at: "2026-09-01T12:00:00Z" })],
      ["title", () => t.put("/events/e", { title: text, starts_at: "2026-09-01T10:00:00Z" })],
      ["description", () => t.patch("/events/e", { description: text })],
      ["data.title", () => t.post("/tx", { ops: [{ type: "calendar.create", data: { title: text, starts_at: "2026-09-01T14:00:00Z" } }], commit: true })],
      ["data.description", () => t.post("/tx", { ops: [{ type: "calendar.update", id: "e", data: { description: text } }], commit: true })],
    ] as const;
    for (const [field, attempt] of attempts) {
      const res = await attempt();
      expect(res.status, `${field}: ${JSON.stringify(res.json)}`).toBe(400);
      expect(res.json.error.code).toBe("validation_failed");
      expect(res.json.error.message).toBe(`${field}: ${message}`);
      expect(res.json.error.details.fields).toEqual([{ field, message }]);
    }
    expect((await t.get("/events")).json.events.map((e: { id: string }) => e.id)).toEqual(["e"]);
    expect((await t.get("/events/e")).json).toMatchObject({ title: "Clean", description: "", version: 1 });
  });

  it.each(cases)("goals: $message ($label)", async ({ text, message }) => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "Clean" });
    const attempts = [
      ["title", () => t.post("/goals", { title: text })],
      ["description", () => t.post("/goals", { title: "ok", description: text })],
      ["owner", () => t.post("/goals", { title: "ok", owner: text })],
      ["title", () => t.put("/goals/g", { title: text })],
      ["owner", () => t.patch("/goals/g", { owner: text })],
      ["data.title", () => t.post("/tx", { ops: [{ type: "goal.create", data: { title: text } }], commit: true })],
      ["data.owner", () => t.post("/tx", { ops: [{ type: "goal.update", id: "g", data: { owner: text } }], commit: true })],
    ] as const;
    for (const [field, attempt] of attempts) {
      const res = await attempt();
      expect(res.status, `${field}: ${JSON.stringify(res.json)}`).toBe(400);
      expect(res.json.error.message).toBe(`${field}: ${message}`);
    }
    expect((await t.get("/goals")).json.goals.map((g: { id: string }) => g.id)).toEqual(["g"]);
    expect((await t.get("/goals/g")).json).toMatchObject({ title: "Clean", version: 1 });
  });
});

describe("every accepted text can be read, changed and deleted afterwards", () => {
  it("events: POST, GET, PATCH, PUT, a transaction's update and delete, DELETE, and the ICS feed", async () => {
    const t = await newTeam();
    const start = feedStart();
    const at = (i: number, h = 0) => new Date(start + (i * 4 + h) * 3_600_000).toISOString();
    for (const [i, text] of EDGE_TEXTS.entries()) {
      const id = `edge-${i}`;
      const created = await t.post("/events", { id, title: text, description: `${text}\n\tsecond line`, starts_at: at(i) });
      expect(created.status, JSON.stringify(text)).toBe(201);
      expect(created.json).toMatchObject({ title: text, description: `${text}\n\tsecond line` });
      expect((await t.get(`/events/${id}`)).json).toEqual(created.json);
      const patched = await t.patch(`/events/${id}`, { title: `${text.slice(0, 150)} (patched)` });
      expect(patched.status, JSON.stringify(text)).toBe(200);
      expect(patched.json.title).toBe(`${text.slice(0, 150)} (patched)`);
      const put = await t.put(`/events/${id}`, { title: text, description: text, starts_at: at(i), ends_at: at(i, 2) });
      expect(put.status, JSON.stringify(text)).toBe(200);
      const moved = await t.post("/tx", { ops: [{ type: "calendar.update", id, data: { starts_at: at(i, 1) } }], commit: true });
      expect(moved.json.state, JSON.stringify(moved.json)).toBe("committed");
      expect((await t.get(`/events/${id}`)).json).toMatchObject({ title: text, description: text, starts_at: at(i, 1), version: 4 });
    }

    // The feed is valid UTF-8 and a real parser reads every title back exactly.
    const res = await call("/calendar.ics", { headers: { authorization: `Bearer ${t.token}` } });
    expect(res.status).toBe(200);
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await res.arrayBuffer());
    const summaries = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent").map((v) => new ICAL.Event(v).summary);
    expect(summaries.sort()).toEqual([...EDGE_TEXTS].sort());

    for (const [i] of EDGE_TEXTS.entries()) {
      const id = `edge-${i}`;
      if (i % 2 === 0) expect((await t.delete(`/events/${id}`)).status).toBe(204);
      else expect((await t.post("/tx", { ops: [{ type: "calendar.delete", id }], commit: true })).json.state).toBe("committed");
      expect((await t.get(`/events/${id}`)).status).toBe(404);
      // and the slot is free again
      expect((await t.post("/events", { title: "after", starts_at: at(i, 1) })).status).toBe(201);
    }
  });

  it("goals: POST, GET, PATCH, PUT, a transaction's update and delete, DELETE", async () => {
    const t = await newTeam();
    for (const [i, text] of EDGE_TEXTS.entries()) {
      const id = `edge-${i}`;
      const owner = text.slice(0, 100);
      const created = await t.post("/goals", { id, title: text, description: text, owner });
      expect(created.status, JSON.stringify(text)).toBe(201);
      expect((await t.get(`/goals/${id}`)).json).toEqual(created.json);
      expect((await t.patch(`/goals/${id}`, { progress: 40, title: `${text.slice(0, 150)}!` })).json).toMatchObject({ title: `${text.slice(0, 150)}!`, owner, version: 2 });
      expect((await t.put(`/goals/${id}`, { title: text, owner })).status).toBe(200);
      expect((await t.post("/tx", { ops: [{ type: "goal.update", id, data: { progress: 90 } }], commit: true })).json.state).toBe("committed");
      expect((await t.get(`/goals/${id}`)).json).toMatchObject({ title: text, owner, progress: 90, version: 4 });
      if (i % 2 === 0) expect((await t.delete(`/goals/${id}`)).status).toBe(204);
      else expect((await t.post("/tx", { ops: [{ type: "goal.delete", id }], commit: true })).json.state).toBe("committed");
      expect((await t.get(`/goals/${id}`)).status).toBe(404);
    }
  });
});

/**
 * Records stored before such text was refused hold JSON that Redis's Lua cannot decode (the escape
 * of a lone surrogate). They must not be stuck: every write path still works on them.
 */
describe("a record already stored with a lone surrogate", () => {
  const corrupt = (json: unknown) => JSON.stringify({ ...(json as object), title: "stored \ud800 before" });

  it("events: it reads, a PATCH repairs it, and DELETE and a transaction's delete remove it and free the slot", async () => {
    const t = await newTeam();
    const calendar = participantStore(env, "calendar");
    const ids = ["patch-me", "put-me", "delete-me", "tx-delete-me", "tx-update-me"];
    for (const [i, id] of ids.entries()) {
      const created = await t.post("/events", { id, title: "clean", starts_at: `2026-09-02T${String(10 + i).padStart(2, "0")}:00:00Z` });
      expect(created.status).toBe(201);
      await calendar.set(calendarKeys(t.team).event(id), corrupt(created.json));
    }
    expect((await t.get("/events/patch-me")).json.title).toBe("stored \ud800 before");
    expect((await t.patch("/events/patch-me", { title: "repaired" })).json).toMatchObject({ title: "repaired", version: 2 });
    expect((await t.put("/events/put-me", { title: "replaced", starts_at: "2026-09-02T11:00:00Z" })).json).toMatchObject({ title: "replaced", version: 2 });
    expect((await t.delete("/events/delete-me")).status).toBe(204);
    expect((await t.post("/tx", { ops: [{ type: "calendar.delete", id: "tx-delete-me" }], commit: true })).json.state).toBe("committed");
    expect((await t.post("/tx", { ops: [{ type: "calendar.update", id: "tx-update-me", data: { title: "tx repaired" } }], commit: true })).json.state).toBe("committed");
    expect((await t.get("/events/tx-update-me")).json).toMatchObject({ title: "tx repaired", version: 2 });
    for (const id of ["delete-me", "tx-delete-me"]) expect((await t.get(`/events/${id}`)).status).toBe(404);
    for (const hour of [12, 13]) expect((await t.post("/events", { title: "free again", starts_at: `2026-09-02T${hour}:00:00Z` })).status).toBe(201);
  });

  it("goals: a PATCH repairs it, and DELETE and a transaction's delete remove it", async () => {
    const t = await newTeam();
    const goals = participantStore(env, "goals");
    for (const id of ["patch-me", "delete-me", "tx-delete-me", "tx-update-me"]) {
      const created = await t.post("/goals", { id, title: "clean" });
      await goals.set(goalKeys(t.team).goal(id), corrupt(created.json));
    }
    expect((await t.patch("/goals/patch-me", { title: "repaired" })).json).toMatchObject({ title: "repaired", version: 2 });
    expect((await t.delete("/goals/delete-me")).status).toBe(204);
    expect((await t.post("/tx", { ops: [{ type: "goal.delete", id: "tx-delete-me" }], commit: true })).json.state).toBe("committed");
    expect((await t.post("/tx", { ops: [{ type: "goal.update", id: "tx-update-me", data: { title: "tx repaired" } }], commit: true })).json.state).toBe("committed");
    expect((await t.get("/goals")).json.goals.map((g: { id: string; title: string }) => [g.id, g.title])).toEqual([
      ["patch-me", "repaired"],
      ["tx-update-me", "tx repaired"],
    ]);
  });
});
