import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { freePort } from "../../dev/ports.ts";
import { AgentCluster, newTeamKey, waitUntil } from "../helpers/agents.ts";
import { stopAll } from "../helpers/processes.ts";
import { startWorkerStack } from "../helpers/stack.ts";
import { descendantsOf, isAlive } from "../../dev/process-tree.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** util-linux `script` runs a command under a pseudo-terminal, with no native dependency of ours. */
const HAS_SCRIPT = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;

const dir = mkdtempSync(join(tmpdir(), "groupsync-menu-test-"));
const started: ChildProcess[] = [];
const seenPids = new Set<number>();

afterAll(() => {
  // Whatever a failed test left behind, by PID.
  for (const child of started) if (child.pid !== undefined) seenPids.add(child.pid);
  for (const pid of seenPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone, as it should be.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function env(configPath: string): NodeJS.ProcessEnv {
  return { ...process.env, GROUPSYNC_CONFIG: configPath, GROUPSYNC_TEAM_KEY: newTeamKey(), GROUPSYNC_STATE_DIR: join(dir, "state"), GROUPSYNC_AGENT_PORT: "", GROUPSYNC_NODE_ID: "" };
}

/** The menu on a pseudo-terminal (util-linux `script`), keys typed one by one into its stdin as a user would. */
function openMenu(menuEnv: NodeJS.ProcessEnv) {
  const child = spawn("script", ["-qfec", `${process.execPath} agent/cli.ts`, "/dev/null"], { cwd: ROOT, env: menuEnv, stdio: ["pipe", "pipe", "pipe"] });
  started.push(child);
  let screen = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (screen += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (screen += text));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    screen: () => screen,
    /** Everything shown from now on, to wait for news rather than what an earlier screen said. */
    mark: () => screen.length,
    since: (mark: number) => screen.slice(mark),
    async type(text: string): Promise<void> {
      for (const char of text) {
        child.stdin!.write(char);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    },
    waitFor(match: RegExp | string, what: string, from = 0, timeoutMs = 15_000): Promise<unknown> {
      const seen = () => (typeof match === "string" ? screen.slice(from).includes(match) : match.test(screen.slice(from)));
      return waitUntil(seen, timeoutMs, `${what}; screen so far: ${JSON.stringify(screen.slice(-600))}`);
    },
  };
}

/** Every countdown the screen showed for `phase`, in order of appearance, without repeats. */
function countdowns(screen: string, phase: string): string[] {
  const shown = [...screen.matchAll(new RegExp(`${phase} {2}(\\d+m\\d\\ds) left`, "g"))].map((match) => match[1]!);
  return shown.filter((value, i) => value !== shown[i - 1]);
}

describe("groupsync-agent without arguments", () => {
  it("prints the help and exits 0 when not on a terminal, and the menu command says it needs one", () => {
    const bare = spawnSync(process.execPath, ["agent/cli.ts"], { cwd: ROOT, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
    expect(bare.status).toBe(0);
    expect(bare.stdout).toContain("Usage: groupsync-agent <command>");
    expect(bare.stdout).toContain("Config file (JSON; optional)");
    const menu = spawnSync(process.execPath, ["agent/cli.ts", "menu"], { cwd: ROOT, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
    expect(menu.status).toBe(2);
    expect(menu.stderr).toMatch(/^groupsync-agent: the menu needs a terminal/);
  });

  it.skipIf(!HAS_SCRIPT)("on a terminal: starts a session from the menu, counts down, rings at the phase change, quits leaving nothing", async () => {
    const config = join(dir, "agent.json");
    // Port 0: any free port, so the test never meets another agent; a 3 s focus to see the phase change.
    writeFileSync(config, JSON.stringify({ port: 0, focus: "3s", short: "1m", node_id: "menu-test" }));
    const menuEnv = env(config);
    const menu = openMenu(menuEnv);
    const child = menu.child;
    const exited = menu.exited;
    let screen = "";
    child.stdout!.on("data", () => (screen = menu.screen()));
    await waitUntil(() => screen.includes("1 start (a session") && screen.includes("not in a session"), 20_000, "the menu");
    child.stdin!.write("1");
    await waitUntil(() => countdowns(screen, "FOCUS").length >= 2, 15_000, `a focus countdown that changes; screen so far: ${JSON.stringify(screen.slice(-400))}`);
    const focus = countdowns(screen, "FOCUS");
    // It counts down: later values are smaller (strings of one width compare like the durations).
    expect(focus.length).toBeGreaterThanOrEqual(2);
    expect(focus.every((value) => /^0m0[0-3]s$/.test(value))).toBe(true);
    expect(focus.at(-1)! < focus[0]!).toBe(true);

    // The agent the menu started is a real one: the CLI's status command reaches it on its port.
    // start advertises this machine's network address (for invites); the control port is on every interface.
    const port = Number(/menu-test at [0-9a-f.:[\]]+?:(\d+)\//.exec(screen)?.[1]);
    expect(port).toBeGreaterThan(0);
    for (const pid of descendantsOf(child.pid!)) seenPids.add(pid);
    const status = spawnSync(process.execPath, ["agent/cli.ts", "status", "--json", "--peer", `127.0.0.1:${port}`], { cwd: ROOT, encoding: "utf8", env: menuEnv });
    expect(status.stderr).toBe("");
    expect(JSON.parse(status.stdout)).toMatchObject({ node_id: "menu-test", role: "master", settings: { focus_ms: 3000, short_break_ms: 60_000 } });

    await waitUntil(() => screen.includes("SHORT BREAK"), 10_000, "the short break after a 3 s focus");
    const bellsBeforeBreak = screen.slice(0, screen.indexOf("SHORT BREAK")).split("\x07").length - 1;
    // One bell when the session started (idle -> focus), one when focus ended.
    expect(bellsBeforeBreak).toBe(2);
    await waitUntil(() => countdowns(screen, "SHORT BREAK").length >= 2, 5000, "the break counting down");
    expect(countdowns(screen, "SHORT BREAK")[0]).toMatch(/^(1m00s|0m59s|0m58s)$/);

    child.stdin!.write("q");
    expect(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000))])).toBe(0);
    // The screen was handed back: the alternate screen left, the cursor shown again.
    expect(screen.lastIndexOf("\x1b[?25h\x1b[?1049l")).toBeGreaterThan(screen.lastIndexOf("SHORT BREAK"));
    await waitUntil(() => [...seenPids].every((pid) => !isAlive(pid)), 5000, "every process of the menu to be gone");
  });
});

describe.skipIf(!HAS_SCRIPT)("the original README's menu flows, typed on a terminal", () => {
  let worker: RunningWorker;
  const cluster = new AgentCluster();

  beforeAll(async () => {
    ({ worker } = await startWorkerStack({ vars: { GROUPSYNC_ENV: "development", GROUPSYNC_OPEN_TEAM: "menu" } }));
  });

  afterAll(async () => {
    await cluster.stopAll();
    await stopAll();
  });

  function workerEnv(): NodeJS.ProcessEnv {
    const config = join(dir, `worker-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(config, JSON.stringify({ port: 0 }));
    return { ...env(config), GROUPSYNC_URL: worker.url, GROUPSYNC_TOKEN: "", GROUPSYNC_STATE_DIR: join(dir, `state-${Math.random().toString(36).slice(2)}`) };
  }

  it("4 (begin) -> 1 (add a calendar event) -> 3 (commit), a bad date asked again, show by title, a conflict named by title", async () => {
    const menu = openMenu(workerEnv());
    await menu.waitFor("4 begin a transaction", "the menu", 0, 20_000);
    await menu.type("4");
    await menu.waitFor(/transaction tx_\S+: open/, "the transaction begun by 4");
    await menu.type("1");
    await menu.waitFor("> title: _", "the event's title asked");
    await menu.type("Meeting\r2024-12-2");
    // Checked as it is typed...
    await menu.waitFor("(not yet: '2024-12-2' must be an ISO 8601 date-time", "the date checked while typed");
    // ...and a wrong one is asked again, the title kept.
    let mark = menu.mark();
    await menu.type("9T25:00\r");
    // (The screen folds the line at 80 columns.)
    await menu.waitFor(/! starts at: '2024-12-29T25:00' has a time of day that does not exist;\s*(?:\x1b\[K\r*\n\s*)?correct it/, "the bad time refused", mark);
    expect(menu.since(mark)).toContain("    title: Meeting");
    await menu.type("\x7f".repeat(7) + "0T14:00:00\r\r");
    await menu.waitFor(/1\. calendar\.create \S+ "Meeting"/, "the event added to the transaction");
    mark = menu.mark();
    await menu.type("3");
    await menu.waitFor(/transaction tx_\S+: committed/, "the commit", mark);
    const events = (await (await fetch(`${worker.url}/events?from=2024-12-20T00:00:00Z&limit=10`)).json()) as { events: Array<{ title: string; starts_at: string }> };
    expect(events.events.map((event) => [event.title, event.starts_at])).toContainEqual(["Meeting", "2024-12-20T14:00:00.000Z"]);

    // The original's demo 1: the same slot again is refused, and the event in the way named.
    await menu.type("0");
    mark = menu.mark();
    await menu.type("4");
    await menu.waitFor(/transaction tx_\S+: open/, "a second transaction", mark);
    await menu.type("1Conflict\r2024-12-20T14:00:00\r\r");
    // (The screen folds the message at 80 columns: the two parts are on different lines.)
    await menu.waitFor(/! time_slot_taken: the slot overlaps [\s\S]*in the way: "Meeting"/, "the conflict, by title", mark);
    await menu.type("5");
    await menu.waitFor(/: aborted \(time_slot_taken\)/, "show: the transaction aborted", mark);
    await menu.type("q");
    expect(await Promise.race([menu.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000))])).toBe(0);
  });

  it("3 (join) -> localhost joins the agent on the default port; 1 restarts the timer once 2 stopped it", async () => {
    const port = await freePort();
    const shared = { GROUPSYNC_AGENT_PORT: String(port), GROUPSYNC_TEAM_KEY: cluster.teamKey };
    await cluster.spawn("first", ["start", "--port", String(port), "--udp-port", String(port), "--node-id", "first"], { asTyped: true, env: shared });
    const config = join(dir, "join-menu.json");
    writeFileSync(config, JSON.stringify({ node_id: "menu-joiner" }));
    const menu = openMenu({ ...env(config), ...shared });
    await menu.waitFor("3 join a session", "the menu", 0, 20_000);
    await menu.type("3localhost\r");
    await menu.waitFor("joined the session; master is first", "joined through localhost");
    let mark = menu.mark();
    await menu.type("1");
    await menu.waitFor("the timer is already running (2 stops it; l leaves the session)", "1 while the timer runs", mark);
    await menu.type("2");
    await menu.waitFor("IDLE  the timer is stopped", "stopped", mark);
    mark = menu.mark();
    await menu.type("1");
    await menu.waitFor("start: applied by the master", "1 restarting the stopped timer", mark);
    await menu.waitFor(/FOCUS {2}\d+m\d\ds left/, "the focus counting down again", mark);
    await menu.type("q");
    expect(await Promise.race([menu.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000))])).toBe(0);
  });
});
