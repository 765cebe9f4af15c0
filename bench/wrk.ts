import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * Load from wrk (C, from Debian's packages) instead of Node's fetch: on a 2-core machine the
 * generator competes with the worker for CPU, and wrk costs far less per request, so the worker's
 * own limits show. `bodyLua` is a Lua expression evaluated per request, with `counter` (per thread)
 * and `thread_id` in scope, that returns the body.
 */
export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
}

export async function runWrk(options: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  bodyLua?: string;
  connections: number;
  threads?: number;
  seconds: number;
}): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "groupsync-wrk-"));
  const script = join(dir, "request.lua");
  const headers = Object.entries(options.headers ?? {})
    .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join("\n");
  writeFileSync(
    script,
    `wrk.method = ${JSON.stringify(options.method ?? "GET")}
${headers}
local next_id = 0
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end
counter = 0
function request()
  counter = counter + 1
  ${options.bodyLua ? `return wrk.format(nil, nil, nil, ${options.bodyLua})` : "return wrk.format()"}
end
`,
  );
  try {
    const { stdout } = await promisify(execFile)(
      "wrk",
      [`-t${options.threads ?? 2}`, `-c${options.connections}`, `-d${options.seconds}s`, "--latency", "-s", script, options.url],
      { timeout: (options.seconds + 30) * 1000 },
    );
    return parseWrk(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseWrk(output: string): WrkResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN);
  const latency = (percent: string) => {
    const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(output);
    if (match === null) return Number.NaN;
    const value = Number(match[1]);
    return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency("50"),
    p99Ms: latency("99"),
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/) || 0,
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}
