import createClient from "openapi-fetch";
import type { paths } from "../helpers/openapi-types.ts";

/**
 * Each request the README shows with curl, made through a client typed by the served OpenAPI
 * document (openapi-typescript + openapi-fetch): `npm run typecheck` fails if the document stops
 * allowing one of them (a path, a parameter, a body field), and api-client.test.ts runs them
 * against the real worker. Each answers what the README says it does.
 */
export interface ExampleOutcome {
  example: string;
  status: number;
  /** The error code, when the answer is an error. */
  code?: string;
}

export async function runReadmeExamples(baseUrl: string, adminSecret: string): Promise<ExampleOutcome[]> {
  const outcomes: ExampleOutcome[] = [];
  const note = (example: string, answer: { response: Response; error?: unknown }) => {
    const code = (answer.error as { error?: { code?: string } } | undefined)?.error?.code;
    outcomes.push({ example, status: answer.response.status, ...(code === undefined ? {} : { code }) });
  };

  // "Teams and tokens"
  const admin = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${adminSecret}` } });
  const team = await admin.POST("/admin/teams", { body: { team: "acme", members: ["ana", "bo"] } });
  note("POST /admin/teams", team);
  note("POST /admin/teams/acme/members", await admin.POST("/admin/teams/{team}/members", { params: { path: { team: "acme" } }, body: { member: "cy" } }));
  const token = team.data?.tokens.ana ?? "";
  const api = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });

  // The quick start: a booking, a clash, a goal.
  note("POST /events meeting1", await api.POST("/events", { body: { id: "meeting1", title: "Sync", starts_at: "2024-01-15T10:00:00", ends_at: "2024-01-15T11:00:00" } }));
  const clash = await api.POST("/events", { body: { id: "e2", title: "Conflict", starts_at: "2024-01-15T10:30:00" } });
  note("POST /events e2", clash);
  // Typed details: the conflicts of a time_slot_taken.
  if (clash.error !== undefined && "details" in clash.error.error && clash.error.error.code === "time_slot_taken") {
    const conflicts: { id: string }[] = (clash.error.error.details as { conflicts: { id: string }[] }).conflicts;
    outcomes.push({ example: `time_slot_taken names ${conflicts.map((c) => c.id).join(",")}`, status: 409 });
  }
  note("POST /goals project1", await api.POST("/goals", { body: { id: "project1", title: "Complete System", owner: "team6" } }));

  // Idempotency-Key, sent twice.
  const once = { params: { header: { "Idempotency-Key": "5f0c-readme" } }, body: { title: "Sync", starts_at: "2026-12-01T10:00:00Z" } };
  note("POST /events with Idempotency-Key", await api.POST("/events", once));
  const again = await api.POST("/events", once);
  note("POST /events with Idempotency-Key again", again);
  if (again.response.headers.get("idempotent-replayed") === "true") outcomes.push({ example: "replayed", status: again.response.status });

  // Transactions, step by step and in one request.
  const tx = await api.POST("/tx");
  note("POST /tx", tx);
  const id = tx.data?.tx_id ?? "tx_missing000000";
  note("POST /tx/{id}/ops calendar.create", await api.POST("/tx/{id}/ops", { params: { path: { id } }, body: { type: "calendar.create", data: { title: "Launch", starts_at: "2026-12-01T14:00:00Z" } } }));
  note("POST /tx/{id}/ops goal.update", await api.POST("/tx/{id}/ops", { params: { path: { id } }, body: { type: "goal.update", id: "project1", data: { progress: 90 } } }));
  note("POST /tx/{id}/commit", await api.POST("/tx/{id}/commit", { params: { path: { id } } }));
  note("POST /tx one-shot", await api.POST("/tx", { body: { ops: [{ type: "goal.update", id: "project1", data: { progress: 95 } }], commit: true } }));

  // The timer.
  note("GET /pomo/state", await api.GET("/pomo/state"));
  note("POST /pomo/start", await api.POST("/pomo/start", { body: { focus_minutes: 50 } }));
  note("POST /pomo/pause", await api.POST("/pomo/pause"));
  note("POST /pomo/resume", await api.POST("/pomo/resume"));
  note("POST /pomo/set?duration_minutes=10", await api.POST("/pomo/set", { params: { query: { duration_minutes: 10 } } }));
  note("POST /pomo/skip", await api.POST("/pomo/skip"));
  note("POST /pomo/stop", await api.POST("/pomo/stop"));
  note("GET /agents", await api.GET("/agents"));

  // The team key.
  note("GET /team/agent-key", await api.GET("/team/agent-key"));
  note("PUT /team/agent-key", await api.PUT("/team/agent-key", { body: { team_key: "our-team-secret-of-16+-chars" } }));

  // Focus history.
  note("GET /focus/sessions", await api.GET("/focus/sessions"));
  note("GET /focus/sessions window", await api.GET("/focus/sessions", { params: { query: { from: "2026-12-01T00:00:00Z", to: "2026-12-08T00:00:00Z", member: "ana", limit: 50 } } }));
  note("GET /focus/stats by member", await api.GET("/focus/stats", { params: { query: { from: "2026-12-01T00:00:00Z", group_by: "member" } } }));
  note("GET /focus/sessions csv", await api.GET("/focus/sessions", { params: { query: { format: "csv" } }, parseAs: "text" }));
  note("GET /focus/stats csv", await api.GET("/focus/stats", { params: { query: { group_by: "day", format: "csv" } }, parseAs: "text" }));

  // Webhooks.
  const hook = await api.POST("/webhooks", { body: { url: "https://hooks.example.com/groupsync", events: ["event.created", "goal.updated"] } });
  note("POST /webhooks", hook);
  note("GET /webhooks", await api.GET("/webhooks"));
  const hookId = { params: { path: { id: hook.data?.id ?? "wh_missing000000000000" } } };
  note("GET /webhooks/{id}/deliveries", await api.GET("/webhooks/{id}/deliveries", hookId));
  note("POST /webhooks/{id}/redeliver", await api.POST("/webhooks/{id}/redeliver", { ...hookId, body: { from_seq: 1 } }));
  note("DELETE /webhooks/{id}", await api.DELETE("/webhooks/{id}", hookId));

  // Service routes.
  note("GET /health", await api.GET("/health"));
  note("GET /me/team", await api.GET("/me/team"));
  return outcomes;
}
