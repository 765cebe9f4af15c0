import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { newTeamKey, waitUntil } from "../helpers/agents.ts";
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
    const child = spawn("script", ["-qfec", `${process.execPath} agent/cli.ts`, "/dev/null"], { cwd: ROOT, env: menuEnv, stdio: ["pipe", "pipe", "pipe"] });
    started.push(child);
    let screen = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => (screen += text));
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (screen += text));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    await waitUntil(() => screen.includes("1 start a session") && screen.includes("not in a session"), 20_000, "the menu");
    child.stdin!.write("1");
    await waitUntil(() => countdowns(screen, "FOCUS").length >= 2, 15_000, `a focus countdown that changes; screen so far: ${JSON.stringify(screen.slice(-400))}`);
    const focus = countdowns(screen, "FOCUS");
    // It counts down: later values are smaller (strings of one width compare like the durations).
    expect(focus.length).toBeGreaterThanOrEqual(2);
    expect(focus.every((value) => /^0m0[0-3]s$/.test(value))).toBe(true);
    expect(focus.at(-1)! < focus[0]!).toBe(true);

    // The agent the menu started is a real one: the CLI's status command reaches it on its port.
    const port = Number(/menu-test at 127\.0\.0\.1:(\d+)\//.exec(screen)?.[1]);
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
