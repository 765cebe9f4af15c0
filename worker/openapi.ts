import { z } from "zod";
import { Event, EventList, EventPatch, EventWrite, SlotConflict } from "../shared/calendar.ts";
import { ErrorBody } from "../shared/errors.ts";
import { CheckInList, CheckInWrite, Goal, GoalList, GoalPatch, GoalWrite } from "../shared/goals.ts";
import { CheckInCreated } from "./goals/check-in-routes.ts";
import { FocusSessionList, FocusStats } from "../shared/focus.ts";
import { HealthReport } from "../shared/health.ts";
import { IssuedTokens, MemberCreate, MemberList, MyTeam, TeamCreate, TeamList } from "../shared/teams.ts";
import { TeamTimer } from "../shared/live.ts";
import { AgentKeyBody } from "../shared/team-key.ts";
import { TxBegin, TxOpInput, TxView } from "../shared/tx.ts";
import { AgentList, PomoSet, PomoStart } from "./live/routes.ts";
import { GROUPSYNC_VERSION } from "../shared/version.ts";
import { WebhookCreate, WebhookCreated, WebhookEndpoint, WebhookRedeliver } from "../shared/webhooks.ts";
import { WebhookDeliveries, WebhookList, WebhookRedelivered } from "./webhooks/routes.ts";
import { REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from "./request-id.ts";
import { Availability, AvailabilityWrite, ExternalCalendar, ExternalCalendarWrite, FindTimeRequest, FindTimeResult, FreeBusy } from "../shared/people.ts";
import { ExternalCalendarList } from "./people/operations.ts";
import type { RouterRoute } from "hono/types";
import { operationOf, type ApiTag } from "./api-doc.ts";
// The app's routes are read when the document is first asked for, never at load (app.ts imports this module too).
import { createApp } from "./app.ts";
import { errorSchemas, generatedOperation, HEADER_TEXT, type Components } from "./openapi-operations.ts";

/**
 * The OpenAPI 3.1 document, built from the same zod schemas that validate requests (OpenAPI 3.1
 * schemas are JSON Schema 2020-12, which zod emits natively). Every route describes itself where
 * it is defined (worker/api-doc.ts), turned into an operation by worker/openapi-operations.ts; a
 * route that does not is left out, and test/worker/docs-and-feed.test.ts fails if a route is missing.
 */
const SCHEMAS = {
  Event: [Event, "output"],
  EventWrite: [EventWrite, "input"],
  EventPatch: [EventPatch, "input"],
  EventList: [EventList, "output"],
  SlotConflict: [SlotConflict, "output"],
  Goal: [Goal, "output"],
  GoalWrite: [GoalWrite, "input"],
  GoalPatch: [GoalPatch, "input"],
  GoalList: [GoalList, "output"],
  CheckInWrite: [CheckInWrite, "input"],
  CheckInCreated: [CheckInCreated, "output"],
  CheckInList: [CheckInList, "output"],
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
  WebhookList: [WebhookList, "output"],
  WebhookDeliveries: [WebhookDeliveries, "output"],
  WebhookRedeliver: [WebhookRedeliver, "input"],
  WebhookRedelivered: [WebhookRedelivered, "output"],
  AgentKeyWrite: [AgentKeyBody, "input"],
  Availability: [Availability, "output"],
  AvailabilityWrite: [AvailabilityWrite, "input"],
  FreeBusy: [FreeBusy, "output"],
  FindTimeRequest: [FindTimeRequest, "input"],
  FindTimeResult: [FindTimeResult, "output"],
  ExternalCalendar: [ExternalCalendar, "output"],
  ExternalCalendarWrite: [ExternalCalendarWrite, "input"],
  ExternalCalendarList: [ExternalCalendarList, "output"],
  AgentList: [AgentList, "output"],
} as const satisfies Record<string, readonly [z.ZodType, "input" | "output"]>;

const REQUEST_ID_TEXT = "On every request, optional: 1–128 letters, digits or . _ : + = / - (else 400). The answer carries it back (or a new UUID when none was sent), and the worker's log lines about this request name it.";

let cached: unknown;

/** The served document: every route as it describes itself where it is defined. */
export function openApiDocument(): unknown {
  cached ??= buildDocument(createApp().routes);
  return cached;
}

/** Path → methods of the served document. */
export function documentedMethods(): Record<string, string[]> {
  const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
  return Object.fromEntries(Object.entries(doc.paths).map(([path, methods]) => [path, Object.keys(methods)]));
}

const COMPONENT_NAMES = { input: new Map<z.ZodType, string>(), output: new Map<z.ZodType, string>() };
for (const [name, [schema, io]] of Object.entries(SCHEMAS)) COMPONENT_NAMES[io].set(schema, name);
const components: Components = { nameOf: (schema, io) => COMPONENT_NAMES[io].get(schema), jsonSchema };

/** The operations routes describe themselves (worker/api-doc.ts), at the paths the app serves them on. */
function generatedPaths(routes: readonly RouterRoute[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const op = operationOf(route.handler);
    if (op === undefined || route.method === "ALL") continue;
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    (paths[path] ??= {})[route.method.toLowerCase()] = generatedOperation(op, params, components);
  }
  return paths;
}

/** The document for these routes, each described where it is defined (worker/api-doc.ts). */
export function buildDocument(routes: readonly RouterRoute[]) {
  const paths = generatedPaths(routes);
  return withoutUnusedComponents({
    openapi: "3.1.0",
    info: {
      title: "GroupSync API",
      version: GROUPSYNC_VERSION,
      description:
        "A shared calendar that never double-books, shared goals, and a group Pomodoro timer. Every error answers `{\"error\": {\"code\", \"message\", \"details\"?}}`, `code` one of those each operation lists. Every answer carries `X-Request-Id` (the request's own when it sent a well-formed one). Browsers on the origins in the deployment's CORS_ALLOWED_ORIGINS may call every route: a preflight (OPTIONS with Origin and Access-Control-Request-Method) answers 204 with the route's methods, 403 `origin_not_allowed` for any other origin, 404 for an unknown path. A method a path does not have answers 405 `method_not_allowed` with Allow.",
      contact: { name: "GroupSync", url: "http://127.0.0.1:8787/docs" },
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "http://127.0.0.1:8787", description: "The local default: `npm run dev` (wrangler dev on port 8787, or $PORT)" }],
    security: [{ member: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      // Sent and answered on every operation (see info.description), so described once here.
      headers: { [REQUEST_ID_HEADER]: { description: REQUEST_ID_TEXT, schema: { type: "string", pattern: REQUEST_ID_PATTERN.source } }, ...HEADER_TEXT },
      parameters: { [REQUEST_ID_HEADER]: { name: REQUEST_ID_HEADER, in: "header", required: false, description: REQUEST_ID_TEXT, schema: { type: "string", pattern: REQUEST_ID_PATTERN.source }, example: "req-7f3a" } },
      securitySchemes: {
        member: { type: "http", scheme: "bearer", description: "A member token (gs_...) from POST /admin/teams" },
        admin: { type: "http", scheme: "bearer", description: "The deployment's ADMIN_SECRET" },
      },
      schemas: { ...Object.fromEntries(Object.entries(SCHEMAS).map(([name, [schema, io]]) => [name, jsonSchema(schema, io)])), ...errorSchemas(components) },
    },
  });
}

const TAGS: Record<ApiTag, string> = {
  calendar: "Events that never double-book, and the iCalendar feed",
  people: "Working hours, free/busy, finding a time, and members' external calendars",
  goals: "The team's shared goals",
  transactions: "Two-phase commits across calendar and goals",
  live: "The team's live feed over WebSocket",
  timer: "The group Pomodoro timer and the agents that keep it",
  focus: "Focus history and figures",
  webhooks: "Standard Webhooks for the team's changes",
  admin: "Teams, members and tokens",
  service: "Health, liveness and this documentation",
};

/** Drops the schemas and headers no operation refers to (the catalogue has more error codes than a deployment needs documented). */
function withoutUnusedComponents<D extends { components: { schemas: Record<string, unknown>; headers: Record<string, unknown> } }>(doc: D): D {
  const text = JSON.stringify({ ...doc, components: { ...doc.components, schemas: {}, headers: {} } });
  const used = new Set<string>();
  const pending = [...text.matchAll(/#\/components\/(schemas|headers)\/([\w.-]+)/g)].map((m) => `${m[1]}/${m[2]}`);
  while (pending.length > 0) {
    const ref = pending.pop()!;
    if (used.has(ref)) continue;
    used.add(ref);
    const [kind, name] = ref.split("/") as ["schemas" | "headers", string];
    const inner = JSON.stringify(doc.components[kind][name] ?? {});
    pending.push(...[...inner.matchAll(/#\/components\/(schemas|headers)\/([\w.-]+)/g)].map((m) => `${m[1]}/${m[2]}`));
  }
  const keep = (kind: "schemas" | "headers") => Object.fromEntries(Object.entries(doc.components[kind]).filter(([name]) => used.has(`${kind}/${name}`)));
  return { ...doc, components: { ...doc.components, schemas: keep("schemas"), headers: keep("headers") } };
}

function jsonSchema(schema: z.ZodType, io: "input" | "output") {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return io === "input" ? withoutReadOnly(rest) : rest;
}

/** A write schema without the server-managed fields (readOnly): accepted and ignored when sent, so not part of what a client writes. */
function withoutReadOnly(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = schema.properties as Record<string, { readOnly?: boolean }> | undefined;
  if (properties === undefined) return schema;
  return { ...schema, properties: Object.fromEntries(Object.entries(properties).filter(([, property]) => property.readOnly !== true)) };
}
