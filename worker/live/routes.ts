import { Hono, type Context } from "hono";
import { z } from "zod";
import { MAX_DURATION_MS, type TimerCommand } from "../../shared/pomodoro.ts";
import { requireMember } from "../auth/access.ts";
import { agentKeyRoutes } from "../auth/agent-key-routes.ts";
import { configOf, type AppEnv } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { invalid, readBody, readQuery } from "../request.ts";
import { hubGotSocket } from "./changes.ts";
import { hubFor } from "./hub-stub.ts";
import type { CommandAnswer } from "./team-hub.ts";

/**
 * Live updates and the team timer: `GET /ws` (the team's WebSocket, held by its hub), `/pomo/*`
 * (the original's timer endpoints, now real), `GET /agents`.
 */
export const liveRoutes = new Hono<AppEnv>();
// Browsers cannot set headers on a WebSocket, so /ws also takes ?token=.
liveRoutes.use("/ws", requireMember({ allowQueryToken: true }));
liveRoutes.use("/pomo/*", requireMember());
liveRoutes.use("/agents", requireMember());
// The key agents prove to the hub: mounted with the routes of the hub that checks it.
liveRoutes.route("/", agentKeyRoutes);

export const WsQuery = z.strictObject({
  token: z.string().optional(),
  last_seq: z.coerce.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }).min(0, { error: "must be 0 or more" }).max(Number.MAX_SAFE_INTEGER, { error: `must be at most ${Number.MAX_SAFE_INTEGER}` }).optional(),
  client: z.enum(["agent", "browser"], { error: "must be agent or browser" }).default("browser"),
});

liveRoutes.get("/ws", async (c) => {
  const query = readQuery(c, WsQuery);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "GET /ws is a WebSocket: send Upgrade: websocket", { headers: { Upgrade: "websocket" } });
  }
  const { team, member } = c.get("member");
  const headers = new Headers(c.req.raw.headers);
  headers.set("x-groupsync-team", team);
  headers.set("x-groupsync-member", member);
  headers.set("x-groupsync-client", query.client);
  // Every token-less user of the dev open team is one member; the hub then holds them to the team cap only.
  if (configOf(c.env).openTeam === team) headers.set("x-groupsync-open-team", "1");
  else headers.delete("x-groupsync-open-team");
  if (query.last_seq === undefined) headers.delete("x-groupsync-last-seq");
  else headers.set("x-groupsync-last-seq", String(query.last_seq));
  const upgraded = await hubFor(c.env, team).fetch(new Request(c.req.raw.url, { method: "GET", headers }));
  if (upgraded.status === 101) hubGotSocket(team);
  return upgraded;
});

liveRoutes.get("/pomo/state", async (c) => c.json(await hubFor(c.env, c.get("member").team).timerState(c.get("member").team)));

liveRoutes.get("/agents", async (c) => c.json(await hubFor(c.env, c.get("member").team).agents(c.get("member").team)));

const Minutes = z
  .number({ error: "must be a number of minutes" })
  .positive({ error: "must be more than 0" })
  .max(MAX_DURATION_MS / 60_000, { error: "must be at most 1440 (a day)" });

export const PomoStart = z.strictObject({
  focus_minutes: Minutes.optional(),
  short_break_minutes: Minutes.optional(),
  long_break_minutes: Minutes.optional(),
  long_break_every: z.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }).min(1, { error: "must be 1 or more" }).max(100, { error: "must be at most 100" }).optional(),
});

export const PomoSet = z.strictObject({ duration_minutes: Minutes });
const PomoSetQuery = z.strictObject({ duration_minutes: z.coerce.number({ error: "must be a number of minutes" }).pipe(Minutes).optional() });

liveRoutes.post("/pomo/start", async (c) => {
  const body = (await readBody(c, PomoStart, { optional: true })) ?? {};
  const settings = {
    ...(body.focus_minutes !== undefined ? { focusMs: minutes(body.focus_minutes) } : {}),
    ...(body.short_break_minutes !== undefined ? { shortBreakMs: minutes(body.short_break_minutes) } : {}),
    ...(body.long_break_minutes !== undefined ? { longBreakMs: minutes(body.long_break_minutes) } : {}),
    ...(body.long_break_every !== undefined ? { longBreakEvery: body.long_break_every } : {}),
  };
  return answer(c, await runCommand(c, { kind: "start", settings }));
});

for (const kind of ["pause", "resume", "skip", "stop"] as const) {
  liveRoutes.post(`/pomo/${kind}`, async (c) => {
    await readBody(c, z.strictObject({}), { optional: true });
    return answer(c, await runCommand(c, { kind }));
  });
}

/** The original's `?duration_minutes=`, or the same field in a JSON body. */
liveRoutes.post("/pomo/set", async (c) => {
  const fromQuery = readQuery(c, PomoSetQuery).duration_minutes;
  const fromBody = (await readBody(c, PomoSet.partial(), { optional: true }))?.duration_minutes;
  if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
    throw invalid([{ field: "duration_minutes", message: "given in the query and the body with different values" }]);
  }
  const duration = fromQuery ?? fromBody;
  if (duration === undefined) throw invalid([{ field: "duration_minutes", message: "is required (in the query or the JSON body)" }]);
  return answer(c, await runCommand(c, { kind: "set", durationMs: minutes(duration) }));
});

function minutes(value: number): number {
  return Math.round(value * 60_000);
}

async function runCommand(c: Context<AppEnv>, command: TimerCommand): Promise<CommandAnswer> {
  const { team, member } = c.get("member");
  return hubFor(c.env, team).command(team, member, command);
}

function answer(c: Context<AppEnv>, result: CommandAnswer): Response {
  if (result.ok) return c.json(result.timer);
  throw new ApiError(result.status, result.code, result.message, result.status === 503 ? { headers: { "Retry-After": "1" } } : {});
}
