import { describe, expect, it } from "vitest";
import { ADMIN_SECRET, call, newTeam } from "./api.ts";

/** The open team as `npm run dev` runs it, each test on its own team name. */
const openEnv = (extra: Record<string, string> = {}) => ({ GROUPSYNC_ENV: "development", GROUPSYNC_OPEN_TEAM: `open-${crypto.randomUUID().slice(0, 8)}`, ...extra });
const HOST = "127.0.0.1:8787";
const open = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}, overrides = openEnv()) =>
  call(path, { ...init, headers: { host: HOST, ...init.headers } }, overrides);
const goal = (headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": "text/plain", ...headers }, body: JSON.stringify({ title: "from a page" }) });
const errorOf = async (res: Response) => ((await res.json()) as any).error;

describe("the dev open team", () => {
  it("serves token-less requests from this machine: curl (no Origin) and the worker's own page", async () => {
    expect((await open("/events")).status).toBe(200);
    expect((await open("/goals", goal())).status).toBe(201);
    expect((await open("/goals", goal({ origin: `http://${HOST}`, "sec-fetch-site": "same-origin" }))).status).toBe(201);
    expect((await open("/events", {}, openEnv()).then((r) => r.status))).toBe(200);
  });

  it.each([["Basic abc"], ["Bearer"], ["Bearer "], ["Token gs_abc"], ["Bearer a, Bearer b"], [""]])("a present but malformed Authorization (%j) is 401, not the open team", async (authorization) => {
    const res = await open("/events", { headers: { authorization } });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("unauthorized");
  });

  it("refuses a cross-site POST (text/plain from a foreign Origin, or Sec-Fetch-Site: cross-site) with 403 saying why", async () => {
    const foreign = await open("/goals", goal({ origin: "https://evil.example" }));
    expect(foreign.status).toBe(403);
    expect(await errorOf(foreign)).toMatchObject({ code: "open_team_refused", message: expect.stringContaining("Origin") });
    const otherPort = await open("/goals", goal({ origin: "http://127.0.0.1:3000" }));
    expect(otherPort.status).toBe(403);
    const nullOrigin = await open("/goals", goal({ origin: "null" }));
    expect(nullOrigin.status).toBe(403);
    const crossSite = await open("/goals", goal({ "sec-fetch-site": "cross-site" }));
    expect(crossSite.status).toBe(403);
    expect((await errorOf(crossSite)).message).toContain("Sec-Fetch-Site");
    // Reading is left alone (CORS already keeps a foreign page from seeing the answer).
    expect((await open("/events", { headers: { origin: "https://evil.example" } })).status).toBe(200);
  });

  it.each([["https://127.0.0.1:8787"], ["ws://127.0.0.1:8787"], ["HTTP://127.0.0.1:8787"], ["http://127.0.0.1:08787"], ["http://127.0.0.1:8787/x"], ["http://127.0.0.1:8787/"], ["http://127.0.0.1"]])(
    "takes only the exact origin a browser sends for its own page: a write from Origin %j is refused",
    async (origin) => {
      const res = await open("/goals", goal({ origin }));
      expect(res.status).toBe(403);
      expect(await errorOf(res)).toMatchObject({ code: "open_team_refused", message: expect.stringContaining(JSON.stringify(origin)) });
    },
  );

  it("refuses a WebSocket from a foreign Origin, accepts one from its own page", async () => {
    const env = openEnv();
    const foreign = await open("/ws", { headers: { upgrade: "websocket", origin: "https://evil.example" } }, env);
    expect(foreign.status).toBe(403);
    const own = await open("/ws", { headers: { upgrade: "websocket", origin: `http://${HOST}` } }, env);
    expect(own.status).toBe(101);
    own.webSocket!.accept();
    own.webSocket!.close();
  });

  it("takes more token-less sockets than one member's cap: everyone there is the same member, so only the team cap applies", async () => {
    // (The hub reads its own bindings, so the default cap of 10 per member is the one in force.)
    const env = openEnv();
    const firsts = [];
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await open("/ws", { headers: { upgrade: "websocket" } }, env);
      expect(res.status).toBe(101);
      const ws = res.webSocket!;
      firsts.push(new Promise<string>((resolve) => ws.addEventListener("message", (e) => resolve(JSON.parse(String(e.data)).type), { once: true })));
      ws.accept();
      sockets.push(ws);
    }
    expect(await Promise.all(firsts)).toEqual(Array(12).fill("hello"));
    for (const ws of sockets) ws.close();
  });

  it("answers only Host 127.0.0.1, localhost and [::1] by default (DNS rebinding), or those in ALLOWED_HOSTS", async () => {
    for (const host of ["localhost:8787", "[::1]:8787", "127.0.0.1"]) expect((await open("/events", { headers: { host } })).status).toBe(200);
    const rebound = await open("/events", { headers: { host: "evil.example:8787" } });
    expect(rebound.status).toBe(403);
    expect((await errorOf(rebound)).message).toContain("ALLOWED_HOSTS");
    expect((await open("/events", { headers: { host: "dev.box:8787" } }, openEnv({ ALLOWED_HOSTS: "dev.box, localhost" }))).status).toBe(200);
    expect((await open("/events", { headers: { host: HOST } }, openEnv({ ALLOWED_HOSTS: "dev.box" }))).status).toBe(403);
  });

  it("leaves members with tokens alone: any Host and Origin, as in production", async () => {
    const t = await newTeam();
    const res = await call("/goals", { ...goal({ authorization: `Bearer ${t.token}`, origin: "https://elsewhere.example", host: "groupsync.example" }) }, openEnv());
    expect(res.status).toBe(201);
  });

  it("cannot be created as a real team: the open team's name and `local` are refused naming the field", async () => {
    const env = openEnv();
    for (const team of [env.GROUPSYNC_OPEN_TEAM, "local"]) {
      const res = await call(
        "/admin/teams",
        { method: "POST", headers: { authorization: `Bearer ${ADMIN_SECRET}`, "content-type": "application/json" }, body: JSON.stringify({ team, members: ["ana"] }) },
        env,
      );
      expect(res.status).toBe(400);
      expect((await errorOf(res)).details.fields[0].field).toBe("team");
    }
  });
});

describe("ADMIN_SECRET in production", () => {
  it("shorter than 24 characters is refused with a clear message at the first request", async () => {
    const short = { GROUPSYNC_ENV: "production", ADMIN_SECRET: "a".repeat(23) };
    for (const path of ["/events", "/admin/teams"]) {
      const res = await call(path, { headers: { authorization: `Bearer ${"a".repeat(23)}` } }, short);
      expect(res.status).toBe(503);
      expect(await errorOf(res)).toMatchObject({ code: "misconfigured", message: expect.stringContaining("at least 24") });
    }
    const t = await newTeam();
    const long = await call("/events", { headers: { authorization: `Bearer ${t.token}` } }, { GROUPSYNC_ENV: "production", ADMIN_SECRET: "a".repeat(24) });
    expect(long.status).toBe(200);
  });
});
