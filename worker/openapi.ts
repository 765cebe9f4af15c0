import { z } from "zod";
import { Event, EventList, EventListQuery, EventPatch, EventWrite, OccurrencePatch, SlotConflict } from "../shared/calendar.ts";
import { ErrorBody } from "../shared/errors.ts";
import { Goal, GoalList, GoalListQuery, GoalPatch, GoalWrite } from "../shared/goals.ts";
import { FocusSessionList, FocusSessionsQuery, FocusStats, FocusStatsQuery } from "../shared/focus.ts";
import { HealthReport } from "../shared/health.ts";
import { IssuedTokens, MemberCreate, MemberList, MyTeam, TeamCreate, TeamList, TeamListQuery } from "../shared/teams.ts";
import { AgentInfo, TeamTimer } from "../shared/live.ts";
import { AgentKeyBody } from "../shared/team-key.ts";
import { TxBegin, TxOpInput, TxView } from "../shared/tx.ts";
import { PomoSet, PomoStart, WsQuery } from "./live/routes.ts";
import { GROUPSYNC_VERSION } from "../shared/version.ts";
import { WebhookAttempt, WebhookCreate, WebhookCreated, WebhookEndpoint, WebhookRedeliver } from "../shared/webhooks.ts";
import { FEED_DEFAULT_FUTURE_DAYS, FEED_DEFAULT_PAST_DAYS, FEED_MAX_EVENTS, FeedQuery } from "./calendar/feed-routes.ts";
import { REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from "./request-id.ts";

/**
 * The OpenAPI 3.1 document, built from the same zod schemas that validate requests (OpenAPI 3.1
 * schemas are JSON Schema 2020-12, which zod emits natively). The operation table below is the
 * one place routes are described; test/worker/openapi.test.ts fails if a route is missing here.
 */
const SCHEMAS = {
  Event: [Event, "output"],
  EventWrite: [EventWrite, "input"],
  EventPatch: [EventPatch, "input"],
  OccurrencePatch: [OccurrencePatch, "input"],
  EventList: [EventList, "output"],
  SlotConflict: [SlotConflict, "output"],
  Goal: [Goal, "output"],
  GoalWrite: [GoalWrite, "input"],
  GoalPatch: [GoalPatch, "input"],
  GoalList: [GoalList, "output"],
  FocusSessionList: [FocusSessionList, "output"],
  FocusStats: [FocusStats, "output"],
  Error: [ErrorBody, "output"],
  HealthReport: [HealthReport, "output"],
  TeamCreate: [TeamCreate, "input"],
  MemberCreate: [MemberCreate, "input"],
  IssuedTokens: [IssuedTokens, "output"],
  TeamList: [TeamList, "output"],
  MemberList: [MemberList, "output"],
  MyTeam: [MyTeam, "output"],
  TxBegin: [TxBegin, "input"],
  TxOp: [TxOpInput, "input"],
  Tx: [TxView, "output"],
  TeamTimer: [TeamTimer, "output"],
  PomoStart: [PomoStart, "input"],
  PomoSet: [PomoSet, "input"],
  AgentKey: [AgentKeyBody, "output"],
  WebhookCreate: [WebhookCreate, "input"],
  WebhookCreated: [WebhookCreated, "output"],
  Webhook: [WebhookEndpoint, "output"],
  WebhookList: [z.object({ webhooks: z.array(WebhookEndpoint) }), "output"],
  WebhookDeliveries: [z.object({ deliveries: z.array(WebhookAttempt).meta({ description: "The endpoint's last 100 attempts, newest first." }) }), "output"],
  WebhookRedeliver: [WebhookRedeliver, "input"],
  WebhookRedelivered: [z.object({ id: z.string(), from_seq: z.number().int(), up_to: z.number().int().meta({ description: "The team's newest change when asked." }) }), "output"],
  AgentKeyWrite: [AgentKeyBody, "input"],
  AgentList: [
    z.object({
      agents: z.array(AgentInfo),
      master: z.string().nullable(),
      term: z.number().int(),
      people: z.array(z.string()).meta({ description: "Members with the dashboard open (a browser socket on /ws)." }),
      refused_messages: z.number().int().meta({ description: "Agent messages the hub refused since it started: not signed under the team's agent key for their socket, or stale." }),
    }),
    "output",
  ],
} as const satisfies Record<string, readonly [z.ZodType, "input" | "output"]>;

type SchemaName = keyof typeof SCHEMAS;

interface Operation {
  summary: string;
  tag: string;
  auth?: "member" | "admin" | "none";
  body?: SchemaName;
  /** The body may be left out. */
  bodyOptional?: true;
  query?: z.ZodObject;
  path?: Record<string, string>;
  ifMatch?: boolean;
  /** A GET with a validator: "etag" takes If-None-Match, "etag+date" also If-Modified-Since (Last-Modified); both may answer 304. */
  conditional?: "etag" | "etag+date";
  /**
   * Takes an Idempotency-Key: "atomic" when its record is written by the write's own script (a
   * duplicate is answered from it), "marker" when an in-progress marker holds the key meanwhile.
   */
  idempotent?: "atomic" | "marker";
  responses: Record<number, [string, SchemaName?]>;
}

const idParam = { id: "The resource's id" };
const occurrenceParams = { id: "The series' id", occurrence_start: "The occurrence's start as the series defines it (RECURRENCE-ID), in any instant form the API takes (URL-encode a '+'); 404 when the series has no such occurrence" };
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, [ERROR_TEXT[c] ?? "Error", "Error"] as [string, SchemaName]]));
const IDEMPOTENCY_KEY_TEXT =
  "Optional, 1–255 printable ASCII characters (else 400), chosen by the client per logical operation and sent again on its retries. Within 24 h the same key from the same member with the same method, path and body answers the first answer again (status, body, Location, ETag; with `Idempotent-Replayed: true`) without doing the work twice, also when the first attempt answered 503 `outcome_unknown` or its answer was lost; a different request with the key is 422 `idempotency_key_reused`. Only work done is remembered: a refused request (400, 409, 503 `dependency_unavailable`) is not, so its retry is tried again.";
