import { execFile, spawnSync } from "node:child_process";
import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { GROUPSYNC_VERSION } from "../../shared/version.ts";
import { freePort } from "../../dev/ports.ts";
import { AgentCluster, waitUntil, type Agent } from "../helpers/agents.ts";
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

  it("takes a value after a space even when it starts with a dash, and says what is wrong with it as for the = form", () => {
    const run = (...args: string[]) => {
      const result = spawnSync(process.execPath, ["agent/bin.mjs", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GROUPSYNC_TEAM_KEY: "abcdefghijklmnopqrstuvwxyz", GROUPSYNC_CONFIG: "" }, timeout: 15_000 });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const refused = (stderr: string) => ({ code: 2, stdout: "", stderr: `groupsync-agent: ${stderr}\n` });
    const duration = refused('--focus: "-5m" is not a duration; write it like 25m, 1h30m, 90s or 500ms');
    expect(run("start", "--focus", "-5m")).toEqual(duration);
    expect(run("start", "--focus=-5m")).toEqual(duration);
    expect(run("menu", "--focus", "-5m")).toEqual(duration);
    expect(run("start", "--port", "-1")).toEqual(refused("--port must be a port number from 0 to 65535, got '-1'"));
    expect(run("join", "127.0.0.1:1", "--port", "-1")).toEqual(refused("--port must be a port number from 0 to 65535, got '-1'"));
    expect(run("start", "--every", "-1")).toEqual(refused("--every must be a whole number from 1 to 100, got '-1'"));
    expect(run("start", "--node-id", "-x")).toEqual(refused("--node-id: '-x' is not a node id (letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit)"));
    expect(run("status", "--peer", "-1")).toEqual(refused("--peer: '-1' is not host:port (e.g. 127.0.0.1:7420)"));
    expect(run("set", "5m", "--peer", "-1")).toEqual(refused("--peer: '-1' is not host:port (e.g. 127.0.0.1:7420)"));
    expect(run("token", "rotate", "--config", "-x")).toEqual(refused(`config file ${join(ROOT, "-x")} (named by --config) does not exist`));
    expect(run("tx", "show", "--config", "-x")).toEqual(refused(`config file ${join(ROOT, "-x")} (named by --config) does not exist`));
    // Another of the command's options is not taken as the value.
    expect(run("start", "--focus", "--json")).toEqual(refused("--focus needs a value, but the option after it came next"));
  });

  it("echoes bad input with its control, bidi and invisible characters escaped and long values cut, in one line", () => {
    const run = (args: string[], env: Record<string, string> = {}) => {
      const result = spawnSync(process.execPath, ["agent/bin.mjs", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GROUPSYNC_TEAM_KEY: "abcdefghijklmnopqrstuvwxyz", GROUPSYNC_CONFIG: "", ...env }, timeout: 15_000 });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const notAnId = (shown: string, where = "--node-id") =>
      ({ code: 2, stdout: "", stderr: `groupsync-agent: ${where}: '${shown}' is not a node id (letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit)\n` });
    expect(run(["start", "--node-id", "a\u202eb"])).toEqual(notAnId("a\\u202eb"));
    expect(run(["start", "--node-id", "a\x01b"])).toEqual(notAnId("a\\u0001b"));
    expect(run(["start", "--node-id", "a\nb"])).toEqual(notAnId("a\\nb"));
    expect(run(["start", "--node-id", "x".repeat(300)])).toEqual(notAnId(`${"x".repeat(80)}…`));
    expect(run(["start"], { GROUPSYNC_NODE_ID: "\u202eevil" })).toEqual(notAnId("\\u202eevil", "GROUPSYNC_NODE_ID"));
    expect(run(["frob\x1b[2J"])).toEqual({ code: 2, stdout: "", stderr: "groupsync-agent: unknown command 'frob\\u001b[2J'; see groupsync-agent --help\n" });
  });

  it("answers an unknown command with one clear error line and exit code 2", () => {
    expect(agent("frobnicate")).toEqual({ code: 2, stdout: "", stderr: "groupsync-agent: unknown command 'frobnicate'; see groupsync-agent --help\n" });
  });
});

/**
 * A fresh user on a machine: a HOME of their own and nothing set, not even a team key. `port`
 * stands in for the default 7420 (GROUPSYNC_AGENT_PORT), which another test could hold.
 */
function freshUser(port: number): Record<string, string> {
  return {
    HOME: tempDir("groupsync-home-"),
    XDG_STATE_HOME: "",
    XDG_CONFIG_HOME: "",
    GROUPSYNC_CONFIG: "",
    GROUPSYNC_STATE_DIR: "",
    GROUPSYNC_URL: "",
    GROUPSYNC_TOKEN: "",
    GROUPSYNC_NODE_ID: "",
    GROUPSYNC_TEAM_KEY: "",
    GROUPSYNC_AGENT_PORT: String(port),
  };
}

