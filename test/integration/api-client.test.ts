import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_TYPES_FILE, clientTypes } from "../../dev/api-client.ts";
import type { OpenApiDocument } from "../helpers/openapi-contract.ts";
import { stopAll } from "../helpers/processes.ts";
import { startWorkerStack, type WorkerStack } from "../helpers/stack.ts";
import { runReadmeExamples } from "./readme-client.ts";

/**
 * The served OpenAPI document as a client's author meets it: the generated client types current,
 * and the README's examples, made through that typed client (readme-client.ts, which the
 * typecheck covers), answering what the README says.
 */
const ADMIN_SECRET = "client-admin-secret-0123456789abcdef";

let stack: WorkerStack;
let doc: OpenApiDocument;

beforeAll(async () => {
  stack = await startWorkerStack({ vars: { ADMIN_SECRET, WEBHOOK_SECRETS_KEY: "client-webhook-secrets-key-0123456789" } });
  doc = (await (await fetch(`${stack.worker.url}/openapi.json`)).json()) as OpenApiDocument;
}, 120_000);

afterAll(stopAll);

describe("the served OpenAPI document", () => {
  it("is what test/helpers/openapi-types.ts was generated from (else: npm run api:client)", async () => {
    expect(readFileSync(CLIENT_TYPES_FILE, "utf8") === (await clientTypes(doc)), "test/helpers/openapi-types.ts is out of date: run npm run api:client").toBe(true);
  }, 60_000);

  it("answers the README's examples, made through the typed client, as the README says", async () => {
    const outcomes = await runReadmeExamples(stack.worker.url, ADMIN_SECRET);
    const statuses = Object.fromEntries(outcomes.map((o) => [o.example, o.code === undefined ? o.status : `${o.status} ${o.code}`]));
    expect(statuses).toMatchObject({
      "POST /admin/teams": 201,
      "POST /admin/teams/acme/members": 201,
      "POST /events meeting1": 201,
      "POST /events e2": "409 time_slot_taken",
      "time_slot_taken names meeting1": 409,
      "POST /goals project1": 201,
      "POST /events with Idempotency-Key": 201,
      "POST /events with Idempotency-Key again": 201,
      replayed: 201,
      "POST /tx": 201,
      "POST /tx/{id}/ops calendar.create": 200,
      "POST /tx/{id}/ops goal.update": 200,
      "POST /tx/{id}/commit": 200,
      "POST /tx one-shot": 200,
      "GET /pomo/state": 200,
      "POST /pomo/start": 200,
      "POST /pomo/pause": 200,
      "POST /pomo/resume": 200,
      "POST /pomo/set?duration_minutes=10": 200,
      "POST /pomo/skip": 200,
      "POST /pomo/stop": 200,
      "GET /agents": 200,
      "GET /team/agent-key": 200,
      "PUT /team/agent-key": 200,
      "GET /focus/sessions": 200,
      "GET /focus/sessions window": 200,
      "GET /focus/stats by member": 200,
      "GET /focus/sessions csv": 200,
      "GET /focus/stats csv": 200,
      "POST /webhooks": 201,
      "GET /webhooks": 200,
      "GET /webhooks/{id}/deliveries": 200,
      "POST /webhooks/{id}/redeliver": 202,
      "DELETE /webhooks/{id}": 204,
      "GET /health": 200,
      "GET /me/team": 200,
    });
  }, 120_000);
});
