import { Hono, type Context } from "hono";
import { z } from "zod";
import { MAX_DURATION_MS, type TimerCommand } from "../../shared/pomodoro.ts";
import { ResourceId } from "../../shared/fields.ts";
import { requireMember } from "../auth/access.ts";
import { requireGoal } from "../focus/goal-check.ts";
import { agentKeyRoutes } from "../auth/agent-key-routes.ts";
import { AgentInfo, TeamTimer } from "../../shared/live.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
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

const WS: ApiOperation = {
  operationId: "openLiveFeed",
  summary: "The team's live feed over WebSocket",
  description:
    "Messages: shared/live.ts. First a hello, then each change with its seq; reconnect with last_seq to replay what you missed, in order, exactly once. Browsers cannot set headers on a WebSocket, so `?token=` may replace the Authorization header.",
  tag: "live",
  auth: "member",
  query: WsQuery,
  responses: {
    101: { description: "Switching to WebSocket", headers: ["Upgrade"] },
    426: { description: "Not a WebSocket upgrade", codes: ["upgrade_required"] },
  },
};

liveRoutes.get("/ws", documented(WS, async (c) => {
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
}));

const Minutes = z
  .number({ error: "must be a number of minutes" })
  .positive({ error: "must be more than 0" })
  .max(MAX_DURATION_MS / 60_000, { error: "must be at most 1440 (a day)" });

export const PomoStart = z.strictObject({
  focus_minutes: Minutes.optional(),
  short_break_minutes: Minutes.optional(),
  long_break_minutes: Minutes.optional(),
  long_break_every: z.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }).min(1, { error: "must be 1 or more" }).max(100, { error: "must be at most 100" }).optional(),
  goal: ResourceId.optional().meta({ description: "The id of the team's goal the session is for; recorded on each focus round." }),
});

export const PomoSet = z.strictObject({ duration_minutes: Minutes });
/** POST /pomo/set's body: the duration may come in the query instead. */
const PomoSetBody = PomoSet.partial();
const NoBody = z.strictObject({});
const PomoSetQuery = z.strictObject({ duration_minutes: z.coerce.number({ error: "must be a number of minutes" }).pipe(Minutes).optional() });

// What the timer routes are, for the OpenAPI document (worker/api-doc.ts).
const TIMER_REFUSED = { description: "The timer cannot do that now (the message says why), or the master agent refused", codes: ["not_running", "already_running", "already_paused", "not_paused", "invalid_duration", "command_refused"] };
const TIMER_UNAVAILABLE = { description: "The master agent did not answer in time", codes: ["master_unreachable"], headers: ["Retry-After" as const] };
const timerCommand = (operationId: string, summary: string, description: string, body: ApiOperation["body"]): ApiOperation => ({
  operationId,
  summary,
  description: `${description} Sent to the master agent when one is connected, else applied by the worker.`,
  tag: "timer",
  auth: "member",
  body,
  countsAsWrite: true,
  store: "write",
  responses: { 200: { description: "The timer after the command", json: TeamTimer }, 409: TIMER_REFUSED, 503: TIMER_UNAVAILABLE },
});
const NO_BODY = { schema: NoBody, required: false, example: {} };

const POMO_START = timerCommand("startTimer", "Start a session", "Focus round one begins now; each setting left out keeps the team's.", {
  schema: PomoStart,
  required: false,
  example: { focus_minutes: 25, short_break_minutes: 5, long_break_minutes: 15, long_break_every: 4 },
});
const POMO_SET = {
  ...timerCommand("setTimerRemaining", "Set what is left of the current phase", "`?duration_minutes=` (as the original) or the same field in a JSON body; both agreeing is fine.", {
    schema: PomoSetBody,
    required: false,
    example: { duration_minutes: 10 },
  }),
  query: PomoSetQuery,
};
const POMO_COMMANDS = {
  pause: timerCommand("pauseTimer", "Pause", "Keeps the remaining time.", NO_BODY),
  resume: timerCommand("resumeTimer", "Resume a paused timer", "The remaining time runs again from now.", NO_BODY),
  skip: timerCommand("skipTimerPhase", "End the current phase now and start the next", "A focus round skipped is recorded as such in the focus history.", NO_BODY),
  stop: timerCommand("stopTimer", "Stop the session", "Back to idle; a focus round cut short is recorded in the focus history.", NO_BODY),
};
const POMO_STATE: ApiOperation = {
  operationId: "getTimer",
  summary: "The team timer",
  description: "Kept by the master agent when one is connected, else by the worker.",
  tag: "timer",
  auth: "member",
  store: "read",
  responses: { 200: { description: "The timer", json: TeamTimer } },
};
export const AgentList = z.object({
  agents: z.array(AgentInfo),
  master: z.string().nullable(),
  term: z.number().int(),
  people: z.array(z.string()).meta({ description: "Members with the dashboard open (a browser socket on /ws)." }),
  refused_messages: z.number().int().meta({ description: "Agent messages the hub refused since it started: not signed under the team's agent key for their socket, or stale." }),
});
const AGENTS: ApiOperation = {
  operationId: "listAgents",
  summary: "Who is here",
  description: "The team's agents (connected or recently left, roles, terms, the master) and the members with the dashboard open.",
  tag: "timer",
  auth: "member",
  store: "read",
  responses: { 200: { description: "Agents and people", json: AgentList } },
};

liveRoutes.get("/pomo/state", documented(POMO_STATE, async (c) => c.json(await hubFor(c.env, c.get("member").team).timerState(c.get("member").team))));

liveRoutes.get("/agents", documented(AGENTS, async (c) => c.json(await hubFor(c.env, c.get("member").team).agents(c.get("member").team))));

liveRoutes.post("/pomo/start", documented(POMO_START, async (c) => {
  const body = (await readBody(c, PomoStart, { optional: true })) ?? {};
  const settings = {
    ...(body.focus_minutes !== undefined ? { focusMs: minutes(body.focus_minutes) } : {}),
    ...(body.short_break_minutes !== undefined ? { shortBreakMs: minutes(body.short_break_minutes) } : {}),
    ...(body.long_break_minutes !== undefined ? { longBreakMs: minutes(body.long_break_minutes) } : {}),
    ...(body.long_break_every !== undefined ? { longBreakEvery: body.long_break_every } : {}),
  };
  if (body.goal !== undefined) await requireGoal(c.env, c.get("member").team, body.goal);
  return answer(c, await runCommand(c, { kind: "start", settings, ...(body.goal === undefined ? {} : { goal: body.goal }) }));
}));

for (const kind of ["pause", "resume", "skip", "stop"] as const) {
  liveRoutes.post(
    `/pomo/${kind}`,
    documented(POMO_COMMANDS[kind], async (c) => {
      await readBody(c, NoBody, { optional: true });
      return answer(c, await runCommand(c, { kind }));
    }),
  );
}

/** The original's `?duration_minutes=`, or the same field in a JSON body. */
liveRoutes.post("/pomo/set", documented(POMO_SET, async (c) => {
  const fromQuery = readQuery(c, PomoSetQuery).duration_minutes;
  const fromBody = (await readBody(c, PomoSetBody, { optional: true }))?.duration_minutes;
  if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
    throw invalid([{ field: "duration_minutes", message: "given in the query and the body with different values" }]);
  }
  const duration = fromQuery ?? fromBody;
  if (duration === undefined) throw invalid([{ field: "duration_minutes", message: "is required (in the query or the JSON body)" }]);
  return answer(c, await runCommand(c, { kind: "set", durationMs: minutes(duration) }));
}));

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
