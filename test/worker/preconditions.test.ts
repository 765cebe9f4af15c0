import { describe, expect, it } from "vitest";
import { newTeam, tagOf } from "./api.ts";

/**
 * Conditional requests as RFC 9110 defines them (section 13.1): If-Match uses the strong
 * comparison, so a weak tag (W/"1@…") never matches, not even the current one; If-None-Match
 * uses the weak comparison, so W/"1@…" and "1@…" both match. A record's tag is its version at its
 * created_at, so a bare version ("1") is no tag of it and never matches.
 */
const resources = [
  { name: "events", path: "/events/r", create: { id: "r", title: "R", starts_at: "2026-10-01T10:00:00Z" }, put: { title: "Put", starts_at: "2026-10-01T10:00:00Z" }, patch: { title: "Patched" } },
  { name: "goals", path: "/goals/r", create: { id: "r", title: "R" }, put: { title: "Put" }, patch: { title: "Patched" } },
] as const;

describe.each(resources)("conditional requests on $name", ({ name, path, create, put, patch }) => {
  async function withResource() {
    const t = await newTeam();
    const created = await t.post(`/${name}`, create);
    expect(created.status).toBe(201);
    return { t, tag: created.headers.get("etag")!, created: created.json };
  }

  it("the ETag is the version at the record's created_at, the same on every answer", async () => {
    const { t, tag, created } = await withResource();
    expect(tag).toBe(`"1@${created.created_at}"`);
    expect(tag).toMatch(/^"1@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
    expect((await t.get(path)).headers.get("etag")).toBe(tag);
    const patched = await t.patch(path, patch);
    expect(patched.headers.get("etag")).toBe(`"2@${created.created_at}"`);
    expect((await t.get(path)).headers.get("etag")).toBe(patched.headers.get("etag"));
  });

  it('If-Match: W/"1@…" never matches, for PUT, PATCH and DELETE, nor a bare "1"; the tag itself does', async () => {
    const { t, tag } = await withResource();
    for (const [method, attempt] of [
      ["PUT", (h: Record<string, string>) => t.put(path, put, h)],
      ["PATCH", (h: Record<string, string>) => t.patch(path, patch, h)],
      ["DELETE", (h: Record<string, string>) => t.delete(path, h)],
    ] as const) {
      for (const sent of [`W/${tag}`, `W/${tag}, W/"2"`, `w/${tag}`, '"1"', tag.slice(0, -2) + '"']) {
        const res = await attempt({ "if-match": sent });
        expect(res.status, `${method} If-Match: ${sent}`).toBe(412);
        expect(res.json.error).toMatchObject({ code: "precondition_failed", details: { current_version: 1, current_etag: tag } });
      }
    }
    expect((await t.get(path)).json).toMatchObject({ title: "R", version: 1 });
    // A list with the strong tag in it matches.
    const patched = await t.patch(path, patch, { "if-match": `W/${tag}, ${tag}` });
    expect(patched.json).toMatchObject({ title: "Patched", version: 2 });
    const replaced = await t.put(path, put, { "if-match": tagOf(patched.json) });
    expect(replaced.json).toMatchObject({ title: "Put", version: 3 });
    expect((await t.delete(path, { "if-match": replaced.headers.get("etag")! })).status).toBe(204);
  });

  it("If-Match on GET is checked too (RFC 9110 13.1.1): another tag is 412, the current one or * is the record", async () => {
    const { t, tag, created } = await withResource();
    for (const sent of ['"abc"', '"1"', `"2@${created.created_at}"`, `W/${tag}`]) {
      const res = await t.get(path, { "if-match": sent });
      expect(res.status, `GET If-Match: ${sent}`).toBe(412);
      expect(res.json.error).toMatchObject({ code: "precondition_failed", details: { current_version: 1 } });
    }
    for (const sent of [tag, `"7", ${tag}`, "*"]) expect((await t.get(path, { "if-match": sent })).json).toMatchObject({ title: "R", version: 1 });
    // If-Match comes first: a failing one is 412 even where If-None-Match alone would be 304.
    expect((await t.get(path, { "if-match": '"9"', "if-none-match": tag })).status).toBe(412);
  });

  it("If-None-Match compares weakly: a matching tag is 304 on GET and 412 on a write", async () => {
    const { t, tag } = await withResource();
    for (const sent of [tag, `W/${tag}`, `"7", W/${tag}`, "*"]) {
      const res = await t.get(path, { "if-none-match": sent });
      expect(res.status, `GET If-None-Match: ${sent}`).toBe(304);
      expect(res.headers.get("etag")).toBe(tag);
      expect(res.json).toBeUndefined();
    }
    // A bare version is no tag of the record: the full answer.
    const changed = await t.get(path, { "if-none-match": 'W/"0", "1"' });
    expect(changed.status).toBe(200);
    expect(changed.json.version).toBe(1);
    const refused = await t.patch(path, patch, { "if-none-match": `W/${tag}` });
    expect(refused.status).toBe(412);
    expect(refused.json.error).toMatchObject({ code: "precondition_failed", details: { current_version: 1 } });
    expect((await t.delete(path, { "if-none-match": "*" })).status).toBe(412);
    expect((await t.get(path)).json).toMatchObject({ title: "R", version: 1 });
    expect((await t.patch(path, patch, { "if-none-match": '"5"' })).json).toMatchObject({ title: "Patched", version: 2 });
  });

  it("deleted and created again under the same id (version 1 again), its old ETag is no longer its own: 200 not 304, 412 on If-Match", async () => {
    const { t, tag: old } = await withResource();
    expect((await t.delete(path)).status).toBe(204);
    const again = await t.post(`/${name}`, create);
    expect(again.status).toBe(201);
    expect(again.json.version).toBe(1);
    const tag = again.headers.get("etag")!;
    expect(tag).not.toBe(old);
    const read = await t.get(path, { "if-none-match": old });
    expect(read.status).toBe(200);
    expect(read.headers.get("etag")).toBe(tag);
    expect((await t.get(path, { "if-none-match": `W/${old}` })).status).toBe(200);
    expect((await t.get(path, { "if-none-match": tag })).status).toBe(304);
    for (const [method, attempt] of [
      ["GET", (h: Record<string, string>) => t.get(path, h)],
      ["PUT", (h: Record<string, string>) => t.put(path, put, h)],
      ["PATCH", (h: Record<string, string>) => t.patch(path, patch, h)],
      ["DELETE", (h: Record<string, string>) => t.delete(path, h)],
    ] as const) {
      const res = await attempt({ "if-match": old });
      expect(res.status, `${method} If-Match: the old tag`).toBe(412);
      expect(res.json.error).toMatchObject({ code: "precondition_failed", details: { current_version: 1, current_etag: tag } });
    }
    expect((await t.get(path)).json).toMatchObject({ title: "R", version: 1 });
    expect((await t.patch(path, patch, { "if-match": tag })).json).toMatchObject({ title: "Patched", version: 2 });
  });

  it("Last-Modified is the record's updated_at; If-Modified-Since answers 304 until it changes, and If-None-Match outranks it", async () => {
    const { t } = await withResource();
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

  it("a page whose record was deleted and created again the same has a new tag (its created_at): the old one is a 200", async () => {
    const t = await newTeam();
    for (const [kind, body] of [
      ["events", { id: "again", title: "Again", starts_at: "2030-04-01T10:00:00Z" }],
      ["goals", { id: "again", title: "Again" }],
    ] as const) {
      expect((await t.post(`/${kind}`, body)).status).toBe(201);
      const tag = (await t.get(`/${kind}`)).headers.get("etag")!;
      expect((await t.delete(`/${kind}/again`)).status).toBe(204);
      expect((await t.post(`/${kind}`, body)).json.version).toBe(1);
      const page = await t.get(`/${kind}`, { "if-none-match": tag });
      expect(page.status, kind).toBe(200);
      expect(page.headers.get("etag"), kind).not.toBe(tag);
    }
  });
});
