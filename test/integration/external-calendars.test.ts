import { Redis } from "@upstash/redis";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { jsonApi } from "../helpers/http.ts";
import { stopAll } from "../helpers/processes.ts";
import { startWorkerStack, type WorkerStack } from "../helpers/stack.ts";
import { createTeamTokens } from "../helpers/teams.ts";

/**
 * External calendars through the real worker under `wrangler dev`, fetched from a local HTTP
 * server that serves ICS with an ETag, hangs, answers too much, or redirects. Busy time shows in
 * /freebusy and /find-time with no title; the cron (/__scheduled) fetches what is due.
 */
const ADMIN_SECRET = "integration-admin-secret-123";
let stack: WorkerStack;
let worker: RunningWorker;
let tokens: Record<string, string>;
let server: Server;
let base: string;
/** What each path serves, and the requests it saw (with their If-None-Match). */
const served = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
const seen: Array<{ path: string; ifNoneMatch: string | undefined }> = [];

const as = (member: string) => jsonApi(() => worker.url, () => tokens[member]!);
/** Two weeks ahead (busy time is kept a month back to a year ahead of each fetch), and the day after. */
const dayMs = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 14 * 86_400_000;
const day = new Date(dayMs).toISOString().slice(0, 10);
const nextDay = new Date(dayMs + 86_400_000).toISOString().slice(0, 10);
const dayAfter = new Date(dayMs + 2 * 86_400_000).toISOString().slice(0, 10);

function ics(...vevents: string[][]): string {
  return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", ...vevents.flatMap((v) => ["BEGIN:VEVENT", ...v, "END:VEVENT"]), "END:VCALENDAR", ""].join("\r\n");
}

/** Serves `text` with a fixed ETag, answering 304 to it. */
function withEtag(text: string, tag: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers["if-none-match"] === tag) return void res.writeHead(304, { etag: tag }).end();
    res.writeHead(200, { "content-type": "text/calendar", etag: tag }).end(text);
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", ifNoneMatch: req.headers["if-none-match"] as string | undefined });
    const handler = served.get(req.url ?? "");
    if (handler === undefined) return void res.writeHead(404).end();
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stack = await startWorkerStack({ vars: { ADMIN_SECRET }, testScheduled: true });
  worker = stack.worker;
  tokens = await createTeamTokens(worker.url, ADMIN_SECRET, "external", ["ana", "bo"]);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await stopAll();
});

