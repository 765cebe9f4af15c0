import { describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { IssuedTokens, MemberList, MyTeam, TeamList } from "../../shared/teams.ts";
import { memberTokensKey, tokenKey } from "../../worker/auth/keys.ts";
import { hashToken } from "../../worker/auth/tokens.ts";
import { mainStore } from "../../worker/storage/stores.ts";
import { ADMIN_SECRET, call, client, newTeam, openSocket } from "./api.ts";

const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_SECRET}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const errorOf = async (res: Response) => ((await res.json()) as any).error;

describe("GET /admin/teams", () => {
  it("lists teams in pages that together hold every team once", async () => {
    const mine = await Promise.all([newTeam(), newTeam(), newTeam()]);
    // About ten pages whatever the worker files made so far (hundreds of teams late in a run, all in one store).
    const total = TeamList.parse(await (await admin("GET", "/admin/teams?limit=1000")).json()).teams.length;
    const limit = Math.max(2, Math.ceil(total / 10));
    const seen: string[] = [];
    let cursor: string | null = "0";
    let pages = 0;
    while (cursor !== null) {
      const res = await admin("GET", `/admin/teams?limit=${limit}&cursor=${cursor}`);
      expect(res.status).toBe(200);
      const page = TeamList.parse(await res.json());
      seen.push(...page.teams.map((t) => t.team));
      cursor = page.next_cursor;
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    for (const t of mine) expect(seen.filter((name) => name === t.team)).toHaveLength(1);
    expect(seen.some((name) => name.includes(":"))).toBe(false);
  }, 30_000);

  it("needs the admin secret and a valid cursor and limit", async () => {
    const t = await newTeam();
    expect((await call("/admin/teams", { headers: { authorization: `Bearer ${t.token}` } })).status).toBe(401);
    for (const [query, field] of [["cursor=abc", "cursor"], ["cursor=18446744073709551616", "cursor"], ["cursor=99999999999999999999", "cursor"], ["limit=0", "limit"], ["limit=5000", "limit"], ["x=1", "x"]] as const) {
      const res = await admin("GET", `/admin/teams?${query}`);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).details.fields[0].field).toBe(field);
    }
    // The largest cursor Redis can hand out is still a page, not an error.
    expect((await admin("GET", "/admin/teams?cursor=18446744073709551615")).status).toBe(200);
  });
});

describe("GET /admin/teams/{team}/members", () => {
  it("lists each member with when its token was issued and last used", async () => {
    const t = await newTeam(["ana", "bo"]);
    expect((await t.get("/events")).status).toBe(200);
    // The stamp is written after the answer, batched with others (LAST_USED_BATCH_MS).
    const members = await vi.waitFor(async () => {
      const res = await admin("GET", `/admin/teams/${t.team}/members`);
      expect(res.status).toBe(200);
      const listed = MemberList.parse(await res.json()).members;
      expect(listed[0]!.last_used_at).not.toBeNull();
      return listed;
    }, { timeout: 3000, interval: 50 });
    expect(members.map((m) => m.member)).toEqual(["ana", "bo"]);
    const [ana, bo] = members;
    expect(Date.parse(ana!.token_created_at!)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(ana!.last_used_at!)).toBeGreaterThanOrEqual(Date.parse(ana!.token_created_at!));
    expect(bo!.last_used_at).toBeNull();
    expect(JSON.stringify(members)).not.toContain("gs_");
  });

  it("404 for a team that does not exist, 400 for a bad team id", async () => {
    expect((await admin("GET", "/admin/teams/no-such-team-x/members")).status).toBe(404);
    const bad = await admin("GET", "/admin/teams/Bad%20Name/members");
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details.fields[0].field).toBe("team");
  });
});