describe("zero config: start in one terminal, join in another, invite another machine", () => {
  const cluster = new AgentCluster();
  afterAll(() => cluster.stopAll());
  let user: Record<string, string>;
  let port: number;
  let master: Agent;

  beforeAll(async () => {
    port = await freePort();
    user = freshUser(port);
  });

  type InviteLine = { invite: string | null; address: string; local: string };
  const invited = (agent: Agent) => cluster.last(agent, "invite")?.event as InviteLine | undefined;
  // The team_key and invite lines follow the ready line that spawn waits for; they may arrive in a later chunk.
  const lineOf = async (agent: Agent, event: string) => (await cluster.waitForLine(agent, (line) => line.event === event, 5000, `the ${event} line`)).event;
  const inviteOf = async (agent: Agent) => (await cluster.waitForLine(agent, (event) => event.event === "invite", 5000, "the invite line")).event as unknown as InviteLine;

  it("start makes the team key (0600 in a 0700 state dir) and prints the invite; join 127.0.0.1:PORT beside it just works", async () => {
    master = await cluster.spawn("start", ["start"], { asTyped: true, env: user });
    const keyFile = join(user.HOME!, ".local", "state", "groupsync", "team-key");
    expect(await lineOf(master, "team_key")).toEqual({ event: "team_key", origin: "created", file: keyFile });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(keyFile, "..")).mode & 0o777).toBe(0o700);
    expect(master.tcpPort).toBe(port);
    const invite = await inviteOf(master);
    expect(invite.local).toBe(`127.0.0.1:${port}`);
    // The invite names an address other machines reach (not loopback), when the machine has one.
    expect(invite.address).not.toMatch(/^127\./);
    expect(invite.invite).toMatch(/^gsi_[A-Za-z0-9_-]+$/);

    // The second terminal: the same user, the same words as the original's README.
    const joiner = await cluster.spawn("join", ["join", `127.0.0.1:${port}`], { asTyped: true, env: user });
    await cluster.waitForLine(joiner, (event) => event.event === "joined", 10_000, "joined");
    // The default port is its neighbour's: it took a free one rather than failing.
    expect(joiner.tcpPort).not.toBe(port);
    // Every other command of this user finds the key too.
    const status = await cluster.cli(["status", "--json"], user);
    expect(status.stderr).toBe("");
    expect(JSON.parse(status.stdout).members).toHaveLength(2);
  });

  it("a second start beside a running session says how to join it; once the timer is stopped, start restarts it", async () => {
    const second = await cluster.cli(["start"], user);
    expect(second).toMatchObject({ code: 1, stdout: "" });
    expect(second.stderr).toMatch(
      new RegExp(`^groupsync-agent: an agent of your team already runs a session on this machine \\(node \\S+, master \\S+\\): join it with \`groupsync-agent join 127\\.0\\.0\\.1:${port}\`, or, to split the team on purpose, start one apart with --new-session --port N\\n$`),
    );
    expect((await cluster.cli(["stop"], user)).code).toBe(0);
    const restarted = await cluster.cli(["start"], user);
    expect(restarted.stderr).toBe("");
    expect(restarted.stdout).toMatch(new RegExp(`^the session's timer was stopped: started it again \\(node \\S+ at 127\\.0\\.0\\.1:${port}; command \\d+, term \\d+\\)\\n$`));
    expect(JSON.parse((await cluster.cli(["status", "--json"], user)).stdout).phase).toBe("focus");
    // --new-session really starts apart (on another port), with the same key.
    const apart = await cluster.spawn("apart", ["start", "--new-session", "--port", "0", "--udp-port", "0", "--host", "127.0.0.1"], { asTyped: true, env: user });
    // On loopback only, there is no invite: start says so instead of printing one that cannot work.
    expect(await inviteOf(apart)).toEqual({ event: "invite", invite: null, address: `127.0.0.1:${apart.tcpPort}`, local: `127.0.0.1:${apart.tcpPort}` });
    const alone = JSON.parse((await cluster.cli(["status", "--json", "--peer", `127.0.0.1:${apart.tcpPort}`], user)).stdout);
    expect(alone).toMatchObject({ role: "master", members: [{ id: alone.node_id }] });
    cluster.signal(apart, "SIGTERM");
    await apart.exit;
  });

  it("start --goal that restarts the stopped timer says when the goal could not be checked, and the status names it", async () => {
    expect((await cluster.cli(["stop"], user)).code).toBe(0);
    // A worker that does not answer (port 1): the goal is taken as given, with a warning, also on this path.
    const restarted = await cluster.cli(["start", "--goal", "g-unchecked"], { ...user, GROUPSYNC_URL: "http://127.0.0.1:1" });
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stderr).toMatch(/^groupsync-agent: warning: --goal 'g-unchecked' is not checked: the GroupSync worker at http:\/\/127\.0\.0\.1:1 .*; starting for it all the same\n$/);
    expect(restarted.stdout).toMatch(/^the session's timer was stopped: started it again for goal g-unchecked \(/);
    expect((await cluster.cli(["status"], user)).stdout).toContain("for goal g-unchecked");
    // The running agent's own lines name the goal too.
    await cluster.waitForLine(master, (event) => event.event === "phase" && (event as { goal?: string }).goal === "g-unchecked", 5000, "a phase line for the goal");
  });

  it("another machine (another user's state dir) joins with the invite alone, keeps the key 0600, and its commands work", async () => {
    const invite = invited(master)!.invite!;
    const elsewhere = freshUser(await freePort());
    const guest = await cluster.spawn("guest", ["join", "--invite", invite], { asTyped: true, env: elsewhere });
    await cluster.waitForLine(guest, (event) => event.event === "joined", 10_000, "joined through the invite");
    const keyFile = join(elsewhere.HOME!, ".local", "state", "groupsync", "team-key");
    expect(await lineOf(guest, "team_key")).toEqual({ event: "team_key", origin: "invite", file: keyFile });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    // It reached the master at the invite's address, and advertises its own address towards it.
    expect(cluster.last(guest, "ready")!.event.address).toMatch(new RegExp(`^${invited(master)!.address.split(":")[0]!.replace(/\./g, "\\.")}:`));
    const status = await cluster.cli(["status", "--json"], elsewhere);
    expect(status.stderr).toBe("");
    expect(JSON.parse(status.stdout).members).toHaveLength(3);
  });

  it("refuses a tampered invite, garbage, and a key file others may read, each in one line", async () => {
    const invite = invited(master)!.invite!;
    const tampered = invite.slice(0, 10) + (invite[10] === "A" ? "B" : "A") + invite.slice(11);
    const env = freshUser(await freePort());
    expect(await cluster.cli(["join", "--invite", tampered], env)).toEqual({
      code: 2,
      stdout: "",
      stderr: "groupsync-agent: --invite: the invite is damaged or cut off (its checksum does not match); copy the whole line again\n",
    });
    expect((await cluster.cli(["join", "--invite", `127.0.0.1:${port}`], env)).stderr).toBe(`groupsync-agent: --invite: '127.0.0.1:${port}' is not an invite (an invite starts with gsi_)\n`);
    // Without a key anywhere, join says where keys come from instead of failing on the wire.
    const keyless = await cluster.cli(["join", `127.0.0.1:${port}`], env);
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/^groupsync-agent: no team key: .* run `groupsync-agent start` on this machine first, or join with the invite/);
    const keyFile = join(user.HOME!, ".local", "state", "groupsync", "team-key");
    chmodSync(keyFile, 0o644);
    try {
      const status = await cluster.cli(["status"], user);
      expect(status).toEqual({ code: 2, stdout: "", stderr: `groupsync-agent: team key file ${keyFile} may be read by others (mode 0644); run chmod 600 ${keyFile}, or delete it to make a new key\n` });
      expect((await cluster.cli(["start", "--new-session", "--port", "0"], user)).stderr).toMatch(/may be read by others \(mode 0644\)/);
    } finally {
      chmodSync(keyFile, 0o600);
    }
  });
});

