import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseClientOptions, parseRunOptions } from "../../agent/commands/timer-options.ts";
import { usageError } from "../helpers/usage-error.ts";
import { configFileLocation, DEFAULT_AGENT_PORT, DEFAULT_WORKER_URL, resolveAgentSettings, UsageError } from "../../agent/config-file.ts";
import { resolveTeamKey, storeTeamKey } from "../../agent/team-key-source.ts";

const root = mkdtempSync(join(tmpdir(), "groupsync-config-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let fileCount = 0;
/** A config file with this content (an object is written as JSON, a string as is). */
function configFile(content: unknown): string {
  const path = join(root, `agent-${++fileCount}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** An environment whose HOME has no config file, so nothing of the machine's leaks in. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = join(root, `home-${++fileCount}`);
  mkdirSync(home);
  return { HOME: home, ...extra };
}


const TEAM_KEY = "0123456789abcdef";

describe("agent settings: defaults < config file < environment < flags", () => {
  it("uses the built-in defaults when nothing is set and the default file is missing", () => {
    const env = cleanEnv();
    expect(resolveAgentSettings({}, env)).toEqual({
      configFile: null,
      url: DEFAULT_WORKER_URL,
      urlConfigured: false,
      token: null,
      teamKey: null,
      stateDir: join(env.HOME!, ".local", "state", "groupsync"),
      host: null,
      port: DEFAULT_AGENT_PORT,
      udpPort: DEFAULT_AGENT_PORT,
      nodeId: null,
      timer: {},
    });
  });

  it("takes every key from the file", () => {
    const path = configFile({
      url: "https://groupsync.example.workers.dev",
      token: "gs_file",
      team_key: "file-team-key-0123",
      state_dir: "state",
      host: "192.168.1.20",
      port: 7500,
      udp_port: 7501,
      node_id: "ana",
      focus: "50m",
      short: "10m",
      long: "1h",
      every: 3,
    });
    expect(resolveAgentSettings({ config: path }, cleanEnv())).toEqual({
      configFile: path,
      url: "https://groupsync.example.workers.dev",
      urlConfigured: true,
      token: "gs_file",
      teamKey: "file-team-key-0123",
      stateDir: join(root, "state"),
      host: "192.168.1.20",
      port: 7500,
      udpPort: 7501,
      nodeId: "ana",
      timer: { focusMs: 50 * 60_000, shortBreakMs: 10 * 60_000, longBreakMs: 60 * 60_000, longBreakEvery: 3 },
    });
  });

  it("lets the environment override the file, and flags override both", () => {
    const path = configFile({ url: "http://file.example:1", token: "gs_file", team_key: "file-team-key-0123", state_dir: "~/gs", port: 7500, node_id: "from-file", focus: "50m" });
    const env = cleanEnv({
      GROUPSYNC_URL: "http://env.example:2",
      GROUPSYNC_TOKEN: "gs_env",
      GROUPSYNC_TEAM_KEY: "env-team-key-01234",
      GROUPSYNC_STATE_DIR: "/var/env-state",
      GROUPSYNC_AGENT_PORT: "7600",
      GROUPSYNC_NODE_ID: "from-env",
    });
    const fromEnv = resolveAgentSettings({ config: path }, env);
    expect(fromEnv).toMatchObject({ url: "http://env.example:2", token: "gs_env", teamKey: "env-team-key-01234", stateDir: "/var/env-state", port: 7600, udpPort: 7600, nodeId: "from-env", timer: { focusMs: 50 * 60_000 } });
    const fromFlags = resolveAgentSettings({ config: path, port: "7700", udpPort: "7701", nodeId: "from-flag", focus: "5m", host: "10.0.0.9" }, env);
    expect(fromFlags).toMatchObject({ port: 7700, udpPort: 7701, nodeId: "from-flag", host: "10.0.0.9", timer: { focusMs: 5 * 60_000 } });
    // Without the variables, the file's values show through, and ~/ is the home directory.
    expect(resolveAgentSettings({ config: path }, cleanEnv({ HOME: "/home/ana" }))).toMatchObject({ url: "http://file.example:1", token: "gs_file", stateDir: "/home/ana/gs", port: 7500, nodeId: "from-file" });
  });

  it("counts an empty variable as unset", () => {
    const path = configFile({ token: "gs_file", port: 7500 });
    expect(resolveAgentSettings({ config: path }, cleanEnv({ GROUPSYNC_TOKEN: "", GROUPSYNC_AGENT_PORT: "", GROUPSYNC_URL: "" }))).toMatchObject({ token: "gs_file", port: 7500, url: DEFAULT_WORKER_URL });
  });

  it("finds the file through --config, then GROUPSYNC_CONFIG, then XDG_CONFIG_HOME, then ~/.config", () => {
    const flagFile = configFile({ port: 1001 });
    const envFile = configFile({ port: 1002 });
    const xdg = join(root, "xdg");
    mkdirSync(join(xdg, "groupsync"), { recursive: true });
    writeFileSync(join(xdg, "groupsync", "agent.json"), JSON.stringify({ port: 1003 }));
    const home = join(root, "home-with-config");
    mkdirSync(join(home, ".config", "groupsync"), { recursive: true });
    writeFileSync(join(home, ".config", "groupsync", "agent.json"), JSON.stringify({ port: 1004 }));

    const env = { HOME: home, XDG_CONFIG_HOME: xdg, GROUPSYNC_CONFIG: envFile };
    expect(resolveAgentSettings({ config: flagFile }, env).port).toBe(1001);
    expect(resolveAgentSettings({}, env).port).toBe(1002);
    expect(resolveAgentSettings({}, { HOME: home, XDG_CONFIG_HOME: xdg }).port).toBe(1003);
    expect(resolveAgentSettings({}, { HOME: home }).port).toBe(1004);
    expect(resolveAgentSettings({}, { HOME: home }).configFile).toBe(join(home, ".config", "groupsync", "agent.json"));
    // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    expect(configFileLocation(undefined, { HOME: home, XDG_CONFIG_HOME: "relative" }).path).toBe(join(home, ".config", "groupsync", "agent.json"));
  });

  it("feeds start, join, status and the timer commands", () => {
    const path = configFile({ team_key: "file-team-key-0123", port: 7500, focus: "45m", every: 2, node_id: "ana" });
    const env = cleanEnv();
    expect(parseRunOptions("start", ["--config", path], env)).toMatchObject({ teamKey: "file-team-key-0123", tcpPort: 7500, udpPort: 7500, nodeId: "ana", settings: { focusMs: 45 * 60_000, longBreakEvery: 2 } });
    expect(parseRunOptions("join", ["10.0.0.2:7420", "--config", path, "--port", "7800"], env)).toMatchObject({ tcpPort: 7800, udpPort: 7800, target: { host: "10.0.0.2", port: 7420 } });
    expect(parseClientOptions(["--config", path], env)).toMatchObject({ teamKey: "file-team-key-0123", peer: { host: "127.0.0.1", port: 7500 } });
    expect(parseClientOptions([], { ...env, GROUPSYNC_CONFIG: path, GROUPSYNC_TEAM_KEY: TEAM_KEY })).toMatchObject({ teamKey: TEAM_KEY, peer: { port: 7500 } });
  });
});

describe("agent settings: errors name the file and the key", () => {
  it("refuses a missing file only when it was named", () => {
    const missing = join(root, "nowhere.json");
    expect(usageError(() => resolveAgentSettings({ config: missing }, cleanEnv()))).toBe(`config file ${missing} (named by --config) does not exist`);
    expect(usageError(() => resolveAgentSettings({}, cleanEnv({ GROUPSYNC_CONFIG: missing })))).toBe(`config file ${missing} (named by GROUPSYNC_CONFIG) does not exist`);
    expect(usageError(() => resolveAgentSettings({ config: root }, cleanEnv()))).toBe(`config file ${root}: cannot be read (EISDIR)`);
  });

  it("refuses invalid JSON and anything but an object", () => {
    const broken = configFile('{"focus": "25m",}');
    expect(usageError(() => resolveAgentSettings({ config: broken }, cleanEnv()))).toMatch(new RegExp(`^config file ${broken}: not valid JSON: `));
    const list = configFile([1, 2]);
    expect(usageError(() => resolveAgentSettings({ config: list }, cleanEnv()))).toBe(`config file ${list}: must hold one JSON object, e.g. {"focus": "25m"}`);
  });

  it("refuses unknown keys and wrong types or values, naming the key", () => {
    const cases: [unknown, string][] = [
      [{ fokus: "25m" }, 'unknown key "fokus" (known keys: url, token, team_key, state_dir, host, port, udp_port, node_id, focus, short, long, every)'],
      [{ focus: 25 }, 'focus: must be a duration in quotes, e.g. "25m"'],
      [{ short: "lots" }, 'short: "lots" is not a duration; write it like 25m, 1h30m, 90s or 500ms'],
      [{ long: "0s" }, "long: must be more than 0 and at most 24h, got '0s'"],
      [{ port: "7420" }, "port: must be a whole number from 0 to 65535"],
      [{ udp_port: 70000 }, "udp_port: must be a whole number from 0 to 65535"],
      [{ every: 2.5 }, "every: must be a whole number from 1 to 100"],
      [{ url: "ftp://files.example" }, "url: 'ftp://files.example' is not an http or https URL"],
      [{ team_key: "short" }, "team_key: must be at least 16 characters"],
      [{ team_key: " ".repeat(16) }, "team_key: is only whitespace"],
      [{ team_key: "a".repeat(32) }, "team_key: is too easy to guess (only 1 different characters); use a random one, e.g. openssl rand -base64 32"],
      [{ token: "" }, "token: must not be empty (leave the key out instead)"],
      [{ node_id: "two words" }, "node_id: 'two words' is not a node id (letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit)"],
      [{ host: "not a host!" }, "host: 'not a host!' is not a host name or IP address"],
    ];
    for (const [content, problem] of cases) {
      const path = configFile(content);
      expect(usageError(() => resolveAgentSettings({}, cleanEnv({ GROUPSYNC_CONFIG: path })))).toBe(`config file ${path}: ${problem}`);
    }
  });

  it("names the variable or flag when that is what is wrong", () => {
    expect(usageError(() => resolveAgentSettings({}, cleanEnv({ GROUPSYNC_URL: "localhost:8787" })))).toBe("GROUPSYNC_URL: 'localhost:8787' is not an http or https URL");
    expect(usageError(() => resolveAgentSettings({}, cleanEnv({ GROUPSYNC_AGENT_PORT: "x" })))).toBe("GROUPSYNC_AGENT_PORT must be a port number from 0 to 65535, got 'x'");
    expect(usageError(() => resolveAgentSettings({ focus: "1y" }, cleanEnv()))).toMatch(/^--focus: /);
    expect(usageError(() => resolveAgentSettings({ config: "" }, cleanEnv()))).toBe("--config needs a path");
    // A flag does not excuse a broken file: the file is checked whole.
    const path = configFile({ focus: "lots" });
    expect(usageError(() => resolveAgentSettings({ config: path, focus: "25m" }, cleanEnv()))).toMatch(/focus: "lots" is not a duration/);
  });

  it("checks a team key set in the variable where the timer reads it", () => {
    expect(usageError(() => parseClientOptions([], cleanEnv({ GROUPSYNC_TEAM_KEY: "short" })))).toMatch(/^GROUPSYNC_TEAM_KEY is too short \(5 characters\)/);
  });

  it("refuses team keys that are long enough but obviously weak", () => {
    for (const [weak, why] of [
      [" ".repeat(16), "is only whitespace"],
      ["a".repeat(16), "is too easy to guess (only 1 different characters)"],
      ["abababababababab", "is too easy to guess (only 2 different characters)"],
      ["1234567123456712", "is too easy to guess (only 7 different characters)"],
    ] as const) {
      expect(usageError(() => parseClientOptions([], cleanEnv({ GROUPSYNC_TEAM_KEY: weak }))), JSON.stringify(weak)).toMatch(new RegExp(`^GROUPSYNC_TEAM_KEY ${why.replace(/[()]/g, "\\$&")}`));
    }
    expect(parseClientOptions([], cleanEnv({ GROUPSYNC_TEAM_KEY: "12345678-team-key" })).teamKey).toBe("12345678-team-key");
  });
});

describe("the team key: explicit, else the state directory's key file, which start creates", () => {
  const stateDirOf = (env: NodeJS.ProcessEnv) => resolveAgentSettings({}, env).stateDir;

  it("start makes a random 32-byte key in $XDG_STATE_HOME/groupsync/team-key, 0600 in a 0700 directory, which every later command finds", async () => {
    const env = cleanEnv({ XDG_STATE_HOME: join(root, `xdg-${++fileCount}`) });
    const stateDir = stateDirOf(env);
    expect(stateDir).toBe(join(env.XDG_STATE_HOME!, "groupsync"));
    await expect(resolveTeamKey({ explicit: null, stateDir, create: false })).rejects.toThrow(/^no team key: none is set .* run `groupsync-agent start` on this machine first, or join with the invite/);
    const created = await resolveTeamKey({ explicit: null, stateDir, create: true });
    expect(created).toMatchObject({ origin: "created", file: join(stateDir, "team-key") });
    expect(Buffer.from(created.key, "base64url")).toHaveLength(32);
    expect(statSync(created.file!).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(stateDir)).toEqual(["team-key"]);
    // The next start, a join, a status: all read the same key, none makes another.
    expect(await resolveTeamKey({ explicit: null, stateDir, create: true })).toEqual({ key: created.key, origin: "file", file: created.file });
    expect((await resolveTeamKey({ explicit: null, stateDir, create: false })).key).toBe(created.key);
    // A key set explicitly wins over the file; a worker with a token comes before the file, and
    // failing to reach it is an error, not a quiet fall back to this machine's own key.
    expect(await resolveTeamKey({ explicit: TEAM_KEY, stateDir, create: true })).toEqual({ key: TEAM_KEY, origin: "setting", file: null });
    expect((await resolveTeamKey({ explicit: null, stateDir, create: true, worker: null })).origin).toBe("file");
    expect((await resolveTeamKey({ explicit: null, stateDir, create: true, worker: { url: "http://127.0.0.1:1", token: null } })).origin).toBe("file");
    const unreachable = await resolveTeamKey({ explicit: null, stateDir, create: true, worker: { url: "http://127.0.0.1:1", token: "gs_x" } }).catch((error: Error) => error);
    expect(unreachable).toBeInstanceOf(UsageError);
    expect((unreachable as Error).message).toMatch(/^no team key: GROUPSYNC_TEAM_KEY is not set and /);
  });

  it("refuses a key file others may read, like ssh, and a weak key in the file, in one line", async () => {
    const stateDir = join(root, `state-${++fileCount}`);
    const { file } = await resolveTeamKey({ explicit: null, stateDir, create: true });
    chmodSync(file!, 0o644);
    const why = (await resolveTeamKey({ explicit: null, stateDir, create: false }).catch((error: Error) => error)) as Error;
    expect(why).toBeInstanceOf(UsageError);
    expect(why.message).toBe(`team key file ${file} may be read by others (mode 0644); run chmod 600 ${file}, or delete it to make a new key`);
    // start does not paper over it with a new key either.
    await expect(resolveTeamKey({ explicit: null, stateDir, create: true })).rejects.toThrow(/may be read by others/);
    chmodSync(file!, 0o600);
    writeFileSync(file!, "aaaaaaaaaaaaaaaaaaaa\n");
    await expect(resolveTeamKey({ explicit: null, stateDir, create: false })).rejects.toThrow(`team key file ${file}: the key is too easy to guess (only 1 different characters)`);
  });

  it("keeps an invite's key in the file, replacing the old one atomically", async () => {
    const stateDir = join(root, `state-${++fileCount}`);
    expect(storeTeamKey(stateDir, "invited-team-key-0123")).toBe(true);
    expect(storeTeamKey(stateDir, "invited-team-key-0123")).toBe(false);
    expect(await resolveTeamKey({ explicit: null, stateDir, create: false })).toMatchObject({ key: "invited-team-key-0123", origin: "file" });
    expect(storeTeamKey(stateDir, "another-team-key-4567")).toBe(true);
    expect(readFileSync(join(stateDir, "team-key"), "utf8")).toBe("another-team-key-4567\n");
    expect(statSync(join(stateDir, "team-key")).mode & 0o777).toBe(0o600);
    expect(readdirSync(stateDir)).toEqual(["team-key"]);
  });
});
