import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ManagedProcess } from "./managed-process.ts";

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
// wrangler does not export its bin path, so it is taken from the install directly.
const WRANGLER_BIN = join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export interface RunningWorker {
  process: ManagedProcess;
  url: string;
}

/**
 * `wrangler dev` on 127.0.0.1:port, running the real wrangler.toml under workerd. `vars` go through
 * an env file readable only by this user, so secrets never appear in `ps` output.
 */
export async function startWranglerDev(options: {
  port: number;
  vars: Record<string, string>;
  persistDir: string;
  /** Another wrangler.toml than the project's (the bench's floor worker). */
  config?: string;
  /** Exposes /__scheduled so tests can run the cron handler on demand. */
  testScheduled?: boolean;
  onLine?: (line: string) => void;
}): Promise<RunningWorker> {
  mkdirSync(options.persistDir, { recursive: true });
  const args = [
    WRANGLER_BIN, "dev",
    "--ip", "127.0.0.1",
    "--port", String(options.port),
    "--inspector-port", "0",
    "--persist-to", options.persistDir,
    "--show-interactive-dev-session=false",
    "--log-level", "info",
  ];
  const varsFile = join(options.persistDir, "worker.env");
  const lines = Object.entries(options.vars).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  writeFileSync(varsFile, lines.join("\n") + "\n", { mode: 0o600 });
  args.push("--env-file", varsFile);
  if (options.config !== undefined) args.push("--config", options.config);
  if (options.testScheduled) args.push("--test-scheduled");
  const process_ = await ManagedProcess.start({
    name: "worker",
    command: process.execPath,
    args,
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      // Offline-friendly and quiet: no Request.cf fetch, no telemetry, no update check.
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_HIDE_BANNER: "true",
      NO_UPDATE_NOTIFIER: "1",
      FORCE_COLOR: "0",
    },
    isReady: (line) => /Ready on http/.test(line),
    readyTimeoutMs: 60_000,
    onLine: options.onLine,
  });
  return { process: process_, url: `http://127.0.0.1:${options.port}` };
}

/**
 * Wrangler's output without what misleads under `npm run dev`: the warning that cron triggers are
 * not fired locally (the dev stack fires them), the supervisor's own HEAD /ping probes
 * (dev/worker-watch.ts), colour codes, and blank lines.
 */
export function quietWranglerOutput(onLine: (line: string) => void): (line: string) => void {
  let inCronWarning = false;
  return (raw) => {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
    if (/Scheduled Workers are not automatically triggered/.test(line)) {
      inCronWarning = true;
      return;
    }
    if (inCronWarning) {
      if (/For more details, see/.test(line)) inCronWarning = false;
      return;
    }
    if (line.trim() === "" || /\] HEAD \/ping 200 /.test(line)) return;
    onLine(line);
  };
}
