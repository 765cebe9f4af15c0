import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IssuedTokens, TeamList } from "../../shared/teams.ts";
import { forEachKeyPage, teamDataMatch } from "../../worker/storage/scan-keys.ts";
import { mainStore } from "../../worker/storage/stores.ts";
import { CALENDAR_HOLDING_TEAMS } from "../../worker/calendar/keys.ts";
import { ADMIN_SECRET, call, client, newTeam, openSocket } from "./api.ts";

const admin = (method: string, path: string, body?: unknown) =>
  call(path, { method, headers: { authorization: `Bearer ${ADMIN_SECRET}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });

/** Every key the store holds under the team's hash tag (its data). */
async function dataKeysOf(team: string): Promise<string[]> {
  const found: string[] = [];
  await forEachKeyPage(mainStore(env), teamDataMatch(team), async (keys) => void found.push(...keys));
  return found;
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function listedTeams(): Promise<string[]> {
  const teams: string[] = [];
  let cursor: string | null = "0";
  while (cursor !== null) {
    const page = TeamList.parse(await (await admin("GET", `/admin/teams?limit=1000&cursor=${cursor}`)).json());
    teams.push(...page.teams.map((t) => t.team));
    cursor = page.next_cursor;
  }
  return teams;
}

describe("DELETE /admin/teams/{team}", () => {
  it("revokes every token at once (sockets closed like a revoke), unlists the team and deletes its data; a retry is 404", async () => {
    const t = await newTeam(["ana", "bo"]);
    const bo = client(t.tokens.bo!);
    expect((await t.post("/goals", { id: "project1", title: "Complete System" })).status).toBe(201);
    expect((await bo.post("/events", { id: "meeting1", title: "Sync", starts_at: "2026-12-01T10:00:00Z" })).status).toBe(201);
    expect((await t.post("/webhooks", { url: "https://hooks.example.com/groupsync", events: ["*"] })).status).toBe(201);
    const socket = await openSocket(t.token);
    expect((await dataKeysOf(t.team)).length).toBeGreaterThan(1);

    const res = await admin("DELETE", `/admin/teams/${t.team}`);
    expect(res.status).toBe(204);
    expect(await socket.closed).toEqual({ code: 4401, reason: "team deleted" });
    expect((await t.get("/goals")).status).toBe(401);
    expect((await bo.get("/events")).status).toBe(401);
    expect((await admin("GET", `/admin/teams/${t.team}/members`)).status).toBe(404);
    expect(await listedTeams()).not.toContain(t.team);
    // All but the live feed's counter, which a recreated team continues (see the last test).
    expect(await dataKeysOf(t.team)).toEqual([`gs:{${t.team}}:feed:seq`]);

    const again = await admin("DELETE", `/admin/teams/${t.team}`);
    expect(again.status).toBe(404);
    expect(((await again.json()) as any).error.code).toBe("not_found");
  });

  it("takes the team off the stores' holding-teams indexes (sorted sets) when it deletes with a transaction open", async () => {
    const t = await newTeam(["ana"]);
    const ana = client(t.tokens.ana!);
    const tx = (await ana.post("/tx", {})).json.tx_id as string;
    expect((await ana.post(`/tx/${tx}/ops`, { type: "calendar.create", id: "held", data: { title: "Held", starts_at: "2031-04-01T10:00:00Z" } })).status).toBe(200);
    // The hold announced the team on the holding-teams index (a sorted set), as the sweep needs.
    expect(await mainStore(env).zscore(CALENDAR_HOLDING_TEAMS, t.team)).not.toBeNull();
    expect((await admin("DELETE", `/admin/teams/${t.team}`)).status).toBe(204);
    expect(await mainStore(env).zscore(CALENDAR_HOLDING_TEAMS, t.team)).toBeNull();
  });

  it("answers 404 for a team that never was and 400 naming team for a bad name; needs the admin secret", async () => {
    expect((await admin("DELETE", "/admin/teams/no-such-team-ever")).status).toBe(404);
    const bad = await admin("DELETE", "/admin/teams/-a");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toBe("team: must start with a lowercase letter or digit");
    const t = await newTeam();
    expect((await call(`/admin/teams/${t.team}`, { method: "DELETE", headers: { authorization: `Bearer ${t.token}` } })).status).toBe(401);
    expect((await t.get("/events")).status).toBe(200);
  });

  it("frees the name: created again, the team starts empty, its old tokens stay refused, and a goal of the same id is a new record", async () => {
    const t = await newTeam(["ana"]);
    expect((await t.post("/webhooks", { url: "https://hooks.example.com/old-team", events: ["*"] })).status).toBe(201);
    const listener = await openSocket(t.token); // the team's hub now remembers the feed's last seq
    const before = await t.post("/goals", { id: "project1", title: "old", progress: 40 });
    expect(before.status).toBe(201);
    await t.patch("/goals/project1", { progress: 50 });
    await waitFor(() => listener.messages.some((m) => m.includes('"progress":50')));
    expect((await admin("DELETE", `/admin/teams/${t.team}`)).status).toBe(204);

    const created = await admin("POST", "/admin/teams", { team: t.team, members: ["ana"] });
    expect(created.status).toBe(201);
    const fresh = client(IssuedTokens.parse(await created.json()).tokens.ana!);
    expect((await fresh.get("/goals")).json.goals).toEqual([]);
    expect((await fresh.get("/events")).json.events).toEqual([]);
    expect((await t.get("/goals")).status).toBe(401);
    const again = await fresh.post("/goals", { id: "project1", title: "new" });
    expect(again.status).toBe(201);
    expect(again.json).toMatchObject({ title: "new", version: 1 });
    expect(again.json.created_at).not.toBe(before.json.created_at);
    expect(again.json.progress).toBe(0);
    expect((await fresh.get("/webhooks")).json.webhooks).toEqual([]);
    // The same hub serves the new team, and its changes reach a socket.
    const socket = await openSocket(fresh.token);
    expect((await fresh.post("/goals", { title: "live again" })).status).toBe(201);
    await waitFor(() => socket.messages.some((m) => m.includes("live again")));
    socket.ws.close();
  });
});
