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
});