const REQUEST_ID_TEXT = "On every request, optional: 1–128 letters, digits or . _ : + = / - (else 400). The answer carries it back (or a new UUID when none was sent), and the worker's log lines about this request name it.";
const MARKER_TEXT = " On /tx routes a refusal that aborted the transaction is remembered too, and while the first request with a key still runs a duplicate answers 409 `idempotency_key_in_use` with Retry-After.";
const ERROR_TEXT: Record<number, string> = {
  400: "Invalid input; `details.fields` names each field at fault",
  401: "Missing or invalid token",
  404: "No such resource in your team",
  409: "Conflict (see `code`); `quota_exceeded` when a create would take the team past one of its quotas (`details.quota`, `details.limit`)",
  412: "If-Match does not name the current version (a weak tag never matches), or If-None-Match does",
  413: "Body larger than 64 KiB",
  422: "`idempotency_key_reused`: this Idempotency-Key was used in the last 24 h for a different request (method, path or body)",
  429: "`rate_limited`: too many wrong admin secrets or invalid tokens from this address, or writes by this member (a write here counts too); retry after Retry-After (the RateLimit and RateLimit-Policy headers say more)",
  503: "`dependency_unavailable`: a store is down and nothing was changed (retry after Retry-After); `outcome_unknown`: a write got no answer and may still be made (no Retry-After: read before retrying); or the deployment is misconfigured",
};

const HOOK_TEXT = "Standard Webhooks: each change of the team feed is POSTed as {type, timestamp, data: the change} with webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256), one at a time per endpoint in seq order, retried for about 27 h";

