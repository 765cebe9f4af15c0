import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { libfaketimePath } from "../../dev/system-packages.ts";
import { requestControl } from "../../agent/control/client.ts";
import type { AgentStatus } from "../../agent/status-report.ts";

/**
 * Real groupsync-agent processes for tests: `node agent/bin.mjs start|join … --json`, the entry point
 * users run (the bundle when it is up to date, else the sources), each in its own process group (detached) and stopped by PID. Every JSON line an agent prints is kept with the time
 * it arrived, so tests can wait for events and measure how long things took. Call `stopAll()` in
 * afterAll: it SIGKILLs whatever is still running, also after a failed test.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface AgentLine {
  /** Date.now() in the test process when the line arrived. */
  readonly at: number;
  readonly event: Record<string, unknown> & { readonly event: string };
}

export interface Agent {
  readonly name: string;
  readonly pid: number;
  /** Where this process reaches the agent (and other members do): 127.0.0.1 unless spawned with `host`. */
  readonly host: string;
  readonly tcpPort: number;
  readonly udpPort: number;
  readonly lines: AgentLine[];
  /** Everything the agent wrote on stderr, for failure messages. */
  stderr: string;
  exitCode: number | null;
  exited: boolean;
  readonly exit: Promise<void>;
}

/** How to run one agent process beyond its CLI arguments. */
export interface SpawnOptions {
  /** Added to the agent's environment (e.g. shiftedClockEnv()). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Runs the agent through this command, e.g. `ip netns exec <ns>` (test/helpers/netns.ts). It must
   * exec the agent rather than fork it, so the PID held is the agent's.
   */
  readonly commandPrefix?: readonly string[];
  /** The agent's own address (passed as --host), when it is not 127.0.0.1. */
  readonly host?: string;
  /**
   * The command line as a user types it, only --json added: no ports, node id or team key (so the
   * agent falls back to its defaults and its state directory's key file).
   */
  readonly asTyped?: boolean;
}

/**
 * Environment that makes the agent's wall clock (Date.now()) read `offsetMs` ahead (or behind, if
 * negative) through libfaketime, while its monotonic clock, which drives Node's timers, stays true.
 * The library is preloaded directly rather than through the `faketime` command, because that forks
 * and waits: the PID we hold would be faketime's, and SIGKILL would leave the agent running.
 * Without FAKETIME_DONT_FAKE_MONOTONIC=1 libfaketime also shifts CLOCK_MONOTONIC, to epoch values.
 */
