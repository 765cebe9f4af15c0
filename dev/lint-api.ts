import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.ts";
import { startWranglerDev } from "./wrangler-dev.ts";

/**
 * `npm run lint:api`: the OpenAPI document the worker serves, fetched from the real worker under
 * `wrangler dev`, linted by Redocly (redocly.yaml) and Spectral's oas ruleset (.spectral.yaml).
 * Both must report nothing: a finding that is right to keep is turned off in their config, with why.
 */
const ROOT = resolve(import.meta.dirname, "..");
const run = promisify(execFile);

export interface LintReport {
  ok: boolean;
  output: string;
}

/** The document /openapi.json answers. No store is reached for it, so none is started. */
export async function servedOpenApiDocument(): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), "groupsync-lint-api-"));
  const worker = await startWranglerDev({
    port: await freePort(),
    persistDir: dir,
    vars: { GROUPSYNC_ENV: "test", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "unused-for-the-document" },
  });
  try {
    const res = await fetch(`${worker.url}/openapi.json`);
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}: ${await res.text()}`);
    return await res.json();
  } finally {
    await worker.process.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs both linters on a document; ok only when both exit 0 with no finding. */
export async function lintOpenApi(document: unknown): Promise<LintReport> {
  const dir = mkdtempSync(join(tmpdir(), "groupsync-openapi-"));
  const file = join(dir, "openapi.json");
  writeFileSync(file, JSON.stringify(document, null, 2));
  const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);
  const tools: [string, string[]][] = [
    [bin("redocly"), ["lint", "--config", join(ROOT, "redocly.yaml"), "--format", "stylish", file]],
    [bin("spectral"), ["lint", "--ruleset", join(ROOT, ".spectral.yaml"), "--fail-severity", "hint", "--display-only-failures", file]],
  ];
  let ok = true;
  let output = "";
  // redocly.yaml extends recommended-strict and Spectral runs with --fail-severity hint: any finding is a non-zero exit.
  for (const [command, args] of tools) {
    try {
      const { stdout, stderr } = await run(command, args, { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" }, maxBuffer: 16 << 20 });
      output += stdout + stderr;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      output += `${failed.stdout ?? ""}${failed.stderr ?? ""}` || failed.message;
      ok = false;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { ok, output };
}

if (import.meta.main) {
  const report = await lintOpenApi(await servedOpenApiDocument());
  process.stdout.write(report.output);
  process.exitCode = report.ok ? 0 : 1;
}