export const OPERATIONS: Record<string, Record<string, Operation>> = {
  "/health": { get: { summary: "Readiness: each dependency checked", tag: "service", auth: "none", responses: { 200: ["All dependencies ok", "HealthReport"], 503: ["A dependency is down", "HealthReport"] } } },
  "/ping": { get: { summary: "Liveness: touches nothing", tag: "service", auth: "none", responses: { 200: ["Alive"] } } },
  "/openapi.json": { get: { summary: "This document", tag: "service", auth: "none", conditional: "etag", responses: { 200: ["OpenAPI 3.1 document"] } } },
  "/docs": { get: { summary: "Interactive API documentation (Swagger UI, served by the worker itself: works offline)", tag: "service", auth: "none", conditional: "etag", responses: { 200: ["HTML page"] } } },
  "/docs/{asset}": {
    get: {
      summary: "The docs page's scripts and styles: swagger-ui-bundle.js and swagger-ui.css from the pinned swagger-ui-dist package, and init.js",
      tag: "service",
      auth: "none",
      path: { asset: "swagger-ui-bundle.js, swagger-ui.css or init.js" },
      conditional: "etag",
      responses: { 200: ["The file"], ...errors(404) },
    },
  },
  "/events": {
    get: { summary: "List events overlapping a window, sorted by start, paged", tag: "calendar", query: EventListQuery, conditional: "etag", responses: { 200: ["A page of events (ETag: of this page's content)", "EventList"], ...errors(400, 401) } },
    post: { idempotent: "atomic", summary: "Book an event; refused if it overlaps another on its calendar", tag: "calendar", body: "EventWrite", responses: { 201: ["Booked", "Event"], ...errors(400, 401, 409, 413, 503) } },
  },
  "/events/{id}": {
    get: { summary: "One event", tag: "calendar", path: idParam, ifMatch: true, conditional: "etag+date", responses: { 200: ["The event (ETag: its version; Last-Modified: its updated_at)", "Event"], ...errors(401, 404, 412) } },
    put: { summary: "Replace an event; never collides with itself", tag: "calendar", path: idParam, body: "EventWrite", ifMatch: true, responses: { 200: ["Replaced", "Event"], ...errors(400, 401, 404, 409, 412, 503) } },
    patch: { summary: "Change some fields of an event", tag: "calendar", path: idParam, body: "EventPatch", ifMatch: true, responses: { 200: ["Changed", "Event"], ...errors(400, 401, 404, 409, 412, 503) } },
    delete: { summary: "Delete an event; its slot is free at once", tag: "calendar", path: idParam, ifMatch: true, responses: { 204: ["Deleted"], ...errors(401, 404, 412, 503) } },
  },
  "/events/{id}/occurrences/{occurrence_start}": {
    patch: {
      summary: "Change one occurrence of a series (an override; it keeps its occurrence_start), conflict-checked like any booking; If-Match: the series' version",
      tag: "calendar",
      path: occurrenceParams,
      body: "OccurrencePatch",
      ifMatch: true,
      responses: { 200: ["Changed: the occurrence as a listing shows it (ETag: the series' new version)", "Event"], ...errors(400, 401, 404, 409, 412, 503) },
    },
    delete: { summary: "Cancel one occurrence of a series (an EXDATE is added to it); its time is free at once", tag: "calendar", path: occurrenceParams, ifMatch: true, responses: { 204: ["Cancelled"], ...errors(400, 401, 404, 412, 503) } },
  },
  "/calendar.ics": {
    get: {
      summary: `The team calendar as an iCalendar (RFC 5545) feed of the events in a window (default: ${FEED_DEFAULT_PAST_DAYS} days back to ${FEED_DEFAULT_FUTURE_DAYS} ahead, at most ${FEED_MAX_EVENTS} events, the earliest; X-GROUPSYNC-TRUNCATED:TRUE when there were more). An event with a time_zone keeps it (TZID). REFRESH-INTERVAL / X-PUBLISHED-TTL: 15 minutes. \`?token=\` may replace the header`,
      tag: "calendar",
      query: FeedQuery,
      conditional: "etag",
      responses: { 200: ["text/calendar (ETag: of its content)"], ...errors(400, 401) },
    },
  },
  "/goals": {
    get: { summary: "List goals in creation order, paged", tag: "goals", query: GoalListQuery, conditional: "etag", responses: { 200: ["A page of goals (ETag: of this page's content)", "GoalList"], ...errors(400, 401) } },
    post: { idempotent: "atomic", summary: "Create a goal", tag: "goals", body: "GoalWrite", responses: { 201: ["Created", "Goal"], ...errors(400, 401, 409, 413, 503) } },
  },
  "/goals/{id}": {
    get: { summary: "One goal", tag: "goals", path: idParam, ifMatch: true, conditional: "etag+date", responses: { 200: ["The goal (ETag: its version; Last-Modified: its updated_at)", "Goal"], ...errors(401, 404, 412) } },
    put: { summary: "Replace a goal", tag: "goals", path: idParam, body: "GoalWrite", ifMatch: true, responses: { 200: ["Replaced", "Goal"], ...errors(400, 401, 404, 412, 503) } },
    patch: { summary: "Change some fields of a goal; concurrent patches never lose each other", tag: "goals", path: idParam, body: "GoalPatch", ifMatch: true, responses: { 200: ["Changed", "Goal"], ...errors(400, 401, 404, 412, 503) } },
    delete: { summary: "Delete a goal", tag: "goals", path: idParam, ifMatch: true, responses: { 204: ["Deleted"], ...errors(401, 404, 412, 503) } },
  },
  "/tx": {
    post: {
      idempotent: "marker", summary: "Begin a transaction across calendar and goals; or, with {ops, commit: true}, run one in a single request",
      tag: "transactions",
      body: "TxBegin",
      responses: { 201: ["Begun (open)", "Tx"], 200: ["One-shot form: committed", "Tx"], ...errors(400, 401, 409, 503) },
    },
  },
  "/tx/{id}": { get: { summary: "State, ops and outcome (with its reason) of your transaction", tag: "transactions", path: { id: "The transaction's id" }, responses: { 200: ["The transaction", "Tx"], ...errors(400, 401, 404) } } },
  "/tx/{id}/ops": {
    post: {
      idempotent: "marker", summary: "Add an op; its holds are taken now. Invalid input leaves the transaction open; a conflict aborts it, naming the reason as the error code; a committed or aborted transaction answers 409 tx_not_open",
      tag: "transactions",
      path: { id: "The transaction's id" },
      body: "TxOp",
      responses: { 200: ["Added and held", "Tx"], ...errors(400, 401, 404, 409, 503) },
    },
  },
  "/tx/{id}/commit": {
    post: { idempotent: "marker", summary: "Commit: every participant votes, the decision is recorded once, then applied", tag: "transactions", path: { id: "The transaction's id" }, responses: { 200: ["Committed (outcome.pending lists participants still applying)", "Tx"], ...errors(400, 401, 404, 409, 503) } },
  },
  "/tx/{id}/abort": { post: { idempotent: "marker", summary: "Abort and release every hold", tag: "transactions", path: { id: "The transaction's id" }, responses: { 200: ["Aborted", "Tx"], ...errors(400, 401, 404, 409) } } },
  "/ws": {
    get: {
      summary: "The team's live feed over WebSocket (messages: shared/live.ts). Reconnect with last_seq to replay what you missed, in order, exactly once",
      tag: "live",
      query: WsQuery,
      responses: { 101: ["Switching to WebSocket: hello, then changes each with its seq"], ...errors(400, 401, 426) },
    },
  },
  "/pomo/state": { get: { summary: "The team timer (kept by the master agent when one is connected, else by the worker)", tag: "timer", responses: { 200: ["The timer", "TeamTimer"], ...errors(401, 503) } } },
  "/pomo/start": { post: { summary: "Start a session (focus round one); body optional", tag: "timer", body: "PomoStart", responses: { 200: ["Started", "TeamTimer"], ...errors(400, 401, 409, 503) } } },
  "/pomo/pause": { post: { summary: "Pause, keeping the remaining time", tag: "timer", responses: { 200: ["Paused", "TeamTimer"], ...errors(401, 409, 503) } } },
  "/pomo/resume": { post: { summary: "Resume a paused timer", tag: "timer", responses: { 200: ["Resumed", "TeamTimer"], ...errors(401, 409, 503) } } },
  "/pomo/skip": { post: { summary: "End the current phase now and start the next", tag: "timer", responses: { 200: ["Skipped", "TeamTimer"], ...errors(401, 409, 503) } } },
  "/pomo/stop": { post: { summary: "Stop the session (back to idle)", tag: "timer", responses: { 200: ["Stopped", "TeamTimer"], ...errors(401, 503) } } },
  "/pomo/set": {
    post: {
      summary: "Set what is left of the current phase: ?duration_minutes= (as the original) or the same field in a JSON body",
      tag: "timer",
      body: "PomoSet",
      query: z.object({ duration_minutes: z.number().optional() }),
      responses: { 200: ["Set", "TeamTimer"], ...errors(400, 401, 409, 503) },
    },
  },
  "/focus/sessions": {
    get: {
      summary: "Focus history: every focus round that ended (completed, skipped, or cut by stop), once each, in order of its end, paged; rounds a timer the worker keeps finished by its deadline are recorded on the way",
      tag: "focus",
      query: FocusSessionsQuery,
      responses: { 200: ["A page of focus rounds (format=csv: text/csv, the next cursor in Next-Cursor)", "FocusSessionList"], ...errors(400, 401, 503) },
    },
  },
  "/focus/stats": {
    get: {
      summary: "Focus figures over a window, per day (UTC), member or goal and in total: rounds, rounds completed, focus minutes, longest and current streak of days with a completed round; format=csv for a spreadsheet",
      tag: "focus",
      query: FocusStatsQuery,
      responses: { 200: ["The figures", "FocusStats"], ...errors(400, 401, 503) },
    },
  },
  "/agents": { get: { summary: "Who is here: the team's agents (connected or recently left, roles, terms, the master) and the members with the dashboard open", tag: "timer", responses: { 200: ["Agents", "AgentList"], ...errors(401, 503) } } },
  "/team/agent-key": {
    get: {
      summary: "The key your team's agents sign their /ws messages with (HMAC-SHA256, see shared/agent-proof.ts); made on first use (32 random bytes, base64url). Only members of the team see it; Cache-Control: no-store",
      tag: "timer",
      responses: { 200: ["The team's agent key", "AgentKey"], ...errors(401, 503) },
    },
    put: {
      summary: "Give the worker the key your agents already run with (their GROUPSYNC_TEAM_KEY; at least 16 characters, not a pattern). Any member may replace it; agents signing with the old key are refused by the hub from then on. With If-None-Match: * only if the team has none yet (else 412)",
      tag: "timer",
      body: "AgentKeyWrite",
      responses: { 200: ["Stored", "AgentKey"], 412: ["If-None-Match: * and the team already has a key"], ...errors(400, 401, 503) },
    },
  },
  "/webhooks": {
    get: { summary: "The team's webhook endpoints and where each one's delivery stands (never their secrets)", tag: "webhooks", responses: { 200: ["Endpoints", "WebhookList"], ...errors(401, 503) } },
    post: {
      summary: `Register an endpoint for the team's changes (events: types or ["*"]); any member may. ${HOOK_TEXT}. The whsec_ secret is answered only here. At most 20 per team (409 too_many_webhooks); loopback and private addresses are refused in production`,
      tag: "webhooks",
      body: "WebhookCreate",
      responses: { 201: ["Registered; Location: /webhooks/{id}", "WebhookCreated"], ...errors(400, 401, 409, 413, 503) },
    },
  },
  "/webhooks/{id}": {
    get: { summary: "One endpoint", tag: "webhooks", path: { id: "The webhook's id (wh_...)" }, responses: { 200: ["The endpoint", "Webhook"], ...errors(400, 401, 404) } },
    delete: { summary: "Remove an endpoint: nothing more is sent to it", tag: "webhooks", path: { id: "The webhook's id (wh_...)" }, responses: { 204: ["Removed"], ...errors(400, 401, 404) } },
  },
  "/webhooks/{id}/deliveries": {
    get: { summary: "The endpoint's delivery log: its last 100 attempts, newest first (status, error, outcome)", tag: "webhooks", path: { id: "The webhook's id (wh_...)" }, responses: { 200: ["The log", "WebhookDeliveries"], ...errors(400, 401, 404) } },
  },
  "/webhooks/{id}/redeliver": {
    post: {
      summary: "Send every change from from_seq (default: where the endpoint stopped) again, in order, with a fresh retry schedule; enables a disabled endpoint. Body optional. 409 feed_trimmed when the feed no longer has from_seq (it keeps 5000)",
      tag: "webhooks",
      path: { id: "The webhook's id (wh_...)" },
      body: "WebhookRedeliver",
      bodyOptional: true,
      responses: { 202: ["Queued", "WebhookRedelivered"], ...errors(400, 401, 404, 409, 503) },
    },
  },
  "/admin/teams": {
    get: { summary: "List teams, a page at a time (SCAN: a page may be short; go on while next_cursor is not null)", tag: "admin", auth: "admin", query: TeamListQuery, responses: { 200: ["Teams", "TeamList"], ...errors(400, 401, 503) } },
    post: { idempotent: "atomic", summary: "Create a team and its members' tokens (shown once)", tag: "admin", auth: "admin", body: "TeamCreate", responses: { 201: ["Created", "IssuedTokens"], ...errors(400, 401, 409, 503) } },
  },
  "/admin/teams/{team}/members": {
    get: { summary: "List a team's members, with when each token was issued and last used (to within a minute); never the tokens", tag: "admin", auth: "admin", path: { team: "The team's id" }, responses: { 200: ["Members", "MemberList"], ...errors(400, 401, 404, 503) } },
    post: { idempotent: "atomic", summary: "Add a member to a team and issue their token", tag: "admin", auth: "admin", path: { team: "The team's id" }, body: "MemberCreate", responses: { 201: ["Added", "IssuedTokens"], ...errors(400, 401, 404, 409) } },
  },
  "/admin/teams/{team}/members/{member}/token": {
    post: {
      idempotent: "atomic",
      summary: "Issue a member a new token (shown once); the old one stops working within a second and its WebSockets are closed with 4401",
      tag: "admin",
      auth: "admin",
      path: { team: "The team's id", member: "The member's name" },
      responses: { 201: ["Reissued", "IssuedTokens"], ...errors(400, 401, 404, 503) },
    },
  },
  "/admin/teams/{team}/members/{member}": {
    delete: { summary: "Remove a member: their token stops working within a second and their WebSockets are closed with 4401", tag: "admin", auth: "admin", path: { team: "The team's id", member: "The member's name" }, responses: { 204: ["Removed"], ...errors(400, 401, 404, 503) } },
  },
  "/me/team": {
    get: { summary: "Who you are, and the names of your team's members (token details are on the admin's member list)", tag: "admin", responses: { 200: ["Your team", "MyTeam"], ...errors(401, 503) } },
  },
  "/me/token": {
    post: {
      idempotent: "atomic",
      summary: "Replace your own token: the new one is answered once, the one sent stops working and its WebSockets are closed with 4401. A retry with the same Idempotency-Key, sent with the old token, answers the same new token",
      tag: "admin",
      responses: { 201: ["Rotated", "IssuedTokens"], ...errors(400, 401, 503) },
    },
  },
};

