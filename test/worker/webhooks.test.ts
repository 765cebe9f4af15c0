import { describe, expect, it } from "vitest";
import { MAX_WEBHOOKS_PER_TEAM } from "../../shared/webhooks.ts";
import { newTeam } from "./api.ts";

// Deliveries themselves are tested against a real receiver under wrangler dev (test/integration/webhooks.test.ts).
describe("webhook endpoints", () => {
  it("registers one with its secret shown once, lists it without, and removes it", async () => {
    const team = await newTeam();
    const created = await team.post("/webhooks", { url: "https://hooks.example.com/groupsync", events: ["event.created", "goal.updated", "event.created"] });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ url: "https://hooks.example.com/groupsync", events: ["event.created", "goal.updated"], created_by: "ana", disabled: null, failed_attempts: 0 });
    expect(created.json.id).toMatch(/^wh_[A-Za-z0-9]{20}$/);
    expect(created.json.secret).toMatch(/^whsec_/);
    expect(created.headers.get("location")).toBe(`/webhooks/${created.json.id}`);

    const listed = await team.as("bo").get("/webhooks");
    expect(listed.status).toBe(200);
    const { secret: _secret, ...shown } = created.json;
    expect(listed.json).toEqual({ webhooks: [shown] });
    expect(JSON.stringify(listed.json)).not.toContain("whsec_");
    expect((await team.get(`/webhooks/${created.json.id}`)).json).toEqual(shown);
    expect((await team.get(`/webhooks/${created.json.id}/deliveries`)).json).toEqual({ deliveries: [] });
    expect((await team.get(`/webhooks/${created.json.id}/deliveries?limit=1`)).json).toEqual({ deliveries: [] });
    // limit is checked, and a parameter the route does not take is refused rather than ignored.
    for (const [query, message] of [
      ["limit=0", "limit: must be 1 or more"],
      ["limit=101", "limit: must be at most 100 (the log keeps no more)"],
      ["limit=x", "limit: must be a number"],
      ["cursor=abc", "cursor: is not a known field"],
    ]) {
      const refused = await team.get(`/webhooks/${created.json.id}/deliveries?${query}`);
      expect([refused.status, refused.json.error?.message], query).toEqual([400, message]);
    }

    expect((await team.delete(`/webhooks/${created.json.id}`)).status).toBe(204);
    expect((await team.get("/webhooks")).json).toEqual({ webhooks: [] });
    expect((await team.delete(`/webhooks/${created.json.id}`)).status).toBe(404);
  });

  it("are the team's own: another team neither sees nor removes them", async () => {
    const [mine, theirs] = [await newTeam(), await newTeam()];
    const created = await mine.post("/webhooks", { url: "https://hooks.example.com/a", events: ["*"] });
    expect((await theirs.get("/webhooks")).json).toEqual({ webhooks: [] });
    expect((await theirs.get(`/webhooks/${created.json.id}`)).status).toBe(404);
    expect((await theirs.delete(`/webhooks/${created.json.id}`)).status).toBe(404);
    expect((await theirs.post(`/webhooks/${created.json.id}/redeliver`, {})).status).toBe(404);
    expect((await mine.get("/webhooks")).json.webhooks).toHaveLength(1);
  });

  it("need a member's token", async () => {
    const { call } = await import("./api.ts");
    expect((await call("/webhooks")).status).toBe(401);
    expect((await call("/webhooks", { method: "POST", body: "{}" })).status).toBe(401);
  });

  it("refuse bad bodies with a 400 naming the field", async () => {
    const team = await newTeam();
    const cases: Array<[unknown, string]> = [
      [{ events: ["*"] }, "url"],
      [{ url: "ftp://example.com/", events: ["*"] }, "url"],
      [{ url: "http://10.0.0.8/hook", events: ["*"] }, "url"],
      [{ url: "https://example.com/", events: [] }, "events"],
      [{ url: "https://example.com/", events: ["event.exploded"] }, "events.0"],
      [{ url: "https://example.com/", events: "*" }, "events"],
      [{ url: "https://example.com/", events: ["*"], secret: "mine" }, "secret"],
      [{ url: `https://example.com/${"x".repeat(2001)}`, events: ["*"] }, "url"],
    ];
    for (const [body, field] of cases) {
      const res = await team.post("/webhooks", body);
      expect([res.status, res.json.error.details.fields.map((f: { field: string }) => f.field)], JSON.stringify(body)).toEqual([400, [field]]);
    }
    expect((await team.get("/webhooks/nope")).json.error.details.fields[0].field).toBe("id");
    expect((await team.post("/webhooks/wh_00000000000000000000/redeliver", { from_seq: 0 })).json.error.details.fields[0].field).toBe("from_seq");
    expect((await team.post("/webhooks/wh_00000000000000000000/redeliver", {})).status).toBe(404);
  });

  it("refuse a URL with a lone UTF-16 surrogate, as members' external calendars do, instead of storing something else", async () => {
    const team = await newTeam();
    for (const url of ["http://x.example/\ud800", "https://x.example/a\udc00b"]) {
      const hook = await team.post("/webhooks", { url, events: ["*"] });
      expect([hook.status, hook.json.error?.message], url).toEqual([400, "url: contains a lone UTF-16 surrogate"]);
      const calendar = await team.post("/members/ana/calendars", { url });
      expect([calendar.status, calendar.json.error?.message], url).toEqual([400, "url: contains a lone UTF-16 surrogate"]);
    }
    expect((await team.get("/webhooks")).json.webhooks).toEqual([]);
    expect((await team.get("/members/ana/calendars")).json.calendars).toEqual([]);
    // A well-formed pair (an emoji) is a character like any other.
    expect((await team.post("/webhooks", { url: "https://x.example/\ud83c\udf89", events: ["*"] })).status).toBe(201);
  });

  it("odd URLs and ids: never a 5xx, a refusal names its field, anything accepted can be listed and removed", async () => {
    const team = await newTeam();
    const urls = [
      "", " ", "https://", "http://exa mple.com/", "https://example.com/\u0000", "https://example.com/\u202e", "https://exämple.com/ünï",
      "https://example.com/\ud800", "https://[::1", "https://999.1.1.1/", "HTTPS://EXAMPLE.COM/", "https://example.com:99999/", "https://xn--nxasmq6b.com/",
      "\ufeffhttps://example.com/", "https://example.com/?q=\r\nX-Injected: 1", "data:text/plain,hi", "file:///etc/passwd", "https://example.com/" + "é".repeat(1000),
    ];
    const accepted: string[] = [];
    for (const url of urls) {
      const res = await team.post("/webhooks", { url, events: ["*"] });
      expect(res.status, JSON.stringify(url)).toBeLessThan(500);
      if (res.status === 201) accepted.push(res.json.id);
      else expect([res.status, res.json.error.details?.fields?.[0]?.field], JSON.stringify(url)).toEqual([400, "url"]);
    }
    const listed = (await team.get("/webhooks")).json.webhooks.map((w: { id: string }) => w.id);
    expect(listed.sort()).toEqual([...accepted].sort());
    for (const id of accepted) expect((await team.delete(`/webhooks/${id}`)).status).toBe(204);
    for (const id of ["%00", "..%2F..", "wh_", "wh_" + "a".repeat(21), "%E2%80%AE", "WH_00000000000000000000"]) {
      const res = await team.get(`/webhooks/${id}`);
      expect([res.status, res.json.error.details.fields[0].field], id).toEqual([400, "id"]);
    }
  });

  it("refuse loopback URLs in production (SSRF), allow them in development", async () => {
    const team = await newTeam();
    expect((await team.post("/webhooks", { url: "http://127.0.0.1:9/hook", events: ["*"] })).status).toBe(201);
    const { client } = await import("./api.ts");
    const production = client(team.token, { GROUPSYNC_ENV: "production", WEBHOOK_SECRETS_KEY: "k".repeat(32) });
    const refused = await production.post("/webhooks", { url: "http://127.0.0.1:9/hook", events: ["*"] });
    expect([refused.status, refused.json.error.message]).toEqual([400, "url: must not point at a loopback address (127.0.0.1); loopback is allowed only in development"]);
  });

  it("cannot be registered in production without WEBHOOK_SECRETS_KEY, which protects the secrets", async () => {
    const team = await newTeam();
    const { client } = await import("./api.ts");
    for (const key of [undefined, "too-short"]) {
      const res = await client(team.token, { GROUPSYNC_ENV: "production", WEBHOOK_SECRETS_KEY: key }).post("/webhooks", { url: "https://example.com/h", events: ["*"] });
      expect([res.status, res.json.error.code, res.json.error.details]).toEqual([503, "misconfigured", { setting: "WEBHOOK_SECRETS_KEY" }]);
    }
  });

  it(`are at most ${MAX_WEBHOOKS_PER_TEAM} per team`, async () => {
    const team = await newTeam();
    for (let i = 0; i < MAX_WEBHOOKS_PER_TEAM; i++) expect((await team.post("/webhooks", { url: `https://example.com/${i}`, events: ["*"] })).status).toBe(201);
    const refused = await team.post("/webhooks", { url: "https://example.com/one-more", events: ["*"] });
    expect([refused.status, refused.json.error.code]).toEqual([409, "too_many_webhooks"]);
  });

  it("start at the team's next change, and redeliver from a seq the feed still has", async () => {
    const team = await newTeam();
    await team.post("/goals", { id: "g1", title: "One" });
    const created = await team.post("/webhooks", { url: "https://example.com/h", events: ["*"] });
    expect(created.json.next_seq).toBe(2);
    const again = await team.post(`/webhooks/${created.json.id}/redeliver`, { from_seq: 1 });
    expect([again.status, again.json]).toEqual([202, { id: created.json.id, from_seq: 1, up_to: 1 }]);
    const tooFar = await team.post(`/webhooks/${created.json.id}/redeliver`, { from_seq: 3 });
    expect([tooFar.status, tooFar.json.error.message]).toEqual([400, "from_seq: must be at most 2 (the team's newest change is 1)"]);
  });
});
