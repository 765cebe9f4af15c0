/**
 * `npm run dev` as a newcomer runs it, for the dev-stack tests: spawned through npm in its own
 * process group (like a shell job), its lines collected, and everything it started killed at the
 * end even when a test fails half-way.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "../../dev/ports.ts";
import { commandLine, descendantsOf, isAlive } from "../../dev/process-tree.ts";
import { randomToken, tempDir } from "./processes.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface DevStack {
  child: ChildProcess;
  lines: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
  /** The stack's own one-line messages ("groupsync dev: …"). */
  said: () => string[];
}

const launched: DevStack[] = [];

export function runDev(env: NodeJS.ProcessEnv, options: { command?: string; args?: string[] } = {}): DevStack {
  const child = spawn(options.command ?? "npm", options.args ?? ["run", "--silent", "dev"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const lines: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        if (line.includes("ready; Ctrl-C stops everything")) resolve();
      });
    }
    child.once("exit", () => reject(new Error(`dev stack exited before it was ready:\n${lines.join("\n")}`)));
  });
  ready.catch(() => {});
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const stack = { child, lines, ready, exited, said: () => lines.filter((line) => line.startsWith("groupsync dev:")) };
  launched.push(stack);
  return stack;
}

/** Free ports and a fresh data folder: a stack that collides with nothing else on the machine. */
export async function isolatedDevEnv(extra: NodeJS.ProcessEnv = {}): Promise<Record<string, string>> {
  return {
    PORT: String(await freePort()),
    GATEWAY_PORT: String(await freePort()),
    REDIS_PORT: String(await freePort()),
    GATEWAY_TOKEN: randomToken(),
    GROUPSYNC_DATA_DIR: tempDir("groupsync-dev-"),
    // Off unless a test asks: stacks of parallel test files would all want port 8000.
    GROUPSYNC_COMPAT_PORT: "0",
    ...(extra as Record<string, string>),
  };
}

/** Waits until none of `pids` is alive; returns the ones still alive, with their command lines. */
export async function allGone(pids: number[], timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(isAlive)) await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.filter(isAlive).map((pid) => `${pid} ${commandLine(pid)}`);
}

/**
 * The pid among the stack's processes whose command line contains `marker`; the deepest one, so
 * "dev/run.ts" names the supervisor itself, not the `sh -c` npm runs it under.
 */
export function processOf(stack: DevStack, marker: string): number {
  const pid = descendantsOf(stack.child.pid!).findLast((p) => commandLine(p).includes(marker));
  if (pid === undefined) throw new Error(`no process matching "${marker}" under the dev stack`);
  return pid;
}

/** afterAll: SIGKILL every process any stack of this file started, and the stacks themselves. */
export function killAllDevStacks(): void {
  for (const stack of launched) {
    for (const pid of [stack.child.pid!, ...descendantsOf(stack.child.pid!)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
}

/** The workerd wrangler runs in front (it listens on wrangler's port; the user worker's on port 0). */
export function frontWorkerdOf(stack: DevStack): number {
  const pid = descendantsOf(stack.child.pid!).find((p) => {
    const command = commandLine(p);
    return command.includes("workerd serve") && /entry=127\.0\.0\.1:[1-9]\d*/.test(command);
  });
  if (pid === undefined) throw new Error("no front workerd under the dev stack");
  return pid;
}

export type ProbeOutcome = { kind: "answered"; status: number; ms: number } | { kind: "refused"; ms: number } | { kind: "hung"; ms: number };

/** One request that waits at most `limitMs`: answered (any status), refused, or hung. */
export async function probe(url: string, limitMs = 5_000): Promise<ProbeOutcome> {
  const started = Date.now();
  try {
    const answer = await fetch(url, { signal: AbortSignal.timeout(limitMs) });
    await answer.body?.cancel();
    return { kind: "answered", status: answer.status, ms: Date.now() - started };
  } catch (error) {
    const ms = Date.now() - started;
    const name = (error as Error).name;
    return name === "TimeoutError" || name === "AbortError" ? { kind: "hung", ms } : { kind: "refused", ms };
  }
}
