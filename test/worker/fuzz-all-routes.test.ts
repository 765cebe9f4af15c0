import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { ADMIN_SECRET, call, newTeam } from "./api.ts";

/**
 * Unicode and boundary values in every string and date field of every route (worker/openapi.ts
 * lists them): JSON bodies, tx ops, admin, pomo, query parameters, headers and path ids. Whatever
 * is sent: never a 5xx; a 400 names the field; and a record that was accepted can afterwards be
 * read, changed and deleted, and shows in listings and the ICS feed, which stay valid UTF-8.
 * (bad-input.property.test.ts throws random requests; unicode.test.ts pins the text rules.)
 */

/** Text edge cases, as JavaScript strings: JSON.stringify writes a lone surrogate as its \ud800 escape. */
const TEXTS: string[] = [
  "\ud800", "x\udc00y", "\udbff\udfff", "\u0000", "a\u0000b", "\u0001", "\u001b[31mred", "\u007f", "\u0085", "\u009b", "\u009f",
  "\ufffe", "\uffff", "\ufdd0", "\ufdef", "\u{1fffe}", "\u{10ffff}", "\u200f\u202eevil\u202c", "\u2066iso\u2069", "\ufeffbom", "\ufeff",
  "", " ", "\t", "\n", "\r\n", "line\u2028sep\u2029", "e\u0301", "👩‍💻🏳️‍🌈", "𝄞".repeat(100), "𝄞".repeat(101),
  "x".repeat(128), "x".repeat(129), "x".repeat(201), "x".repeat(5001), "<script>alert(1)</script>", "a,b;c\\d:e", "../..", "a/b", "%00", "ok-id",
];

/** Bytes that are not UTF-8, sent raw inside a JSON string: overlong '/', an encoded surrogate, 0xFF, a cut sequence, past U+10FFFF. */
const BAD_UTF8: number[][] = [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];

const DATES: string[] = [
  "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T22:00:00Z",
  "9999-12-31T23:59:59.999Z", "10000-01-01T00:00:00Z", "+002031-01-01T00:00:00Z", "-000001-01-01T00:00:00Z", "2031-06-30T23:59:60Z", "2031-12-31T23:59:60Z",
  "2031-01-01T10:00:00+14:00", "2031-01-01T10:00:00-14:00", "2031-01-01T10:00:00+24:00", "2031-01-01T10:00:00-24:00", "2031-01-01T10:00:00+23:59",
  "2031-01-01T10:00:00-00:00", "2031-01-01T10:00:00.5Z", "2031-01-01T10:00:00.123456789Z", "2031-01-01T10:00:00.1234567891Z", "2031-01-01T10:00:00,5Z",
  "2031-01-01T10:00Z", "2031-01-01 10:00:00", "2031-01-01t10:00:00z", "20310101T100000Z", "2031-01-01", "2031-W01-1T10:00:00Z", "2031-001T10:00:00Z",
  "1924992000", "Wed, 01 Jan 2031 10:00:00 GMT", "2031-02-29T10:00:00Z", "2032-02-29T10:00:00Z", "2031-01-01T10:00:00+0530", "2031-01-01T10:00:00+05",
  "２０３１-01-01T10:00:00Z", "2031-01-01T10:00:00Z\u0000", "\u202d2031-01-01T10:00:00Z", " 2031-01-01T10:00:00Z", "2031-01-01T24:00:00Z", "2031-01-01T10:00:00\ud800",
];

/** Header values a client can send (a header is bytes: no NUL, CR or LF; workerd sends non-ASCII as UTF-8, and warns). */
const HEADER_VALUES = ["", " ", "*", '"1"', 'W/"1"', '"1", "2"', '"\u00e9"', "\u00ff\u00fe", "\u007f", "x\ty", '"' + "9".repeat(400) + '"', "x".repeat(256), "x".repeat(8000), "\u0085", ",,,", '"-1"', '"1e3"'];

/** Path segments, already percent-encoded as a client would send them (the invalid ones on purpose). */
const PATH_IDS = ["%ED%A0%80", "%C0%AF", "%FF", "%00", "a%00b", "%E2%80%AE", "%EF%BF%BE", "%F0%9F%98%80", "%25", "%2F", "..", "x".repeat(129), "x".repeat(5000), "a%20b", "%", "%zz", "hold:tx_x:1"];

/** Cursors: garbage, and well-formed base64 of JSON the API never gave out (huge scores, a lone surrogate). */
const b64 = (value: unknown) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const CURSORS = ["", "x", "%FF", "%ED%A0%80", "====", b64([1e308, "a"]), b64([-1e308, "a"]), b64([0, "\ud800"]), b64([0, 5]), b64([1, "a", 3]), b64({}), b64([Number.MAX_SAFE_INTEGER * 4, "a"]), b64([1e-300, "\u0000"]), "x".repeat(201)];
const LIMITS = ["0", "1", "500", "501", "-1", "1.5", "1e2", "0x10", " 1", "１", "NaN", "Infinity", "9".repeat(400), "%00", ""];

type Body = { json: unknown } | { raw: Uint8Array };
const utf8 = new TextEncoder();
/** A JSON body whose `slot` value is replaced by raw bytes, encoded or not. */
function withRawBytes(build: (value: string) => unknown, bytes: number[]): Body {
  const text = JSON.stringify(build("@@RAW@@"));
  const [before, after] = text.split("@@RAW@@") as [string, string];
  return { raw: new Uint8Array([...utf8.encode(before), ...bytes, ...utf8.encode(after)]) };
}

interface Answer {
  status: number;
  text: string;
  json: any;
}

