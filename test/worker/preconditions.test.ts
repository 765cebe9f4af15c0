import { describe, expect, it } from "vitest";
import { newTeam } from "./api.ts";

/**
 * Conditional requests as RFC 9110 defines them (section 13.1): If-Match uses the strong
 * comparison, so a weak tag (W/"1") never matches, not even the current version; If-None-Match
 * uses the weak comparison, so W/"1" and "1" both match version 1.
 */
const resources = [
  { name: "events", path: "/events/r", create: { id: "r", title: "R", starts_at: "2026-10-01T10:00:00Z" }, put: { title: "Put", starts_at: "2026-10-01T10:00:00Z" }, patch: { title: "Patched" } },
  { name: "goals", path: "/goals/r", create: { id: "r", title: "R" }, put: { title: "Put" }, patch: { title: "Patched" } },
] as const;

describe.each(resources)("conditional requests on $name", ({ name, path, create, put, patch }) => {
  async function withResource() {
    const t = await newTeam();
    expect((await t.post(`/${name}`, create)).status).toBe(201);
    return t;
  }

  it('If-Match: W/"1" never matches, for PUT, PATCH and DELETE; "1" does', async () => {
    const t = await withResource();
    for (const [method, attempt] of [
      ["PUT", (h: Record<string, string>) => t.put(path, put, h)],
      ["PATCH", (h: Record<string, string>) => t.patch(path, patch, h)],
      ["DELETE", (h: Record<string, string>) => t.delete(path, h)],
    ] as const) {
      for (const tag of ['W/"1"', 'W/"1", W/"2"', 'w/"1"']) {
        const res = await attempt({ "if-match": tag });
        expect(res.status, `${method} If-Match: ${tag}`).toBe(412);
        expect(res.json.error).toMatchObject({ code: "precondition_failed", details: { current_version: 1 } });
      }
    }
    expect((await t.get(path)).json).toMatchObject({ title: "R", version: 1 });
    // A list with the strong tag in it matches.
    expect((await t.patch(path, patch, { "if-match": 'W/"1", "1"' })).json).toMatchObject({ title: "Patched", version: 2 });
    expect((await t.put(path, put, { "if-match": '"2"' })).json).toMatchObject({ title: "Put", version: 3 });
    expect((await t.delete(path, { "if-match": '"3"' })).status).toBe(204);
  });

  it("If-Match on GET is checked too (RFC 9110 13.1.1): another tag is 412, the current one or * is the record", async () => {
    const t = await withResource();
    for (const tag of ['"abc"', '"2"', 'W/"1"']) {
      const res = await t.get(path, { "if-match": tag });
      expect(res.status, `GET If-Match: ${tag}`).toBe(412);
      expect(res.json.error).toMatchObject({ code: "precondition_failed", details: { current_version: 1 } });
    }
    for (const tag of ['"1"', '"7", "1"', "*"]) expect((await t.get(path, { "if-match": tag })).json).toMatchObject({ title: "R", version: 1 });
    // If-Match comes first: a failing one is 412 even where If-None-Match alone would be 304.
    expect((await t.get(path, { "if-match": '"9"', "if-none-match": '"1"' })).status).toBe(412);
  });

  it("If-None-Match compares weakly: a matching tag is 304 on GET and 412 on a write", async () => {
    const t = await withResource();
    for (const tag of ['"1"', 'W/"1"', '"7", W/"1"', "*"]) {
      const res = await t.get(path, { "if-none-match": tag });
      expect(res.status, `GET If-None-Match: ${tag}`).toBe(304);
      expect(res.headers.get("etag")).toBe('"1"');
      expect(res.json).toBeUndefined();
    }
    const changed = await t.get(path, { "if-none-match": 'W/"0", "2"' });
    expect(changed.status).toBe(200);
    expect(changed.json.version).toBe(1);
    const refused = await t.patch(path, patch, { "if-none-match": 'W/"1"' });
    expect(refused.status).toBe(412);
    expect(refused.json.error).toMatchObject({ code: "precondition_failed", details: { current_version: 1 } });
    expect((await t.delete(path, { "if-none-match": "*" })).status).toBe(412);
    expect((await t.get(path)).json).toMatchObject({ title: "R", version: 1 });
    expect((await t.patch(path, patch, { "if-none-match": '"5"' })).json).toMatchObject({ title: "Patched", version: 2 });
  });
  it("Last-Modified is the record's updated_at; If-Modified-Since answers 304 until it changes, and If-None-Match outranks it", async () => {
    const t = await withResource();
    const first = await t.get(path);
    const lastModified = first.headers.get("last-modified")!;
    expect(lastModified).toBe(new Date(first.json.updated_at).toUTCString());
    expect(first.headers.get("cache-control")).toBe("private, no-cache");
    expect((await t.get(path, { "if-modified-since": lastModified })).status).toBe(304);
    expect((await t.get(path, { "if-modified-since": new Date(Date.parse(first.json.updated_at) - 2000).toUTCString() })).status).toBe(200);
    // An unreadable date is ignored (the full answer), and If-None-Match decides whenever it is sent.
    expect((await t.get(path, { "if-modified-since": "yesterday" })).status).toBe(200);
    expect((await t.get(path, { "if-modified-since": lastModified, "if-none-match": '"9"' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // HTTP dates have whole seconds
    await t.patch(path, patch);
    const after = await t.get(path, { "if-modified-since": lastModified });
    expect(after.status).toBe(200);
    expect(after.json.version).toBe(2);
  });
});

describe("conditional GETs of lists (per page)", () => {
  it("each page has a strong ETag of its content; If-None-Match with it is 304 until something on the page changes", async () => {
    const t = await newTeam();
    for (const i of [1, 2, 3]) {
      await t.post("/events", { id: `l${i}`, title: `E${i}`, starts_at: `2030-03-0${i}T10:00:00Z` });
      await t.post("/goals", { id: `g${i}`, title: `G${i}` });
    }
    for (const [list, change] of [
      ["/events?limit=2", () => t.patch("/events/l1", { title: "E1 moved" })],
      ["/goals?limit=2", () => t.patch("/goals/g1", { title: "G1 renamed" })],
    ] as const) {
      const page = await t.get(list);
      const tag = page.headers.get("etag")!;
      expect(tag, list).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
      expect(page.headers.get("cache-control")).toBe("private, no-cache");
      const again = await t.get(list, { "if-none-match": tag });
      expect(again.status, list).toBe(304);
      expect(again.json).toBeUndefined();
      expect(again.headers.get("etag")).toBe(tag);
      // Another page has another tag, and a change on this page changes this page's tag.
      const second = await t.get(`${list}&cursor=${page.json.next_cursor}`);
      expect(second.headers.get("etag")).not.toBe(tag);
      await change();
      const changed = await t.get(list, { "if-none-match": tag });
      expect(changed.status, list).toBe(200);
      expect(changed.headers.get("etag")).not.toBe(tag);
    }
  });
});