describe("external calendars", () => {
  it("are fetched on adding, count as busy time (recurring events expanded, no titles), and refresh with the ETag", async () => {
    served.set("/ana.ics", withEtag(ics(["UID:w", `DTSTART;TZID=Asia/Tokyo:${day.replaceAll("-", "")}T170000`, `DTEND;TZID=Asia/Tokyo:${day.replaceAll("-", "")}T180000`, "RRULE:FREQ=DAILY;COUNT=2", "SUMMARY:Secret doctor"]), '"v1"'));
    const added = await as("ana")("POST", "/members/ana/calendars", { url: `${base}/ana.ics` });
    expect(added.status, JSON.stringify(added.json)).toBe(201);
    expect(added.json).toMatchObject({ member: "ana", etag: '"v1"', last_fetch: { outcome: "fetched", events: 1, busy_intervals: 2 } });

    const busy = await as("bo")("GET", `/freebusy?members=ana&from=${day}T00:00:00Z&to=${dayAfter}T00:00:00Z`);
    expect(busy.json.members.ana.busy).toEqual([
      { starts_at: `${day}T08:00:00.000Z`, ends_at: `${day}T09:00:00.000Z` },
      { starts_at: `${nextDay}T08:00:00.000Z`, ends_at: `${nextDay}T09:00:00.000Z` },
    ]);
    expect(JSON.stringify(busy.json)).not.toContain("Secret");
    const slot = await as("bo")("POST", "/find-time", { members: ["ana", "bo"], duration_minutes: 60, from: `${day}T08:00:00Z`, to: `${day}T12:00:00Z`, limit: 1 });
    expect(slot.json.slots[0].starts_at).toBe(`${day}T09:00:00.000Z`);

    // Only ana sees her calendars (the address is a secret) or changes them.
    expect((await as("bo")("GET", "/members/ana/calendars")).status).toBe(403);
    expect((await as("bo")("POST", "/members/ana/calendars", { url: `${base}/ana.ics` })).status).toBe(403);
    const listed = await as("ana")("GET", "/members/ana/calendars");
    expect(listed.json.calendars.map((c: any) => c.url)).toEqual([`${base}/ana.ics`]);

    const refreshed = await as("ana")("POST", `/members/ana/calendars/${added.json.id}/refresh`);
    expect(refreshed.json.last_fetch).toMatchObject({ outcome: "not_modified", busy_intervals: 2 });
    expect(seen.filter((s) => s.path === "/ana.ics").map((s) => s.ifNoneMatch)).toEqual([undefined, '"v1"']);

    expect((await as("ana")("DELETE", `/members/ana/calendars/${added.json.id}`)).status).toBe(204);
    expect((await as("bo")("GET", `/freebusy?members=ana&from=${day}T00:00:00Z&to=${dayAfter}T00:00:00Z`)).json.members.ana.busy).toEqual([]);
  });

  it("a calendar that fails says why: too large, not ICS, HTTP errors, redirect loops; webcal is https; at most 5; a bad URL is a 400", async () => {
    served.set("/big.ics", (_req, res) => res.writeHead(200, { "content-type": "text/calendar" }).end("BEGIN:VCALENDAR\r\n" + "X".repeat(3 * 1024 * 1024)));
    served.set("/html", (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>"));
    served.set("/gone.ics", (_req, res) => res.writeHead(410).end());
    served.set("/loop.ics", (_req, res) => res.writeHead(302, { location: "/loop.ics" }).end());
    const add = (path: string) => as("bo")("POST", "/members/bo/calendars", { url: `${base}${path}` });
    expect((await add("/big.ics")).json.last_fetch).toMatchObject({ outcome: "failed", error: expect.stringContaining("larger than") });
    expect((await add("/html")).json.last_fetch).toMatchObject({ outcome: "failed", error: expect.stringContaining("not an iCalendar") });
    expect((await add("/gone.ics")).json.last_fetch).toMatchObject({ outcome: "failed", error: "answered HTTP 410" });
    expect((await add("/loop.ics")).json.last_fetch).toMatchObject({ outcome: "failed", error: "more than 3 redirects" });
    const webcal = await as("bo")("POST", "/members/bo/calendars", { url: `webcal://127.0.0.1:1/x.ics` });
    expect(webcal.status).toBe(201);
    expect(webcal.json.url).toBe("https://127.0.0.1:1/x.ics");
    const tooMany = await add("/gone.ics");
    expect(tooMany.status).toBe(409);
    expect(tooMany.json.error.code).toBe("too_many_calendars");
    for (const url of ["ftp://example.com/x.ics", "not a url", "http://user:pw@example.com/x.ics"]) {
      const res = await as("ana")("POST", "/members/ana/calendars", { url });
      expect(res.status, url).toBe(400);
      expect(res.json.error.details.fields[0].field).toBe("url");
    }
  });

  it("one that hangs fails after the timeout, and the cron fetches calendars that are due", async () => {
    served.set("/slow.ics", () => undefined); // never answers
    const started = Date.now();
    const slow = await as("ana")("POST", "/members/ana/calendars", { url: `${base}/slow.ics` });
    expect(slow.json.last_fetch).toMatchObject({ outcome: "failed", error: "took longer than 10 s" });
    expect(Date.now() - started).toBeLessThan(20_000);

    // The server comes back; the cron fetches the calendar once it is due (made due now here).
    served.set("/slow.ics", withEtag(ics(["UID:x", `DTSTART:${day.replaceAll("-", "")}T130000Z`, `DTEND:${day.replaceAll("-", "")}T140000Z`]), '"s1"'));
    const redis = new Redis({ url: stack.gateway.url, token: stack.gateway.token, automaticDeserialization: false });
    await redis.zadd("gs:people:external-due", { score: 0, member: `external/ana/${slow.json.id}` });
    expect((await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).status).toBe(200);
    let outcome: string | undefined;
    for (let i = 0; i < 50 && outcome !== "fetched"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      outcome = (await as("ana")("GET", "/members/ana/calendars")).json.calendars.find((c: any) => c.id === slow.json.id)?.last_fetch?.outcome;
    }
    expect(outcome).toBe("fetched");
    const busy = await as("bo")("GET", `/freebusy?members=ana&from=${day}T00:00:00Z&to=${nextDay}T00:00:00Z`);
    expect(busy.json.members.ana.busy).toEqual([{ starts_at: `${day}T13:00:00.000Z`, ends_at: `${day}T14:00:00.000Z` }]);
  }, 60_000);
});
