import { execFile, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { GROUPSYNC_VERSION } from "../../shared/version.ts";
import { stopAll, tempDir } from "../helpers/processes.ts";
import { startWorkerStack } from "../helpers/stack.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The agent as a user runs it from a checkout: `npx groupsync-agent`, which resolves package.json's bin. */
function agent(...args: string[]) {
  const result = spawnSync("npx", ["--no-install", "groupsync-agent", ...args], { cwd: ROOT, encoding: "utf8" });
  // npm itself may warn about the machine's npmrc on stderr; only the agent's lines matter.
  const stderr = result.stderr.split("\n").filter((line) => !line.startsWith("npm warn")).join("\n");
  return { code: result.status, stdout: result.stdout, stderr };
}

describe("groupsync-agent", () => {
  it("runs as a bin and prints its version and help", () => {
    expect(agent("--version")).toEqual({ code: 0, stdout: `${GROUPSYNC_VERSION}\n`, stderr: "" });
    const help = agent("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: groupsync-agent <command>");
  });

  // A machine's own Node may be older than the project's (Debian 12 has 20): the bin, called by
  // its path, re-runs itself on the Node 24 that `npm install` provides, and npm scripts started
  // by hand with that Node say in one line what to do instead of failing on a .ts import.
  const systemNode = "/usr/bin/node";
  const systemNodeIsOld = spawnSync(systemNode, ["-e", "const [a, b] = process.versions.node.split('.').map(Number); process.exit(a < 22 || (a === 22 && b < 12) ? 0 : 1)"]).status === 0;
  it.skipIf(!systemNodeIsOld)("runs on the provided Node when an older Node starts it", () => {
    const run = spawnSync(systemNode, ["agent/bin.mjs", "frobnicate"], { cwd: ROOT, encoding: "utf8" });
    expect({ code: run.status, stderr: run.stderr }).toEqual({ code: 2, stderr: "groupsync-agent: unknown command 'frobnicate'; see groupsync-agent --help\n" });
    const script = spawnSync(systemNode, ["--import", "./dev/require-node.mjs", "dev/run.ts"], { cwd: ROOT, encoding: "utf8" });
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^groupsync: needs Node >= 22\.12, but this is Node v\d+\.\d+\.\d+ \(\/usr\/bin\/node\)\. Run it through npm/);
  });

  it("answers an unknown command with one clear error line and exit code 2", () => {
    expect(agent("frobnicate")).toEqual({ code: 2, stdout: "", stderr: "groupsync-agent: unknown command 'frobnicate'; see groupsync-agent --help\n" });
  });
});

describe("groupsync-agent tx, against the real worker", () => {
  let worker: RunningWorker;
  let stateDir: string;

  beforeAll(async () => {
    ({ worker } = await startWorkerStack({ vars: { GROUPSYNC_ENV: "development", GROUPSYNC_OPEN_TEAM: "cli" } }));
    stateDir = tempDir("groupsync-state-");
  });

  afterAll(stopAll);

  /** The agent as a process, pointed at the test worker. */
  async function tx(...args: string[]) {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ["agent/cli.ts", "tx", ...args], {
        cwd: ROOT,
        env: { ...process.env, GROUPSYNC_URL: worker.url, GROUPSYNC_STATE_DIR: stateDir, GROUPSYNC_TOKEN: "" },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it("begins, adds an event and a goal change, commits and shows the outcome", async () => {
    await fetch(`${worker.url}/goals`, { method: "POST", body: JSON.stringify({ id: "cli-goal", title: "CLI goal" }) });
    const begun = await tx("begin");
    expect(begun.code).toBe(0);
    expect(begun.stdout).toMatch(/^transaction tx_\S+: open/);
    expect((await tx("add-event", "--id", "cli-event", "--title", "Planning", "--start", "2026-12-01T14:00:00Z")).code).toBe(0);
    const added = await tx("update-goal", "cli-goal", "--progress", "60");
    expect(added.stdout).toContain("2. goal.update cli-goal");
    const committed = await tx("commit", "--json");
    expect(JSON.parse(committed.stdout)).toMatchObject({ state: "committed", outcome: { result: "committed" } });
    expect((await tx("show")).stdout).toMatch(/: committed/);
    expect(((await (await fetch(`${worker.url}/goals/cli-goal`)).json()) as { progress: number }).progress).toBe(60);
    expect((await fetch(`${worker.url}/events/cli-event`)).status).toBe(200);
  });

  it("refuses to add to a transaction it already committed, in one clear line, and writes nothing", async () => {
    expect((await tx("begin")).code).toBe(0);
    expect((await tx("add-event", "--id", "cli-first", "--title", "First", "--start", "2026-12-03T10:00:00Z")).code).toBe(0);
    expect((await tx("commit")).stdout).toMatch(/: committed/);
    const late = await tx("add-event", "--id", "cli-late", "--title", "Late", "--start", "2026-12-03T12:00:00Z");
    expect(late.code).toBe(1);
    expect(late.stdout).toBe("");
    expect(late.stderr).toMatch(/^groupsync-agent: tx_not_open: transaction tx_\S+ is already committed and takes no more ops; begin a new transaction\n$/);
    // show names each op by title, not only by id.
    expect((await tx("show")).stdout).toMatch(/: committed\n {2}1\. calendar\.create cli-first "First"\n$/);
    expect((await fetch(`${worker.url}/events/cli-late`)).status).toBe(404);
  });

  it("says plainly what is wrong: a missing option, a bad number, a conflict, an unreachable worker", async () => {
    await tx("begin");
    expect(await tx("add-event", "--title", "No start")).toMatchObject({ code: 2, stderr: "groupsync-agent: tx add-event needs --start\n" });
    expect(await tx("update-goal", "g", "--progress", "lots")).toMatchObject({ code: 2, stderr: 'groupsync-agent: --progress must be a number, got "lots"\n' });
    expect((await tx("add-event", "--title", "x", "--start", "2026-02-30T10:00:00Z")).stderr).toBe("groupsync-agent: validation_failed: data.starts_at: has day 30, which 2026-02 does not have\n");
    await fetch(`${worker.url}/events`, { method: "POST", body: JSON.stringify({ id: "cli-meeting", title: "Meeting", starts_at: "2026-12-02T10:00:00Z" }) });
    const clash = await tx("add-event", "--title", "Clash", "--start", "2026-12-02T10:30:00Z");
    expect(clash.code).toBe(1);
    // The event in the way is named by its title (and id and times), as people know it.
    expect(clash.stderr).toMatch(/^groupsync-agent: time_slot_taken: .*\(in the way: "Meeting" \(cli-meeting, 2026-12-02T10:00:00\.000Z to 2026-12-02T11:00:00\.000Z\)\)\n$/);
    expect((await tx("show")).stdout).toMatch(/aborted \(time_slot_taken\)/);
    const { stderr } = spawnSync(process.execPath, ["agent/cli.ts", "tx", "show", "--tx", "tx_x"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GROUPSYNC_URL: "http://127.0.0.1:9" } });
    expect(stderr).toMatch(/^groupsync-agent: unreachable: the GroupSync worker at http:\/\/127.0.0.1:9 cannot be reached/);
  });
});