describe("start after a failover: the joined agent on a free port holds the session", () => {
  const cluster = new AgentCluster();
  afterAll(() => cluster.stopAll());

  it("finds it through the state directory's record of running agents, and neither splits the team nor resets its timer", async () => {
    const port = await freePort();
    const user = freshUser(port);
    const first = await cluster.spawn("first", ["start"], { asTyped: true, env: { ...user, GROUPSYNC_NODE_ID: "first" } });
    const second = await cluster.spawn("second", ["join", `127.0.0.1:${port}`], { asTyped: true, env: { ...user, GROUPSYNC_NODE_ID: "second" } });
    await cluster.waitForLine(second, (event) => event.event === "joined", 10_000, "joined");
    expect(second.tcpPort).not.toBe(port);
    const records = join(user.HOME!, ".local", "state", "groupsync", "agents");
    expect(statSync(records).mode & 0o777).toBe(0o700);
    expect(statSync(join(records, `${second.pid}.json`)).mode & 0o777).toBe(0o600);
    const statusOfSecond = async () => JSON.parse((await cluster.cli(["status", "--json", "--peer", `127.0.0.1:${second.tcpPort}`], user)).stdout) as { role: string; ends_at: number; phase: string };
    cluster.signal(first, "SIGKILL");
    await first.exit;
    const running = await waitUntil(async () => ((await statusOfSecond()).role === "master" ? statusOfSecond() : null), 15_000, "second to take over", 100);

    const again = await cluster.cli(["start"], user);
    expect(again).toMatchObject({ code: 1, stdout: "" });
    expect(again.stderr).toMatch(
      new RegExp(`^groupsync-agent: an agent of your team already runs a session on this machine \\(node second, master second\\): join it with \`groupsync-agent join 127\\.0\\.0\\.1:${second.tcpPort}\`, or, to split the team on purpose, start one apart with --new-session --port N\\n$`),
    );
    // The running timer is the one it had: nothing started a fresh 25 minutes beside it.
    const after = await statusOfSecond();
    expect({ phase: after.phase, ends_at: after.ends_at }).toEqual({ phase: running.phase, ends_at: running.ends_at });
    // The dead agent's record was swept; the live one's stays.
    expect(() => statSync(join(records, `${first.pid}.json`))).toThrow(/ENOENT/);
    expect(statSync(join(records, `${second.pid}.json`)).isFile()).toBe(true);

    // With its timer stopped, start restarts it there, as it does on the agent port.
    expect((await cluster.cli(["stop", "--peer", `127.0.0.1:${second.tcpPort}`], user)).code).toBe(0);
    const restarted = await cluster.cli(["start"], user);
    expect(restarted.stdout).toMatch(new RegExp(`^the session's timer was stopped: started it again \\(node second at 127\\.0\\.0\\.1:${second.tcpPort}; `));
    expect((await statusOfSecond()).phase).toBe("focus");

    // An agent that exits cleanly removes its record.
    cluster.signal(second, "SIGTERM");
    await second.exit;
    expect(() => statSync(join(records, `${second.pid}.json`))).toThrow(/ENOENT/);
  });
});