let cached: unknown;

export function openApiDocument(): unknown {
  cached ??= build();
  return cached;
}

function build() {
  const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const parameters = [
        ...Object.entries(op.path ?? {}).map(([name, description]) => ({ name, in: "path", required: true, description, schema: { type: "string" } })),
        ...(op.query ? queryParameters(op.query) : []),
        ...(op.conditional ? [{ name: "If-None-Match", in: "header", required: false, description: "Answer 304 (no body) if the current ETag is among these (weak comparison: W/\"x\" matches \"x\"), or for *", schema: { type: "string" } }] : []),
        ...(op.conditional === "etag+date" ? [{ name: "If-Modified-Since", in: "header", required: false, description: "Without If-None-Match: answer 304 if not changed since this HTTP date (Last-Modified)", schema: { type: "string" } }] : []),
        ...(op.ifMatch ? [{ name: "If-Match", in: "header", required: false, description: 'Apply only if the current version is this ETag, e.g. "3" (strong comparison: W/"3" never matches); otherwise 412', schema: { type: "string" } }] : []),
        ...(op.idempotent
          ? [{ name: "Idempotency-Key", in: "header", required: false, description: IDEMPOTENCY_KEY_TEXT + (op.idempotent === "marker" ? MARKER_TEXT : ""), schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7e]+$" } }]
          : []),
      ];
      // Every route that checks a credential counts the wrong ones (429 past the limit); see worker/limits/.
      const limited = 401 in op.responses ? errors(429) : {};
      const responses: Operation["responses"] = { ...op.responses, ...limited, ...(op.idempotent ? errors(422) : {}) };
      if (op.conditional) responses[304] = [op.conditional === "etag+date" ? "Not modified: If-None-Match names the current ETag, or (without it) If-Modified-Since is not before Last-Modified" : "Not modified: If-None-Match names the current ETag"];
      responses[400] ??= ["Invalid input (here: a malformed X-Request-Id); `details.fields` names the field", "Error"];
      if (op.idempotent === "marker") responses[409] = ["Conflict (see `code`); `idempotency_key_in_use`: the first request with this Idempotency-Key still runs, retry after Retry-After", "Error"];
      paths[path][method] = {
        summary: op.summary,
        tags: [op.tag],
        ...(op.auth === "none" ? { security: [] } : op.auth === "admin" ? { security: [{ admin: [] }] } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(op.body ? { requestBody: { required: op.bodyOptional !== true, content: { "application/json": { schema: ref(op.body) } } } } : {}),
        responses: Object.fromEntries(
          Object.entries(responses).map(([status, [description, schema]]) => [
            status,
            schema ? { description, content: { "application/json": { schema: ref(schema) } } } : { description },
          ]),
        ),
      };
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "GroupSync API",
      version: GROUPSYNC_VERSION,
      description:
        "A shared calendar that never double-books, shared goals, and a group Pomodoro timer. Every error answers `{\"error\": {\"code\", \"message\", \"details\"?}}`. Every answer carries `X-Request-Id` (the request's own when it sent a well-formed one). Browsers on the origins in the deployment's CORS_ALLOWED_ORIGINS may call every route: a preflight (OPTIONS with Origin and Access-Control-Request-Method) answers 204 with the route's methods, 403 `origin_not_allowed` for any other origin, 404 for an unknown path.",
    },
    security: [{ member: [] }],
    tags: [{ name: "calendar" }, { name: "goals" }, { name: "focus" }, { name: "transactions" }, { name: "webhooks" }, { name: "admin" }, { name: "service" }],
    paths,
    components: {
      // Sent and answered on every operation (see info.description), so described once here.
      headers: { [REQUEST_ID_HEADER]: { description: REQUEST_ID_TEXT, schema: { type: "string", pattern: REQUEST_ID_PATTERN.source } } },
      securitySchemes: {
        member: { type: "http", scheme: "bearer", description: "A member token (gs_...) from POST /admin/teams" },
        admin: { type: "http", scheme: "bearer", description: "The deployment's ADMIN_SECRET" },
      },
      schemas: Object.fromEntries(Object.entries(SCHEMAS).map(([name, [schema, io]]) => [name, jsonSchema(schema, io)])),
    },
  };
}

function jsonSchema(schema: z.ZodType, io: "input" | "output") {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

function queryParameters(schema: z.ZodObject) {
  const json = jsonSchema(schema, "input") as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}
