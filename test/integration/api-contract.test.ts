import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContractChecker, type OpenApiDocument, type OpenApiOperation } from "../helpers/openapi-contract.ts";
import { stopAll } from "../helpers/processes.ts";
import { startWorkerStack, type WorkerStack } from "../helpers/stack.ts";
import { createTeamToken } from "../helpers/teams.ts";

/**
 * The served OpenAPI document against the real worker (wrangler dev, gateway, redis-server): every
 * path and method is called with a valid request built from the document's own examples and with
 * invalid ones (bad ids, bad bodies, a wrong content type, no credential, a malformed
 * X-Request-Id), and every answer must be one the document declares: its status, its media type,
 * and a body its schema accepts.
 */
const ADMIN_SECRET = "contract-admin-secret-0123456789abcdef";

let stack: WorkerStack;
let doc: OpenApiDocument;
let checker: ContractChecker;
let memberToken: string;

beforeAll(async () => {
  stack = await startWorkerStack({ vars: { ADMIN_SECRET, WEBHOOK_SECRETS_KEY: "contract-webhook-secrets-key-0123456789" } });
  memberToken = await createTeamToken(stack.worker.url, ADMIN_SECRET, "contract", ["ana"]);
  doc = (await (await fetch(`${stack.worker.url}/openapi.json`)).json()) as OpenApiDocument;
  checker = new ContractChecker(doc);
}, 120_000);

afterAll(stopAll);

interface Attempt {
  what: string;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | FormData;
  /** Leave the credential out. */
  anonymous?: true;
}

function credentialOf(op: OpenApiOperation): string | null {
  const security = op.security ?? doc.security ?? [];
  if (security.length === 0) return null;
  return JSON.stringify(security).includes('"admin"') ? ADMIN_SECRET : memberToken;
}

/** The valid request and the invalid ones for an operation. */
function attemptsFor(op: OpenApiOperation): Attempt[] {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === "path");
  const example = op.requestBody?.content["application/json"]?.example;
  const json = example === undefined ? {} : { body: JSON.stringify(example), headers: { "content-type": "application/json" } };
  const attempts: Attempt[] = [{ what: "valid", ...json }];
  if (credentialOf(op) !== null) attempts.push({ what: "no credential", anonymous: true, ...json });
  attempts.push({ what: "malformed X-Request-Id", headers: { "x-request-id": "bad id {}" } });
  for (const param of pathParams) attempts.push({ what: `bad ${param.name}`, params: { [param.name]: "not%20an%20id!%3F" }, ...json });
  if (op.requestBody !== undefined) {
    attempts.push({ what: "unknown field", body: JSON.stringify({ ...(example as object), no_such_field: 1 }), headers: { "content-type": "application/json" } });
    attempts.push({ what: "not JSON", body: "{not json", headers: { "content-type": "application/json" } });
    attempts.push({ what: "a JSON array", body: "[1, 2]", headers: { "content-type": "application/json" } });
    const form = new FormData();
    form.set("title", "x");
    attempts.push({ what: "multipart body", body: form });
    attempts.push({ what: "body over 64 KiB", body: JSON.stringify({ title: "x".repeat(70_000) }), headers: { "content-type": "application/json" } });
  }
  return attempts;
}

/** The last Location each collection answered (`/tx` → `/tx/tx_…`): later calls on `{id}` under it use that resource, not the example's. */
const created = new Map<string, string>();

async function send(path: string, method: string, op: OpenApiOperation, attempt: Attempt): Promise<Response> {
  const examples = Object.fromEntries((op.parameters ?? []).filter((p) => p.in === "path").map((p) => [p.name, encodeURIComponent(String(p.example))]));
  const collection = path.split("/{id}")[0]!;
  let concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => attempt.params?.[name] ?? examples[name]!);
  const made = created.get(collection);
  if (path.startsWith(`${collection}/{id}`) && made !== undefined && attempt.params?.id === undefined) concrete = made + path.slice(`${collection}/{id}`.length);
  const credential = credentialOf(op);
  const headers: Record<string, string> = { ...attempt.headers };
  if (credential !== null && !attempt.anonymous) headers.authorization = `Bearer ${credential}`;
  const res = await fetch(`${stack.worker.url}${concrete}`, { method: method.toUpperCase(), headers, body: attempt.body, redirect: "manual" });
  const location = res.headers.get("location");
  if (res.ok && location !== null && location.startsWith(`${path}/`)) created.set(path, location);
  return res;
}

describe("the served OpenAPI document, walked against the real worker", () => {
  it("declares every status, media type and body the worker answers, for valid and invalid requests to every operation", async () => {
    const problems: string[] = [];
    let calls = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const attempt of attemptsFor(op)) {
          const res = await send(path, method, op, attempt);
          calls++;
          // POST /me/token replaces the token it was sent with: go on with the new one.
          if (path === "/me/token" && res.status === 201) memberToken = ((await res.clone().json()) as { tokens: Record<string, string> }).tokens.ana!;
          for (const problem of await checker.problemsOf(path, method, res)) problems.push(`${attempt.what}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(calls).toBeGreaterThan(200);
    // The valid requests reached real resources: each collection's new one was used under {id}.
    expect([...created.keys()].sort()).toEqual(expect.arrayContaining(["/events", "/goals", "/tx", "/webhooks"]));
  }, 240_000);

  it("fails an answer the document does not declare (the check itself can fail)", async () => {
    const pong = await fetch(`${stack.worker.url}/ping`);
    const narrowed = structuredClone(doc);
    narrowed.paths["/ping"]!.get!.responses["200"]!.content = { "application/json": { schema: { type: "object", required: ["pong"] } } };
    expect((await new ContractChecker(narrowed).problemsOf("/ping", "get", pong.clone())).join()).toContain("schema refuses");
    delete narrowed.paths["/ping"]!.get!.responses["200"];
    expect((await new ContractChecker(narrowed).problemsOf("/ping", "get", pong)).join()).toContain("does not declare");
  });
});
