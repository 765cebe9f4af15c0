import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../dev/ports.ts";
import { HealthReport } from "../../shared/health.ts";
import { commandLine, descendantsOf, isAlive } from "../helpers/process-tree.ts";
import { randomToken, stopAll, tempDir } from "../helpers/processes.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface DevStack {
  child: ChildProcess;
  lines: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
}

/** `npm run dev` exactly as a newcomer types it; npm passes SIGINT/SIGTERM on to the stack. */
function runDev(env: NodeJS.ProcessEnv): DevStack {
  // Its own process group, like a shell job, so a test can press "Ctrl-C" on the whole group.
  const child = spawn("npm", ["run", "--silent", "dev"], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
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
  return { child, lines, ready, exited };
}

/** A PATH holding only node and npm, as on a machine where redis-server was never installed. */
function pathWithOnlyNodeAndNpm(): string {
  const bin = tempDir("groupsync-path-");
  symlinkSync(process.execPath, join(bin, "node"));
  const npm = execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim();
  symlinkSync(realpathSync(npm), join(bin, "npm"));
  symlinkSync("/bin/sh", join(bin, "sh")); // npm runs scripts with sh
  return bin;
}

/** Waits until none of `pids` is alive. */
async function allGone(pids: number[], timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(isAlive)) await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.filter(isAlive).map((pid) => `${pid} ${commandLine(pid)}`);
}

const started: DevStack[] = [];
afterAll(async () => {
  for (const stack of started) {
    for (const pid of [stack.child.pid!, ...descendantsOf(stack.child.pid!)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
  await stopAll();
});

describe("npm run dev", () => {
  it("brings up Redis, the gateway and the worker; SIGTERM stops all of it; data survives a restart", async () => {
    const dataDir = tempDir("groupsync-dev-");
    const env = {
      PORT: String(await freePort()),
      GATEWAY_PORT: String(await freePort()),
      REDIS_PORT: String(await freePort()),
      GATEWAY_TOKEN: randomToken(),
      GROUPSYNC_DATA_DIR: dataDir,
    };
    const first = runDev(env);
    started.push(first);
    const t0 = Date.now();
    await first.ready;
    const startupMs = Date.now() - t0;
    expect(startupMs).toBeLessThan(30_000);
    expect(first.lines.join("\n")).toContain(`worker on http://127.0.0.1:${env.PORT}`);

    const health = await fetch(`http://127.0.0.1:${env.PORT}/health`);
    expect(health.status).toBe(200);
    expect(HealthReport.parse(await health.json()).checks.redis!.ok).toBe(true);

    // Every process of the stack, workerd included, is a descendant of the dev runner.
    const tree = descendantsOf(first.child.pid!);
    const commands = tree.map(commandLine).join("\n");
    expect(commands).toContain("redis-server");
    expect(commands).toContain("gateway/main.ts");
    expect(commands).toContain("workerd");

    // An acknowledged write through the gateway...
    const redis = new Redis({ url: `http://127.0.0.1:${env.GATEWAY_PORT}`, token: env.GATEWAY_TOKEN, retry: false });
    expect(await redis.set("dev:durable", { ok: "✓" })).toBe("OK");

    // SIGTERM to npm (which does not relay it): the stack notices its parent is gone and stops.
    first.child.kill("SIGTERM");
    expect(await allGone(tree)).toEqual([]);
    await expect.poll(() => first.lines.join("\n")).toContain("stopped; nothing left running");

    // ...is still there when the stack comes back on the same data directory.
    const second = runDev(env);
    started.push(second);
    await second.ready;
    expect(await redis.get("dev:durable")).toEqual({ ok: "✓" });
    // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
    const secondTree = descendantsOf(second.child.pid!);
    process.kill(-second.child.pid!, "SIGINT");
    expect(await allGone(secondTree)).toEqual([]);
    await expect.poll(() => second.lines.join("\n")).toContain("stopped; nothing left running");
  });

  it("says in one line how to install redis-server when it is missing", async () => {
    // A PATH with node and npm but without redis-server.
    const stack = runDev({ PATH: pathWithOnlyNodeAndNpm(), PORT: String(await freePort()), GROUPSYNC_DATA_DIR: tempDir() });
    started.push(stack);
    expect(await stack.exited).toBe(1);
    const ours = stack.lines.filter((line) => line.startsWith("groupsync dev:"));
    expect(ours).toEqual(["groupsync dev: redis-server is not installed; install it with: sudo apt-get install -y redis-server"]);
  });

  it("refuses a port that is taken, naming the setting that moves it", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const taken = (blocker.address() as { port: number }).port;
    const stack = runDev({ PORT: String(taken), GROUPSYNC_DATA_DIR: tempDir(), REDIS_PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()) });
    started.push(stack);
    expect(await stack.exited).toBe(1);
    expect(stack.lines.join("\n")).toContain(`port ${taken} is already in use; free it or choose another with PORT=`);
    blocker.close();
  });
});