describe("status against an agent flooded from the CLI's own address", () => {
  const cluster = new AgentCluster();
  afterAll(() => cluster.stopAll());

  it("says the agent dropped it for being crowded with connections that have not signed in, not only that it closed", async () => {
    const flooded = await cluster.start("flooded");
    // 600 idle sockets from 127.0.0.1 that reconnect as soon as they are closed, for 8 s.
    const flood = cluster.script("test/helpers/reconnect-flood-script.ts", [String(flooded.tcpPort), "600", "8000"]);
    const floodEnds = Date.now() + 8000;
    await waitUntil(async () => (await cluster.status(flooded)).drops.crowded > 100, 5000, "the flood to crowd the agent", 50);
    // Whether a given status gets through is a race with the flood: ask until one is pushed out.
    const failures: string[] = [];
    let answered = 0;
    while (failures.length === 0 && Date.now() < floodEnds - 1000) {
      const status = await cluster.cli(["status", "--peer", `127.0.0.1:${flooded.tcpPort}`]);
      if (status.code === 0) answered++;
      else failures.push(status.stderr);
    }
    expect((await flood).code).toBe(0);
    // On a fast machine every status may get through; the message itself is pinned in test/unit/agent-control-client.test.ts.
    if (failures.length === 0) console.log(`status answered ${answered} times through the flood and was never pushed out`);
    for (const stderr of failures) {
      expect(stderr).toBe(
        `groupsync-agent: the agent at 127.0.0.1:${flooded.tcpPort} dropped this connection: it is crowded with connections that have not signed in (many from 127.0.0.1?); retry, or look for what floods it\n`,
      );
    }
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

  it("start does not split the team the worker knows: it says how to join, unless --new-session", async () => {
    const agents = new AgentCluster();
    // Each in a state directory of its own, as on two machines: only the worker knows of the other.
    const linked = { GROUPSYNC_URL: worker.url, GROUPSYNC_TOKEN: "", GROUPSYNC_STATE_DIR: tempDir("groupsync-state-") };
    const elsewhere = { ...linked, GROUPSYNC_STATE_DIR: tempDir("groupsync-state-") };
    try {
      const first = await agents.start("team-a", [], { env: linked });
      await waitUntil(
        async () => ((await (await fetch(`${worker.url}/agents`)).json()) as { agents: Array<{ node_id: string; connected: boolean }> }).agents.some((a) => a.node_id === "team-a" && a.connected),
        15_000,
        "team-a registered with the worker",
        100,
      );
      const second = await agents.cli(["start", "--port", "0", "--udp-port", "0"], elsewhere);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(`^groupsync-agent: your team already has a session \\(at \\S+:${first.tcpPort}/${first.udpPort}, as the worker at ${worker.url.replace(/[.]/g, "\\.")} says\\): join it with \`groupsync-agent join\` \\(or join \\S+:${first.tcpPort}\\), or, to split the team on purpose, start one apart with --new-session\\n$`),
      );
      const apart = await agents.start("team-b", ["--new-session"], { env: linked });
      expect((await agents.status(apart)).members.map((member) => member.id)).toEqual(["team-b"]);
    } finally {
      await agents.stopAll();
    }
  });
});
