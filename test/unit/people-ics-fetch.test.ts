import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchIcs } from "../../worker/people/ics-fetch.ts";

/**
 * fetchIcs against a real local server: in production, loopback and private addresses are refused
 * (the webhooks' rule), also when a public-looking first hop redirects there; in development
 * loopback is allowed so tests and local calendars work.
 */
let server: Server;
let base: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === "/to-private") return void res.writeHead(302, { location: "http://10.1.2.3/cal.ics" }).end();
    res.writeHead(200, { "content-type": "text/calendar", etag: '"e"' }).end("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("fetching an external calendar", () => {
  it("in production refuses loopback and private addresses without sending anything", async () => {
    const before = requests;
    expect(await fetchIcs(`${base}/cal.ics`, null, true)).toEqual({ kind: "failed", error: expect.stringContaining("must not point at a loopback address") });
    expect(await fetchIcs("http://192.168.1.1/cal.ics", null, true)).toEqual({ kind: "failed", error: expect.stringContaining("private address") });
    expect(requests).toBe(before);
  });

  it("checks every redirect hop like the first", async () => {
    expect(await fetchIcs(`${base}/to-private`, null, false)).toEqual({ kind: "failed", error: "redirect 1 (http://10.1.2.3/cal.ics) must not point at a private address (10.1.2.3)" });
  });

  it("in development fetches loopback, keeping the ETag", async () => {
    expect(await fetchIcs(`${base}/cal.ics`, null, false)).toEqual({ kind: "fetched", text: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", etag: '"e"' });
  });
});