describe("POST /admin/teams/{team}/members/{member}/token", () => {
  it("issues a new token; the old one stops working at once and its socket is closed with 4401", async () => {
    const t = await newTeam(["ana", "bo"]);
    const socket = await openSocket(t.token);
    const other = await openSocket(t.tokens.bo!);
    const res = await admin("POST", `/admin/teams/${t.team}/members/ana/token`);
    expect(res.status).toBe(201);
    const { tokens } = IssuedTokens.parse(await res.json());
    expect(tokens.ana).toMatch(/^gs_/);
    expect(tokens.ana).not.toBe(t.token);
    expect((await t.get("/events")).status).toBe(401);
    expect((await client(tokens.ana!).get("/events")).status).toBe(200);
    expect(await socket.closed).toEqual({ code: 4401, reason: "token replaced" });
    // bo's socket stays open and keeps receiving the team's changes.
    const before = other.messages.length;
    expect((await client(tokens.ana!).post("/goals", { title: "after" })).status).toBe(201);
    const deadline = Date.now() + 5000;
    while (other.messages.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(other.messages.slice(before).join()).toContain("goal.created");
    other.ws.close();
  });

  it("with an Idempotency-Key, a retry answers the same token without replacing it again", async () => {
    const t = await newTeam(["ana"]);
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await admin("POST", `/admin/teams/${t.team}/members/ana/token`, undefined, key);
    const again = await admin("POST", `/admin/teams/${t.team}/members/ana/token`, undefined, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const token = IssuedTokens.parse(await first.json()).tokens.ana!;
    expect(IssuedTokens.parse(await again.json()).tokens.ana).toBe(token);
    expect((await client(token).get("/events")).status).toBe(200);
    // The stored answer is sealed: the token is not in Redis in the clear.
    const stored = JSON.stringify(await mainStore(env).mget(...(await mainStore(env).scan("0", { match: "gs:admin:idem:*", count: 10_000 }))[1]));
    expect(stored).not.toContain(token);
    const reused = await admin("POST", `/admin/teams/${t.team}/members/bo/token`, undefined, key);
    expect(reused.status).toBe(422);
  });

  it("replaces a token issued before member tokens were recorded (found by scanning)", async () => {
    const t = await newTeam(["ana", "bo"]);
    await mainStore(env).del(memberTokensKey(t.team));
    const res = await admin("POST", `/admin/teams/${t.team}/members/ana/token`);
    expect(res.status).toBe(201);
    expect((await t.get("/events")).status).toBe(401);
    expect((await t.as("bo").get("/events")).status).toBe(200);
  });

  it("404 for an unknown team or member, 400 naming a bad member", async () => {
    const t = await newTeam(["ana"]);
    expect((await admin("POST", `/admin/teams/${t.team}/members/zed/token`)).status).toBe(404);
    expect((await admin("POST", `/admin/teams/no-such-team-y/members/ana/token`)).status).toBe(404);
    const bad = await admin("POST", `/admin/teams/${t.team}/members/bad%2Fname/token`);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details.fields[0].field).toBe("member");
    const body = await admin("POST", `/admin/teams/${t.team}/members/ana/token`, { surprise: 1 });
    expect(body.status).toBe(400);
    expect((await t.get("/events")).status).toBe(200);
  });
});

describe("DELETE /admin/teams/{team}/members/{member}", () => {
  it("revokes: the token is refused at once, the socket closed with 4401, the member no longer listed", async () => {
    const t = await newTeam(["ana", "bo"]);
    const socket = await openSocket(t.token);
    const res = await admin("DELETE", `/admin/teams/${t.team}/members/ana`);
    expect(res.status).toBe(204);
    expect((await t.get("/events")).status).toBe(401);
    expect(await socket.closed).toEqual({ code: 4401, reason: "token revoked" });
    expect((await call(`/ws?token=${t.token}`, { headers: { upgrade: "websocket" } })).status).toBe(401);
    const { members } = MemberList.parse(await (await admin("GET", `/admin/teams/${t.team}/members`)).json());
    expect(members.map((m) => m.member)).toEqual(["bo"]);
    expect((await admin("DELETE", `/admin/teams/${t.team}/members/ana`)).status).toBe(404);
    // The name can be given to a member again, with a new token.
    const again = await admin("POST", `/admin/teams/${t.team}/members`, { member: "ana" });
    expect(again.status).toBe(201);
    expect((await client(IssuedTokens.parse(await again.json()).tokens.ana!).get("/events")).status).toBe(200);
  });

  it("404 for an unknown team", async () => {
    expect((await admin("DELETE", "/admin/teams/no-such-team-z/members/ana")).status).toBe(404);
  });
});

describe("POST /me/token", () => {
  const rotate = (token: string, headers: Record<string, string> = {}) => call("/me/token", { method: "POST", headers: { authorization: `Bearer ${token}`, ...headers } });

  it("a member replaces their own token: the new one is answered once, the old one stops working", async () => {
    const t = await newTeam(["ana"]);
    const socket = await openSocket(t.token);
    const res = await rotate(t.token);
    expect(res.status).toBe(201);
    const { team, tokens } = IssuedTokens.parse(await res.json());
    expect(team).toBe(t.team);
    expect((await t.get("/events")).status).toBe(401);
    expect((await client(tokens.ana!).get("/events")).status).toBe(200);
    expect(await socket.closed).toEqual({ code: 4401, reason: "token rotated" });
    expect((await rotate(t.token)).status).toBe(401);
  });

  it("a retry with the same Idempotency-Key, sent with the old token, gets the same new token", async () => {
    const t = await newTeam(["ana"]);
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = IssuedTokens.parse(await (await rotate(t.token, key)).json()).tokens.ana!;
    const again = await rotate(t.token, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(IssuedTokens.parse(await again.json()).tokens.ana).toBe(first);
    expect((await client(first).get("/events")).status).toBe(200);
    // Another member's same key is theirs alone, and the key without the old token opens nothing.
    expect((await rotate("gs_someone-else", key)).status).toBe(401);
  });

  it("a retry is answered again only while the token it made works, and for 10 minutes", async () => {
    const t = await newTeam(["ana"]);
    const key = { "idempotency-key": crypto.randomUUID() };
    const made = IssuedTokens.parse(await (await rotate(t.token, key)).json()).tokens.ana!;
    // Ten minutes on (the token's record says when it was issued): the old token gets nothing.
    const record = tokenKey(await hashToken(made));
    const stored = JSON.parse((await mainStore(env).get<string>(record)) as unknown as string);
    await mainStore(env).set(record, JSON.stringify({ ...stored, created_at: new Date(Date.now() - 11 * 60_000).toISOString() }));
    const late = await rotate(t.token, key);
    expect(late.status).toBe(401);
    expect((await errorOf(late)).message).toContain("10 minutes");
    // Reissued by the admin since: the rotation's token is dead, and its replay says so instead of handing it out.
    const u = await newTeam(["bo"]);
    const again = { "idempotency-key": crypto.randomUUID() };
    expect((await rotate(u.token, again)).status).toBe(201);
    expect((await admin("POST", `/admin/teams/${u.team}/members/bo/token`)).status).toBe(201);
    const replayed = await rotate(u.token, again);
    expect(replayed.status).toBe(401);
    expect((await errorOf(replayed)).message).toContain("since been replaced or revoked");
  });

  it("needs a bearer token: none, a malformed header or a bad token is 401", async () => {
    expect((await call("/me/token", { method: "POST" })).status).toBe(401);
    expect((await call("/me/token", { method: "POST", headers: { authorization: "Basic abc" } })).status).toBe(401);
    expect((await rotate("gs_not-a-token")).status).toBe(401);
    const open = await call("/me/token", { method: "POST", headers: { host: "127.0.0.1:8787" } }, { GROUPSYNC_ENV: "development", GROUPSYNC_OPEN_TEAM: "local" });
    expect(open.status).toBe(401);
  });
});

describe("GET /me/team", () => {
  it("names the caller and every member of their team, without token details; never another team's", async () => {
    const t = await newTeam(["ana", "bo", "cy"]);
    const other = await newTeam(["zed"]);
    const res = await t.as("bo").get("/me/team");
    expect(res.status).toBe(200);
    const body = MyTeam.parse(res.json);
    expect(body).toEqual({ team: t.team, member: "bo", members: [{ member: "ana" }, { member: "bo" }, { member: "cy" }] });
    expect(JSON.stringify(res.json)).not.toMatch(/token|last_used/);
    expect(MyTeam.parse((await other.get("/me/team")).json).members).toEqual([{ member: "zed" }]);
    // A revoked member drops off the list the others see.
    expect((await admin("DELETE", `/admin/teams/${t.team}/members/cy`)).status).toBe(204);
    expect(MyTeam.parse((await t.get("/me/team")).json).members.map((m) => m.member)).toEqual(["ana", "bo"]);
  });

  it("needs a member token: none or a bad one is 401", async () => {
    expect((await call("/me/team")).status).toBe(401);
    expect((await client("gs_not-a-token").get("/me/team")).status).toBe(401);
  });
});

describe("rotating ADMIN_SECRET", () => {
  it("a retry whose first answer was sealed under the old secret is 409, not another token or a 500", async () => {
    const t = await newTeam(["ana"]);
    const key = { "idempotency-key": crypto.randomUUID() };
    expect((await admin("POST", `/admin/teams/${t.team}/members`, { member: "cy" }, key)).status).toBe(201);
    const rotated = "rotated-admin-secret-0123456789abcdef";
    const retry = await call(
      `/admin/teams/${t.team}/members`,
      { method: "POST", headers: { authorization: `Bearer ${rotated}`, "content-type": "application/json", ...key }, body: JSON.stringify({ member: "cy" }) },
      { ADMIN_SECRET: rotated },
    );
    expect(retry.status).toBe(409);
    expect((await errorOf(retry)).code).toBe("idempotency_answer_sealed");
  });
});