export function shiftedClockEnv(offsetMs: number): Record<string, string> {
  if (!Number.isInteger(offsetMs)) throw new RangeError(`offsetMs must be whole milliseconds, got ${offsetMs}`);
  const sign = offsetMs < 0 ? "-" : "+";
  return {
    LD_PRELOAD: libfaketime(),
    FAKETIME: `${sign}${(Math.abs(offsetMs) / 1000).toFixed(3)}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
  };
}

/** The thread-safe libfaketime (Node runs several threads), wherever the distribution put it. */
function libfaketime(): string {
  const found = libfaketimePath();
  if (found === null) throw new Error("libfaketimeMT.so.1 not found; install faketime (sudo apt-get install -y faketime)");
  return found;
}

export function newTeamKey(): string {
  return `test-team-${randomBytes(12).toString("hex")}`;
}

/** Polls `probe` until it returns something other than undefined/null/false, or fails after `timeoutMs`. */
export async function waitUntil<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs: number, what: string, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = null;
    } catch (error) {
      lastError = error; // e.g. an agent not answering yet: keep polling until the deadline
    }
    if (Date.now() >= deadline) {
      const why = lastError === null ? "" : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export class AgentCluster {
  readonly teamKey: string;
  readonly agents: Agent[] = [];

  /** The agents' state directory (their records of running agents): the cluster's own, never the user's. */
  readonly stateDir = mkdtempSync(join(tmpdir(), "groupsync-agents-"));

  constructor(teamKey = newTeamKey()) {
    this.teamKey = teamKey;
  }

  /** `start`: a new session with this agent as master. Resolves once it printed its ready line. */
  start(name: string, extra: string[] = [], options: SpawnOptions = {}): Promise<Agent> {
    return this.spawn(name, ["start", ...extra], options);
  }

  /** `join` through `via` (any member). Resolves once it printed its ready line (not yet joined). */
  join(name: string, via: Agent, extra: string[] = [], options: SpawnOptions = {}): Promise<Agent> {
    return this.spawn(name, ["join", `${via.host}:${via.tcpPort}`, ...extra], options);
  }

  /** Agents whose process is still running. */
  get running(): Agent[] {
    return this.agents.filter((agent) => !agent.exited);
  }

  /** Sends a signal by PID (never by name). */
  signal(agent: Agent, signal: NodeJS.Signals): void {
    try {
      process.kill(agent.pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** The agent's status over its TCP port, asked from this process (faster than spawning the CLI). */
  async status(agent: Agent, timeoutMs = 2000): Promise<AgentStatus> {
    const { reply } = await requestControl({ target: { host: agent.host, port: agent.tcpPort }, teamKey: this.teamKey, request: { op: "status" }, timeoutMs });
    if (!reply.ok || !("status" in reply)) throw new Error(`${agent.name} refused status: ${JSON.stringify(reply)}`);
    return reply.status;
  }

  async statuses(agents: readonly Agent[]): Promise<AgentStatus[]> {
    return Promise.all(agents.map((agent) => this.status(agent)));
  }

  /** Runs the real CLI (`node agent/bin.mjs …`) with the team key. */
  async cli(args: string[], env: NodeJS.ProcessEnv = {}, entry = ["agent/bin.mjs"]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [...entry, ...args], {
        cwd: ROOT,
        env: { ...process.env, GROUPSYNC_STATE_DIR: this.stateDir, GROUPSYNC_TEAM_KEY: this.teamKey, ...env },
        timeout: 15_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout, stderr: e.stderr };
    }
  }

  /** Runs a TypeScript helper script (an attacker, say) on the project's Node, with the team key. */
  async script(path: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return this.cli(args, {}, [path]);
  }

  /** The latest line of `event` type the agent printed, if any. */
  last(agent: Agent, event: string): AgentLine | undefined {
    return agent.lines.findLast((line) => line.event.event === event);
  }

  /** Waits for a line matching `match` printed at or after `since`; returns it. */
  waitForLine(agent: Agent, match: (event: AgentLine["event"]) => boolean, timeoutMs: number, what: string, since = 0): Promise<AgentLine> {
    return waitUntil(() => agent.lines.find((line) => line.at >= since && match(line.event)), timeoutMs, `${agent.name}: ${what}\n${this.describe(agent)}`);
  }

  describe(agent: Agent): string {
    return `--- ${agent.name} (pid ${agent.pid}) stdout:\n${agent.lines.map((line) => JSON.stringify(line.event)).join("\n")}\n--- stderr:\n${agent.stderr}`;
  }

  /** SIGKILLs every agent still running and waits for them to exit. */
  async stopAll(): Promise<void> {
    for (const agent of this.running) this.signal(agent, "SIGKILL");
    await Promise.all(this.agents.map((agent) => agent.exit));
  }

  /**
   * Any foreground agent command line (`args` starts with start or join), with --json, free ports and
   * --node-id `name` appended. Resolves once it printed its ready line.
   */
  async spawn(name: string, args: string[], options: SpawnOptions = {}): Promise<Agent> {
    const host = options.host ?? "127.0.0.1";
    const [command, ...prefixArgs] = [...(options.commandPrefix ?? []), process.execPath];
    const added = options.asTyped ? ["--json"] : ["--json", "--port", "0", "--udp-port", "0", "--node-id", name, "--host", host];
    const child: ChildProcess = spawn(command!, [...prefixArgs, "agent/bin.mjs", ...args, ...added], {
      cwd: ROOT,
      env: { ...process.env, GROUPSYNC_STATE_DIR: this.stateDir, GROUPSYNC_TEAM_KEY: options.asTyped ? "" : this.teamKey, ...options.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: AgentLine[] = [];
    let resolveExit!: () => void;
    const exit = new Promise<void>((resolve) => (resolveExit = resolve));
    const partial = { name, pid: child.pid!, host, lines, stderr: "", exitCode: null as number | null, exited: false, exit };
    let buffered = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      const at = Date.now();
      buffered += chunk;
      const complete = buffered.split("\n");
      buffered = complete.pop() ?? "";
      for (const text of complete) {
        if (text.trim() === "") continue;
        try {
          lines.push({ at, event: JSON.parse(text) as AgentLine["event"] });
        } catch {
          partial.stderr += `[not JSON on stdout] ${text}\n`;
        }
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (partial.stderr += chunk));
    child.on("exit", (code) => {
      partial.exitCode = code;
      partial.exited = true;
      resolveExit();
    });
    if (child.pid === undefined) throw new Error(`could not spawn agent ${name}`);
    // Tracked before it is ready, so stopAll() reaches it even if the wait below fails.
    const placeholder = partial as unknown as Agent;
    this.agents.push(placeholder);
    const ready = await waitUntil(() => (partial.exited ? "exited" : lines.find((line) => line.event.event === "ready")), 15_000, `${name} to be ready`);
    if (ready === "exited") throw new Error(`agent ${name} exited with ${partial.exitCode} before it was ready: ${partial.stderr}`);
    const agent: Agent = Object.assign(partial, { tcpPort: ready.event.tcp_port as number, udpPort: ready.event.udp_port as number });
    return agent;
  }
}