async function send(method: string, path: string, token: string | null, body?: Body, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers } };
  if (body !== undefined) {
    init.body = "raw" in body ? body.raw : JSON.stringify(body.json);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await call(path, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/**
 * What every answer must be: below 500; a 400 names `field` (one of "a|b" when the fault may be
 * the pair's; for a body that is no JSON or no UTF-8, "body"); any other 4xx is the error shape
 * with a code. Answers problems found.
 */
function judge(label: string, answer: Answer, field: string): string[] {
  if (answer.status >= 500) return [`${label}: ${answer.status} ${answer.text.slice(0, 300)}`];
  if (answer.status >= 400 && typeof answer.json?.error?.code !== "string") return [`${label}: ${answer.status} without the error shape: ${answer.text.slice(0, 200)}`];
  if (answer.status === 400) {
    const message: string = answer.json.error.message;
    const named = answer.json.error.code === "invalid_json" ? /body/.test(message) : field.split("|").some((name) => message.includes(name));
    if (!named) return [`${label}: 400 does not name ${field}: ${message}`];
  }
  return [];
}

/** Reports travel to the runner as UTF-8: a text cut mid-pair would break the report itself. */
const wellFormed = (text: string) => new TextDecoder().decode(utf8.encode(text)); // a lone surrogate becomes U+FFFD
const expectNone = (problems: string[]) => expect(problems.map(wellFormed)).toEqual([]);

const label = (where: string, value: string) => `${where} = ${JSON.stringify(value).slice(0, 60)}`;

/** A team with one event and one goal to aim updates at, and hours that never collide. */
async function arena() {
  const team = await newTeam(["ana"]);
  const base = new Date(Date.now() + 10 * 86_400_000);
  base.setUTCHours(0, 0, 0, 0);
  let hour = 0;
  const slot = () => {
    const start = base.getTime() + hour++ * 2 * 3_600_000;
    return { starts_at: new Date(start).toISOString(), ends_at: new Date(start + 3_600_000).toISOString() };
  };
  return { team, token: team.token, slot };
}

type Arena = Awaited<ReturnType<typeof arena>>;

/**
 * What every accepted record must allow, event or goal: it reads back as answered, shows where it
 * is listed (`listed`), takes a PATCH and a PUT of its own fields, and DELETE removes it.
 */
async function exercise(a: Arena, where: string, kind: "events" | "goals", record: any, listed: () => Promise<string[]>): Promise<string[]> {
  const path = `/${kind}/${encodeURIComponent(record.id)}`;
  const problems: string[] = [];
  const read = await send("GET", path, a.token);
  if (read.status !== 200 || JSON.stringify(read.json) !== JSON.stringify(record)) problems.push(`${where}: accepted, but GET answers ${read.status} ${read.text.slice(0, 200)}`);
  problems.push(...(await listed()));
  const patched = await send("PATCH", path, a.token, { json: { title: "patched" } });
  if (patched.status !== 200) problems.push(`${where}: accepted, but PATCH answers ${patched.status} ${patched.text.slice(0, 200)}`);
  const { id: _id, version: _v, created_at: _c, updated_at: _u, created_by: _b, ...fields } = record;
  const put = await send("PUT", path, a.token, { json: fields });
  if (put.status !== 200) problems.push(`${where}: accepted, but PUT of the same fields answers ${put.status} ${put.text.slice(0, 200)}`);
  const deleted = await send("DELETE", path, a.token);
  if (deleted.status !== 204) problems.push(`${where}: accepted, but DELETE answers ${deleted.status} ${deleted.text.slice(0, 200)}`);
  else if ((await send("GET", path, a.token)).status !== 404) problems.push(`${where}: still there after DELETE`);
  return problems;
}

/** An accepted event is listed for its own time (by its calendar too), and the feed stays valid iCalendar in UTF-8. */
function exerciseEvent(a: Arena, where: string, event: any): Promise<string[]> {
  return exercise(a, where, "events", event, async () => {
    const problems: string[] = [];
    for (const query of [`from=${event.starts_at}&to=${event.ends_at}`, `from=${event.starts_at}&to=${event.ends_at}&calendar=${encodeURIComponent(event.calendar)}`]) {
      const listed = await send("GET", `/events?${query}`, a.token);
      if (!listed.json?.events?.some((e: { id: string }) => e.id === event.id)) problems.push(`${where}: accepted, but not listed by ?${query}: ${listed.status}`);
    }
    const feed = await call(`/calendar.ics?token=${a.token}`);
    const bytes = new Uint8Array(await feed.arrayBuffer());
    try {
      ICAL.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
    } catch (error) {
      problems.push(`${where}: the feed is no longer valid UTF-8 iCalendar: ${(error as Error).message}`);
    }
    return problems;
  });
}

/** An accepted goal is in GET /goals, page by page. */
function exerciseGoal(a: Arena, where: string, goal: any): Promise<string[]> {
  return exercise(a, where, "goals", goal, async () => {
    const listed: string[] = [];
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page = await send("GET", `/goals?limit=500${cursor === null ? "" : `&cursor=${cursor}`}`, a.token);
      listed.push(...(page.json?.goals ?? []).map((g: { id: string }) => g.id));
      cursor = page.json?.next_cursor ?? null;
    }
    return listed.includes(goal.id) ? [] : [`${where}: accepted, but not in GET /goals`];
  });
}

/** A field of a JSON body: `build` makes the whole request around one value. */
interface BodySlot {
  where: string;
  field: string;
  method: string;
  path: (a: Arena) => Promise<string> | string;
  build: (value: string, a: Arena) => unknown;
  /** Given the 2xx answer: the event or goal to exercise. */
  accepted?: (answer: Answer, a: Arena) => Promise<{ event?: any; goal?: any }>;
}

let n = 0;
const fresh = (prefix: string) => `${prefix}-${++n}`;
const newEvent = async (a: Arena) => (await send("POST", "/events", a.token, { json: { id: fresh("ev"), title: "target", ...a.slot() } })).json.id as string;
const newGoal = async (a: Arena) => (await send("POST", "/goals", a.token, { json: { id: fresh("go"), title: "target" } })).json.id as string;
const asEvent = async (answer: Answer) => ({ event: answer.json });
/** A daily series of 3 on a calendar of its own (first at `first`, or a slot); the path of its second occurrence (the first stays where GET lists the series). */
const newSeriesOccurrence = async (a: Arena, first?: string) => {
  const { starts_at, ends_at } = first === undefined ? a.slot() : { starts_at: first, ends_at: new Date(Date.parse(first) + 3_600_000).toISOString() };
  const series = (await send("POST", "/events", a.token, { json: { id: fresh("se"), title: "series", calendar: fresh("cal"), starts_at, ends_at, recurrence: ["RRULE:FREQ=DAILY;COUNT=3"] } })).json;
  return `/events/${series.id}/occurrences/${new Date(Date.parse(starts_at) + 86_400_000).toISOString()}`;
};
/** For the transaction ops on an occurrence: a series made when the slot's path is, and its second occurrence. */
const txOccurrence = new WeakMap<Arena, { id: string; start: string }>();
const txOnOccurrence = async (a: Arena) => {
  const path = await newSeriesOccurrence(a);
  const [, , id, , start] = path.split("/");
  txOccurrence.set(a, { id: id!, start: start! });
  return "/tx";
};
/** A committed one-shot transaction that changed an occurrence: its series is the record to exercise. */
const txSeries = async (_answer: Answer, a: Arena) => ({ event: (await send("GET", `/events/${txOccurrence.get(a)!.id}`, a.token)).json });
/** An occurrence changed: the series it belongs to is the record to exercise. */
const asSeries = async (answer: Answer, a: Arena) => ({ event: (await send("GET", `/events/${answer.json.series_id}`, a.token)).json });
const asGoal = async (answer: Answer) => ({ goal: answer.json });
/** A check-in answers the goal as it left it. */
const asCheckedInGoal = async (answer: Answer) => ({ goal: answer.json?.goal });
/** The event or goal a committed one-shot transaction created: its op names the id. */
const txCreated = (kind: "event" | "goal") => async (answer: Answer, a: Arena) => {
  const id = answer.json?.ops?.[0]?.id;
  return { [kind]: id === undefined ? undefined : (await send("GET", `/${kind}s/${encodeURIComponent(id)}`, a.token)).json };
};

function eventBody(field: string, value: string, a: Arena): Record<string, unknown> {
  return { title: "fuzz", ...a.slot(), [field]: value };
}

const TEXT_SLOTS: BodySlot[] = [
  ...["id", "title", "description", "calendar"].map((field): BodySlot => ({ where: `POST /events ${field}`, field, method: "POST", path: () => "/events", build: (v, a) => eventBody(field, v, a), accepted: asEvent })),
  ...["title", "description", "calendar"].map((field): BodySlot => ({ where: `PUT /events/{id} ${field}`, field, method: "PUT", path: async (a) => `/events/${await newEvent(a)}`, build: (v, a) => eventBody(field, v, a), accepted: asEvent })),
  ...["title", "description", "calendar"].map((field): BodySlot => ({ where: `PATCH /events/{id} ${field}`, field, method: "PATCH", path: async (a) => `/events/${await newEvent(a)}`, build: (v) => ({ [field]: v }), accepted: asEvent })),
  { where: "POST /events time_zone", field: "time_zone", method: "POST", path: () => "/events", build: (v, a) => eventBody("time_zone", v, a), accepted: asEvent },
  { where: "PATCH /events/{id} time_zone", field: "time_zone", method: "PATCH", path: async (a) => `/events/${await newEvent(a)}`, build: (v) => ({ time_zone: v }), accepted: asEvent },
  // A recurrence line names its index ("recurrence[0]: ..." or "recurrence.0: ..."): both carry "recurrence".
  { where: "POST /events recurrence[0]", field: "recurrence", method: "POST", path: () => "/events", build: (v, a) => ({ title: "fuzz", ...a.slot(), recurrence: [v] }), accepted: asEvent },
  { where: "POST /events recurrence RRULE value", field: "recurrence", method: "POST", path: () => "/events", build: (v, a) => ({ title: "fuzz", ...a.slot(), recurrence: [`RRULE:FREQ=WEEKLY;BYDAY=${v}`] }), accepted: asEvent },
  { where: "POST /events recurrence EXDATE value", field: "recurrence", method: "POST", path: () => "/events", build: (v, a) => ({ title: "fuzz", ...a.slot(), recurrence: [`EXDATE;TZID=${v}:20310101T090000`] }), accepted: asEvent },
  ...["title", "description"].map((field): BodySlot => ({ where: `PATCH /events/{id}/occurrences/{occurrence_start} ${field}`, field, method: "PATCH", path: newSeriesOccurrence, build: (v) => ({ [field]: v }), accepted: asSeries })),
  ...["title", "description"].map((field): BodySlot => ({
    where: `POST /tx calendar.update_occurrence data.${field}`, field, method: "POST", path: txOnOccurrence,
    build: (v, a) => ({ ops: [{ type: "calendar.update_occurrence", id: txOccurrence.get(a)!.id, data: { occurrence_start: txOccurrence.get(a)!.start, [field]: v } }], commit: true }), accepted: txSeries,
  })),
  ...["id", "title", "description", "owner"].map((field): BodySlot => ({ where: `POST /goals ${field}`, field, method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", [field]: v }), accepted: asGoal })),
  ...["title", "description", "owner"].map((field): BodySlot => ({ where: `PUT /goals/{id} ${field}`, field, method: "PUT", path: async (a) => `/goals/${await newGoal(a)}`, build: (v) => ({ title: "fuzz", [field]: v }), accepted: asGoal })),
  ...["title", "description", "owner"].map((field): BodySlot => ({ where: `PATCH /goals/{id} ${field}`, field, method: "PATCH", path: async (a) => `/goals/${await newGoal(a)}`, build: (v) => ({ [field]: v }), accepted: asGoal })),
  ...["id", "title", "description", "calendar"].map((field): BodySlot => ({
    where: `POST /tx calendar.create data.${field}`, field, method: "POST", path: () => "/tx",
    build: (v, a) => ({ ops: [{ type: "calendar.create", data: eventBody(field, v, a) }], commit: true }), accepted: txCreated("event"),
  })),
  ...["title", "description", "owner"].map((field): BodySlot => ({
    where: `POST /tx goal.update data.${field}`, field, method: "POST", path: () => "/tx",
    build: (v) => ({ ops: [{ type: "goal.update", id: "no-such-goal", data: { [field]: v } }], commit: true }),
  })),
  { where: "POST /tx ops.type", field: "type", method: "POST", path: () => "/tx", build: (v) => ({ ops: [{ type: v, id: "x" }], commit: true }) },
  { where: "POST /tx ops.id", field: "id", method: "POST", path: () => "/tx", build: (v) => ({ ops: [{ type: "goal.delete", id: v }], commit: true }) },
  { where: "POST /tx/{id}/ops type", field: "type", method: "POST", path: async (a) => `/tx/${(await send("POST", "/tx", a.token)).json.tx_id}/ops`, build: (v) => ({ type: v }) },
  { where: "POST /tx/{id}/ops data.title", field: "title", method: "POST", path: async (a) => `/tx/${(await send("POST", "/tx", a.token)).json.tx_id}/ops`, build: (v, a) => ({ type: "calendar.create", data: eventBody("title", v, a) }) },
  { where: "POST /goals key_results[0].title", field: "key_results", method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", key_results: [{ title: v, metric: "number", target: 5 }] }), accepted: asGoal },
  { where: "POST /goals key_results[0].id", field: "key_results", method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", key_results: [{ id: v, title: "kr", metric: "done" }] }), accepted: asGoal },
  { where: "PATCH /goals/{id} key_results[0].title", field: "key_results", method: "PATCH", path: async (a) => `/goals/${await newGoal(a)}`, build: (v) => ({ key_results: [{ title: v, metric: "percent", target: 50 }] }), accepted: asGoal },
  { where: "POST /goals key_results[0].currency", field: "currency", method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", key_results: [{ title: "kr", metric: "currency", currency: v, target: 5 }] }), accepted: asGoal },
  { where: "POST /goals state", field: "state", method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", state: v }), accepted: asGoal },
  { where: "POST /goals/{id}/check-ins note", field: "note", method: "POST", path: async (a) => `/goals/${await newGoal(a)}/check-ins`, build: (v) => ({ health: "at_risk", note: v }), accepted: asCheckedInGoal },
  { where: "POST /goals/{id}/check-ins health", field: "health", method: "POST", path: async (a) => `/goals/${await newGoal(a)}/check-ins`, build: (v) => ({ health: v }), accepted: asCheckedInGoal },
  { where: "POST /goals/{id}/check-ins key_results[0].id", field: "key_results", method: "POST", path: async (a) => `/goals/${await newGoal(a)}/check-ins`, build: (v) => ({ health: "on_track", key_results: [{ id: v, current: 1 }] }), accepted: asCheckedInGoal },
  { where: "POST /tx goal.update data.key_results[0].title", field: "key_results", method: "POST", path: () => "/tx", build: (v) => ({ ops: [{ type: "goal.update", id: "no-such-goal", data: { key_results: [{ title: v, metric: "done" }] } }], commit: true }) },
  { where: "POST /pomo/start focus_minutes", field: "focus_minutes", method: "POST", path: () => "/pomo/start", build: (v) => ({ focus_minutes: v }) },
  { where: "POST /pomo/set duration_minutes", field: "duration_minutes", method: "POST", path: () => "/pomo/set", build: (v) => ({ duration_minutes: v }) },
];

const DATE_SLOTS: BodySlot[] = [
  { where: "POST /events starts_at", field: "starts_at", method: "POST", path: () => "/events", build: (v) => ({ id: fresh("d"), title: "fuzz", calendar: fresh("cal"), starts_at: v }), accepted: asEvent },
  { where: "POST /events ends_at", field: "ends_at", method: "POST", path: () => "/events", build: (v) => ({ id: fresh("d"), title: "fuzz", calendar: fresh("cal"), starts_at: "2031-01-01T09:00:00Z", ends_at: v }), accepted: asEvent },
  { where: "POST /events starts_at and ends_at", field: "starts_at|ends_at", method: "POST", path: () => "/events", build: (v) => ({ id: fresh("d"), title: "fuzz", calendar: fresh("cal"), starts_at: v, ends_at: "9999-12-31T23:59:59.999Z" }), accepted: asEvent },
  { where: "PATCH /events/{id} starts_at", field: "starts_at", method: "PATCH", path: async (a) => `/events/${await newEvent(a)}`, build: (v) => ({ starts_at: v, ends_at: undefined, calendar: fresh("cal") }), accepted: asEvent },
  { where: "PUT /events/{id} ends_at", field: "ends_at", method: "PUT", path: async (a) => `/events/${await newEvent(a)}`, build: (v) => ({ title: "fuzz", calendar: fresh("cal"), starts_at: "2031-01-01T09:00:00Z", ends_at: v }), accepted: asEvent },
  { where: "PATCH /events/{id}/occurrences/{occurrence_start} starts_at", field: "starts_at", method: "PATCH", path: newSeriesOccurrence, build: (v) => ({ starts_at: v }), accepted: asSeries },
  // Its second occurrence starts at 2031-01-01T08:00Z, so the dates near there are ends it can take.
  { where: "PATCH /events/{id}/occurrences/{occurrence_start} ends_at", field: "ends_at", method: "PATCH", path: (a) => newSeriesOccurrence(a, "2030-12-31T08:00:00Z"), build: (v) => ({ ends_at: v }), accepted: asSeries },
  {
    where: "POST /tx calendar.cancel_occurrence data.occurrence_start", field: "occurrence_start", method: "POST", path: txOnOccurrence,
    build: (v, a) => ({ ops: [{ type: "calendar.cancel_occurrence", id: txOccurrence.get(a)!.id, data: { occurrence_start: v } }], commit: true }), accepted: txSeries,
  },
  { where: "POST /goals due", field: "due", method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", due: v }), accepted: asGoal },
  { where: "PATCH /goals/{id} due", field: "due", method: "PATCH", path: async (a) => `/goals/${await newGoal(a)}`, build: (v) => ({ due: v }), accepted: asGoal },
  { where: "POST /tx calendar.create data.starts_at", field: "starts_at", method: "POST", path: () => "/tx", build: (v) => ({ ops: [{ type: "calendar.create", data: { title: "fuzz", calendar: fresh("cal"), starts_at: v } }], commit: true }), accepted: txCreated("event") },
  { where: "POST /tx goal.create data.due", field: "due", method: "POST", path: () => "/tx", build: (v) => ({ ops: [{ type: "goal.create", data: { title: "fuzz", due: v } }], commit: true }), accepted: txCreated("goal") },
];

/**
 * Number tokens as they may sit in a JSON text: past the double range (JSON.parse makes 1e400
 * Infinity), below it (1e-400 is 0), -0, beyond 2^53, and things that are no JSON number at all.
 */
const NUMBERS = ["0", "-0", "1", "0.5", "-1", "100", "101", "1e12", "1000000000001", "-1e12", "1e308", "-1e308", "1e400", "-1e400", "1e-400", "5e-324", "9007199254740993", "NaN", "Infinity", "-Infinity", "null", "true", '"5"', "[]", "{}", "0x10", ".5", "+1", "1_000"];

/** Where a number goes: `build` makes the request around the placeholder NUMBER_SLOT, which the token replaces as it is. */
const NUMBER_SLOT = "@@NUMBER@@";
const kr = (fields: Record<string, unknown>) => ({ title: "kr", metric: "number", target: 10, ...fields });
const NUMBER_SLOTS: BodySlot[] = [
  ...["start", "current", "target", "weight"].map((field): BodySlot => ({ where: `POST /goals key_results[0].${field}`, field: `key_results|${field}`, method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", key_results: [kr({ [field]: v })] }), accepted: asGoal })),
  ...["start", "current", "target"].map((field): BodySlot => ({ where: `POST /goals percent key_results[0].${field}`, field: `key_results|${field}`, method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", key_results: [kr({ metric: "percent", target: 50, [field]: v })] }), accepted: asGoal })),
  { where: "POST /goals done key_results[0].current", field: "key_results", method: "POST", path: () => "/goals", build: (v) => ({ title: "fuzz", key_results: [{ title: "kr", metric: "done", current: v }] }), accepted: asGoal },
  { where: "PATCH /goals/{id} key_results[1].weight", field: "key_results", method: "PATCH", path: async (a) => `/goals/${await newGoal(a)}`, build: (v) => ({ key_results: [kr({ weight: 0 }), kr({ weight: v })] }), accepted: asGoal },
  { where: "PATCH /goals/{id} progress", field: "progress", method: "PATCH", path: async (a) => `/goals/${await newGoal(a)}`, build: (v) => ({ progress: v }), accepted: asGoal },
  {
    where: "POST /goals/{id}/check-ins key_results[0].current", field: "key_results", method: "POST",
    path: async (a) => `/goals/${(await send("POST", "/goals", a.token, { json: { id: fresh("go"), title: "measured", key_results: [kr({ id: "k" })] } })).json.id}/check-ins`,
    build: (v) => ({ health: "on_track", key_results: [{ id: "k", current: v }] }), accepted: asCheckedInGoal,
  },
  { where: "POST /tx goal.create data.key_results[0].target", field: "key_results", method: "POST", path: () => "/tx", build: (v) => ({ ops: [{ type: "goal.create", data: { title: "fuzz", key_results: [kr({ target: v })] } }], commit: true }), accepted: txCreated("goal") },
];

/** Runs one number slot with one raw token. */
async function tryNumberSlot(a: Arena, slot: BodySlot, token: string): Promise<string[]> {
  const path = await slot.path(a);
  const text = JSON.stringify(slot.build(NUMBER_SLOT, a)).replace(`"${NUMBER_SLOT}"`, token);
  const where = `${slot.where} = ${token}`;
  const answer = await send(slot.method, path, a.token, { raw: utf8.encode(text) });
  const problems = judge(where, answer, slot.field);
  if (answer.status < 300 && slot.accepted !== undefined) {
    const { goal } = await slot.accepted(answer, a);
    if (goal === undefined) problems.push(`${where}: ${answer.status}, but the answer holds no goal: ${answer.text.slice(0, 200)}`);
    else {
      exercised.set(slot.where, (exercised.get(slot.where) ?? 0) + 1);
      if (!Number.isInteger(goal.progress) || goal.progress < 0 || goal.progress > 100) problems.push(`${where}: progress ${goal.progress}`);
      problems.push(...(await exerciseGoal(a, where, goal)));
    }
  }
  return problems;
}

/** How many accepted records each slot exercised: proof that the checks after acceptance ran. */
const exercised = new Map<string, number>();

/** Runs one slot with one value (or raw bytes in its place), and exercises what it accepted. */
async function tryBodySlot(a: Arena, slot: BodySlot, value: string | number[]): Promise<string[]> {
  const path = await slot.path(a);
  const body: Body = typeof value === "string" ? { json: slot.build(value, a) } : withRawBytes((v) => slot.build(v, a), value);
  const where = typeof value === "string" ? label(slot.where, value) : `${slot.where} = raw bytes ${value.map((b) => b.toString(16)).join(" ")}`;
  const answer = await send(slot.method, path, a.token, body);
  const problems = judge(where, answer, slot.field);
  if (answer.status < 300 && slot.accepted !== undefined) {
    const { event, goal } = await slot.accepted(answer, a);
    if (event === undefined && goal === undefined) problems.push(`${where}: ${answer.status}, but the answer holds no record: ${answer.text.slice(0, 200)}`);
    exercised.set(slot.where, (exercised.get(slot.where) ?? 0) + 1);
    if (event !== undefined) problems.push(...(await exerciseEvent(a, where, event)));
    if (goal !== undefined) problems.push(...(await exerciseGoal(a, where, goal)));
  }
  return problems;
}

describe("every route's fields, fuzzed with unicode and boundary values", () => {
  it("text fields of events, goals, transactions and the timer", async () => {
    const a = await arena();
    const problems: string[] = [];
    for (const slot of TEXT_SLOTS) {
      for (const value of [...TEXTS, ...BAD_UTF8]) problems.push(...(await tryBodySlot(a, slot, value)));
    }
    expectNone(problems);
    // Noncharacters, bidi marks, BOMs, C1 controls, emoji: accepted wherever free text goes.
    // Ids, calendar names, zones, recurrence lines, currency codes, states and healths have a grammar: fuzzed text is refused there.
    for (const slot of TEXT_SLOTS.filter((s) => s.accepted !== undefined && !/[ .](id|calendar|time_zone|currency|state|health)$|recurrence/.test(s.where))) expect(exercised.get(slot.where), slot.where).toBeGreaterThan(15);
  }, 600_000);

  it("date fields of events, goals and transactions", async () => {
    const a = await arena();
    const problems: string[] = [];
    for (const slot of DATE_SLOTS) for (const value of [...DATES, ...BAD_UTF8]) problems.push(...(await tryBodySlot(a, slot, value)));
    expectNone(problems);
    // Offsets up to ±23:59, fractions, no seconds, a space for T, leap days: accepted, and usable.
    // An occurrence_start names one start of the series: none of these dates does (the forms that do are fuzzed on their own).
    for (const slot of DATE_SLOTS) expect(exercised.get(slot.where) ?? 0, slot.where).toBeGreaterThan(/ and /.test(slot.where) ? 0 : /cancel_occurrence/.test(slot.where) ? -1 : 5);
  }, 600_000);

  it("number fields of goals, key results and check-ins", async () => {
    const a = await arena();
    const problems: string[] = [];
    for (const slot of NUMBER_SLOTS) for (const token of NUMBERS) problems.push(...(await tryNumberSlot(a, slot, token)));
    expectNone(problems);
    // 0, -0, 1, 0.5, 5e-324 and the like are accepted somewhere in every slot, and usable.
    for (const slot of NUMBER_SLOTS) expect(exercised.get(slot.where), slot.where).toBeGreaterThan(1);
  }, 600_000);

  it("admin: team and member names in bodies and paths", async () => {
    const problems: string[] = [];
    const admin = (path: string, body: Body, headers: Record<string, string> = {}) => send("POST", path, ADMIN_SECRET, body, headers);
    const { team } = await newTeam(["ana"]);
    for (const value of [...TEXTS, ...BAD_UTF8]) {
      const asBody = (build: (v: string) => unknown): Body => (typeof value === "string" ? { json: build(value) } : withRawBytes(build, value));
      const shown = typeof value === "string" ? value : `bytes ${value.join(",")}`;
      problems.push(...judge(label("POST /admin/teams team", shown), await admin("/admin/teams", asBody((v) => ({ team: v, members: ["ana"] }))), "team"));
      problems.push(...judge(label("POST /admin/teams members", shown), await admin("/admin/teams", asBody((v) => ({ team: fresh("t"), members: [v] }))), "members"));
      problems.push(...judge(label("POST /admin/teams/{team}/members member", shown), await admin(`/admin/teams/${team}/members`, asBody((v) => ({ member: v }))), "member"));
    }
    for (const id of PATH_IDS) problems.push(...judge(label("POST /admin/teams/{team}/members path team", id), await admin(`/admin/teams/${id}/members`, { json: { member: "zed" } }), "team"));
    for (const id of PATH_IDS) problems.push(...judge(label("DELETE /admin/teams/{team} path team", id), await send("DELETE", `/admin/teams/${id}`, ADMIN_SECRET), "team"));
    expectNone(problems);
  }, 600_000);

  it("query parameters of every listing, the feed, free/busy, the live socket and the timer", async () => {
    const a = await arena();
    const problems: string[] = [];
    const encodedTexts = TEXTS.filter((t) => wellFormed(t) === t).map(encodeURIComponent).concat(["%ED%A0%80", "%C0%AF", "%FF", "%00", "%", "%zz", "a+b"]);
    const encodedDates = DATES.filter((t) => wellFormed(t) === t).map(encodeURIComponent).concat(["%ED%A0%80", "2031-01-01T10:00:00%2B14:00"]);
    const checkedGoal = await newGoal(a);
    await send("POST", `/goals/${checkedGoal}/check-ins`, a.token, { json: { health: "on_track" } });
    const cases: Array<[string, string, string[]]> = [
      ["/events?from=", "from", encodedDates],
      ["/events?to=", "to", encodedDates],
      ["/events?from=2031-01-01T00:00:00Z&to=", "to", encodedDates],
      ["/events?calendar=", "calendar", encodedTexts],
      ["/events?limit=", "limit", LIMITS],
      ["/events?cursor=", "cursor", CURSORS],
      ["/events?calendar=team&cursor=", "cursor", CURSORS],
      ["/goals?limit=", "limit", LIMITS],
      ["/goals?cursor=", "cursor", CURSORS],
      [`/goals/${checkedGoal}/check-ins?limit=`, "limit", LIMITS],
      [`/goals/${checkedGoal}/check-ins?cursor=`, "cursor", CURSORS.concat(["0", "-1", "1.5", "99999999999", "%00"])],
      ["/calendar.ics?calendar=", "calendar", encodedTexts],
      ["/ws?last_seq=", "last_seq", LIMITS.concat(encodedTexts)],
      ["/ws?client=", "client", encodedTexts],
      ["/events?", "from", encodedTexts.map((t) => `${t}=1`)],
      ["/freebusy?from=2031-03-03T00:00:00Z&to=2031-03-04T00:00:00Z&members=", "members", encodedTexts],
      ["/freebusy?members=ana&to=2031-03-04T00:00:00Z&from=", "from|to", encodedDates],
      ["/freebusy?members=ana&from=2031-03-03T00:00:00Z&to=", "to", encodedDates],
    ];
    for (const [prefix, field, values] of cases) {
      for (const value of values) problems.push(...judge(label(`GET ${prefix}`, value), await send("GET", prefix + value, a.token), field === "from" && prefix === "/events?" ? "" : field));
    }
    for (const value of LIMITS.concat(encodedTexts)) problems.push(...judge(label("POST /pomo/set?duration_minutes=", value), await send("POST", `/pomo/set?duration_minutes=${value}`, a.token), "duration_minutes"));
    for (const value of encodedTexts) {
      const feed = await send("GET", `/calendar.ics?token=${value}`, null);
      if (feed.status !== 401 && feed.status !== 400) problems.push(`GET /calendar.ics?token=${value}: ${feed.status}`);
    }
    expectNone(problems);
  }, 600_000);

  it("headers: If-Match, If-None-Match and Idempotency-Key", async () => {
    const a = await arena();
    const problems: string[] = [];
    for (const value of HEADER_VALUES) {
      for (const [method, kind] of [["PATCH", "event"], ["PUT", "event"], ["DELETE", "event"], ["PATCH", "goal"], ["DELETE", "goal"]] as const) {
        const id = kind === "event" ? await newEvent(a) : await newGoal(a);
        const body: Body | undefined = method === "DELETE" ? undefined : { json: method === "PUT" ? { title: "fuzz", ...a.slot() } : { title: "fuzz" } };
        const answer = await send(method, `/${kind}s/${id}`, a.token, body, { "If-Match": value });
        problems.push(...judge(label(`${method} /${kind}s/{id} If-Match`, value), answer, "If-Match"));
        if (answer.status < 300 && method !== "DELETE") problems.push(...(kind === "event" ? await exerciseEvent(a, label(`${method} If-Match`, value), answer.json) : await exerciseGoal(a, label(`${method} If-Match`, value), answer.json)));
        if (![200, 204, 400, 412].includes(answer.status)) problems.push(`${label(`${method} /${kind}s/{id} If-Match`, value)}: ${answer.status}`);
      }
      const checkIn = await send("POST", `/goals/${await newGoal(a)}/check-ins`, a.token, { json: { health: "on_track" } }, { "If-Match": value, "Idempotency-Key": value });
      problems.push(...judge(label("POST /goals/{id}/check-ins If-Match and Idempotency-Key", value), checkIn, "If-Match|Idempotency-Key"));
      if (checkIn.status < 300) problems.push(...(await exerciseGoal(a, label("check-in If-Match", value), checkIn.json.goal)));
      if (![201, 400, 412].includes(checkIn.status)) problems.push(`${label("POST /goals/{id}/check-ins If-Match", value)}: ${checkIn.status}`);
      const id = await newEvent(a);
      problems.push(...judge(label("GET /events/{id} If-None-Match", value), await send("GET", `/events/${id}`, a.token, undefined, { "If-None-Match": value }), "If-None-Match"));
      for (const [path, body] of [["/events", { title: "fuzz", ...a.slot() }], ["/goals", { title: "fuzz" }], ["/tx", { ops: [{ type: "goal.create", data: { title: "fuzz" } }], commit: true }]] as const) {
        const answer = await send("POST", path, a.token, { json: body }, { "Idempotency-Key": value });
        problems.push(...judge(label(`POST ${path} Idempotency-Key`, value), answer, "Idempotency-Key"));
        if (answer.status < 300 && path === "/events") problems.push(...(await exerciseEvent(a, label("Idempotency-Key", value), answer.json)));
      }
      problems.push(...judge(label("POST /admin/teams Idempotency-Key", value), await send("POST", "/admin/teams", ADMIN_SECRET, { json: { team: fresh("k"), members: ["ana"] } }, { "Idempotency-Key": value }), "Idempotency-Key"));
      problems.push(...judge(label("Authorization", value), await send("GET", "/goals", null, undefined, { authorization: value }), "Authorization"));
    }
    expectNone(problems);
  }, 600_000);

  it("path ids of events, goals and transactions", async () => {
    const a = await arena();
    const problems: string[] = [];
    for (const id of PATH_IDS) {
      for (const [method, path, body] of [
        ["GET", `/events/${id}`], ["PUT", `/events/${id}`, { title: "fuzz", ...a.slot() }], ["PATCH", `/events/${id}`, { title: "x" }], ["DELETE", `/events/${id}`],
        ["GET", `/goals/${id}`], ["PUT", `/goals/${id}`, { title: "fuzz" }], ["PATCH", `/goals/${id}`, { title: "x" }], ["DELETE", `/goals/${id}`],
        ["GET", `/goals/${id}/check-ins`], ["POST", `/goals/${id}/check-ins`, { health: "on_track" }],
        ["GET", `/tx/${id}`], ["POST", `/tx/${id}/ops`, { type: "goal.delete", id: "x" }], ["POST", `/tx/${id}/commit`, {}], ["POST", `/tx/${id}/abort`, {}],
      ] as const) {
        const answer = await send(method, path, a.token, body === undefined ? undefined : { json: body });
        problems.push(...judge(label(`${method} ${path.replace(id, "{id}")}`, id), answer, "id"));
        // An id is never created by a PUT, and one that is not valid must not be found.
        if (answer.status < 300) problems.push(`${method} ${path}: ${answer.status}, for an id that does not exist`);
      }
    }
    expectNone(problems);
  }, 600_000);

  it("people: availability, free/busy, find-time and external calendars", async () => {
    const a = await arena();
    const problems: string[] = [];
    const hours = (over: Record<string, unknown> = {}, period: Record<string, unknown> = {}) => ({ time_zone: "UTC", weekly: [{ days: ["MO"], start: "09:00", end: "17:00", ...period }], ...over });
    const find = (over: Record<string, unknown>) => ({ members: ["ana"], duration_minutes: 30, from: "2031-03-03T00:00:00Z", to: "2031-03-04T00:00:00Z", ...over });
    for (const value of [...TEXTS, ...BAD_UTF8]) {
      const asBody = (build: (v: string) => unknown): Body => (typeof value === "string" ? { json: build(value) } : withRawBytes(build, value));
      const shown = typeof value === "string" ? value : `bytes ${value.join(",")}`;
      for (const [field, build] of [
        ["time_zone", (v: string) => hours({ time_zone: v })],
        ["weekly.0.start", (v: string) => hours({}, { start: v })],
        ["weekly.0.end", (v: string) => hours({}, { end: v })],
        ["weekly.0.days.0", (v: string) => hours({}, { days: [v] })],
      ] as const) {
        const answer = await send("PUT", "/members/ana/availability", a.token, asBody(build));
        problems.push(...judge(label(`PUT /members/ana/availability ${field}`, shown), answer, field));
        // Accepted: it reads back as answered.
        if (answer.status === 200 && JSON.stringify((await send("GET", "/members/ana/availability", a.token)).json) !== JSON.stringify(answer.json)) problems.push(`${label(field, shown)}: accepted, but reads back otherwise`);
      }
      problems.push(...judge(label("POST /find-time members", shown), await send("POST", "/find-time", a.token, asBody((v) => find({ members: [v] }))), "members"));
      problems.push(...judge(label("POST /find-time calendar", shown), await send("POST", "/find-time", a.token, asBody((v) => find({ calendar: v }))), "calendar"));
      problems.push(...judge(label("POST /members/ana/calendars url", shown), await send("POST", "/members/ana/calendars", a.token, asBody((v) => ({ url: v }))), "url"));
    }
    for (const date of DATES) {
      for (const field of ["from", "to"]) {
        const window = { from: "2031-03-03T00:00:00Z", to: "2031-03-04T00:00:00Z", [field]: date };
        problems.push(...judge(label(`POST /find-time ${field}`, date), await send("POST", "/find-time", a.token, { json: find(window) }), "from|to"));
      }
    }
    for (const [field, values] of [["duration_minutes", [0, 4, 5, 1440, 1441, 1.5, -1, 1e308, "30", null]], ["quorum", [0, -0, 1e-9, 0.5, 1, 1.0000001, NaN, "1", null]], ["limit", [0, 1, 50, 51, 2.5, -1, "5", null]]] as const) {
      for (const v of values) problems.push(...judge(label(`POST /find-time ${field}`, String(v)), await send("POST", "/find-time", a.token, { json: find({ [field]: v }) }), field));
    }
    for (const id of PATH_IDS) {
      problems.push(...judge(label("GET /members/{member}/availability path", id), await send("GET", `/members/${id}/availability`, a.token), "member|body"));
      problems.push(...judge(label("DELETE /members/ana/calendars/{id} path", id), await send("DELETE", `/members/ana/calendars/${id}`, a.token), "id"));
    }
    expectNone(problems);
  }, 600_000);

  it("occurrence_start in the path of a series' occurrence: any form of an instant, or a 400 naming it; the series stays changeable", async () => {
    const a = await arena();
    const problems: string[] = [];
    const encodedDates = DATES.filter((t) => wellFormed(t) === t).map(encodeURIComponent).concat(PATH_IDS.filter((id) => id !== ".."), ["%ED%A0%80", "9".repeat(5000)]); // ".." is the series itself
    const occurrence = await newSeriesOccurrence(a);
    const base = occurrence.slice(0, occurrence.lastIndexOf("/") + 1);
    for (const value of encodedDates) {
      for (const method of ["PATCH", "DELETE"]) {
        const answer = await send(method, base + value, a.token, method === "PATCH" ? { json: { title: "fuzz" } } : undefined);
        problems.push(...judge(label(`${method} ${base}{occurrence_start}`, value), answer, "occurrence_start"));
        if (![400, 404].includes(answer.status)) problems.push(`${label(`${method} ${base}{occurrence_start}`, value)}: ${answer.status}, for no occurrence of the series`);
      }
    }
    // Each of its forms names the occurrence; what was accepted leaves a series that takes changes.
    const start = Date.parse(decodeURIComponent(occurrence.slice(occurrence.lastIndexOf("/") + 1)));
    for (const form of [new Date(start).toISOString(), new Date(start).toISOString().replace(".000Z", "+00:00"), new Date(start + 3_600_000).toISOString().replace(".000Z", "+01:00")]) {
      const answer = await send("PATCH", base + encodeURIComponent(form), a.token, { json: { title: form } });
      if (answer.status !== 200) problems.push(`PATCH ${base}${form}: ${answer.status} ${answer.text.slice(0, 200)}`);
    }
    problems.push(...(await exerciseEvent(a, "a series after its occurrence was fuzzed", (await send("GET", base.replace(/\/occurrences\/$/, ""), a.token)).json)));
    expectNone(problems);
  }, 600_000);
});
