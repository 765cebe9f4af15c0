import { describe, expect, it } from "vitest";
import { DEFAULT_AGENT_PORT, parseClientOptions, parsePhaseDuration, parseRunOptions } from "../../agent/commands/timer-options.ts";
import { usageError } from "../helpers/usage-error.ts";

const env = { GROUPSYNC_TEAM_KEY: "0123456789abcdef" };


describe("timer command options", () => {
  it("reads durations, ports and ids from flags, then the environment, then defaults", () => {
    const options = parseRunOptions("start", ["--focus", "50m", "--short", "90s", "--long", "1h30m", "--every", "3", "--port", "0", "--node-id", "me"], env);
    expect(options).toMatchObject({
      nodeId: "me",
      tcpPort: 0,
      udpPort: 0,
      host: null,
      target: null,
      settings: { focusMs: 50 * 60_000, shortBreakMs: 90_000, longBreakMs: 90 * 60_000, longBreakEvery: 3 },
    });
    const fromEnv = parseRunOptions("join", ["10.0.0.2:7420"], { ...env, GROUPSYNC_AGENT_PORT: "7500", GROUPSYNC_NODE_ID: "envy" });
    expect(fromEnv).toMatchObject({ nodeId: "envy", tcpPort: 7500, udpPort: 7500, target: { host: "10.0.0.2", port: 7420 }, settings: {} });
    expect(parseRunOptions("start", ["--port", "7600", "--udp-port", "7601"], env)).toMatchObject({ tcpPort: 7600, udpPort: 7601 });
    // The address the invite carries: --host, or its other name --advertise.
    expect(parseRunOptions("start", ["--advertise", "192.168.1.20"], env).host).toBe("192.168.1.20");
    expect(usageError(() => parseRunOptions("start", ["--advertise", "10.0.0.1", "--host", "10.0.0.2"], env))).toBe("--advertise is another name for --host; got both, '10.0.0.1' and '10.0.0.2'");
    expect(parseRunOptions("start", [], env).nodeId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{6}$/);
    expect(parseClientOptions([], env).peer).toEqual({ host: "127.0.0.1", port: DEFAULT_AGENT_PORT });
    expect(parseClientOptions(["--peer", "10.1.1.1:9000", "--json"], env)).toMatchObject({ peer: { host: "10.1.1.1", port: 9000 }, json: true });
  });

  it("names what is wrong", () => {
    expect(usageError(() => parsePhaseDuration("--focus", "lots"))).toBe('--focus: "lots" is not a duration; write it like 25m, 1h30m, 90s or 500ms');
    expect(usageError(() => parsePhaseDuration("set", "0s"))).toBe("set must be more than 0 and at most 24h, got '0s'");
    // No key set is not an error here: start makes one in the state directory (team-key-source.ts).
    expect(parseRunOptions("start", [], { HOME: "/nonexistent" })).toMatchObject({ teamKey: null, stateDir: "/nonexistent/.local/state/groupsync" });
    expect(usageError(() => parseRunOptions("start", [], { GROUPSYNC_TEAM_KEY: "tiny" }))).toMatch(/^GROUPSYNC_TEAM_KEY is too short \(4 characters\)/);
    expect(usageError(() => parseRunOptions("start", ["--udp-port", "-1"], env))).toMatch(/--udp-port/);
    expect(usageError(() => parseRunOptions("start", ["--every", "2.5"], env))).toBe("--every must be a whole number from 1 to 100, got '2.5'");
    expect(usageError(() => parseRunOptions("start", ["--verbose"], env))).toBe("Unknown option '--verbose'");
    expect(usageError(() => parseRunOptions("join", [], env))).toMatch(/^join needs the address of a member/);
    expect(usageError(() => parseRunOptions("start", ["--invite", "gsi_x"], env))).toBe("--invite is for join (start prints the invite)");
    expect(usageError(() => parseRunOptions("join", ["--new-session", "127.0.0.1:7420"], env))).toBe("--new-session is for start");
    expect(usageError(() => parseRunOptions("join", ["--goal", "g1", "127.0.0.1:7420"], env))).toBe("--goal is for start (a member joining takes the session's goal)");
    expect(usageError(() => parseRunOptions("start", ["--goal", "../etc"], env))).toMatch(/^--goal: '\.\.\/etc' is not a goal id/);
    expect(usageError(() => parseRunOptions("start", ["--goal", "x".repeat(129)], env))).toMatch(/^--goal: 'x+' is not a goal id/);
    expect(parseRunOptions("start", ["--goal", "launch-v2"], env).goal).toBe("launch-v2");
    expect(parseRunOptions("start", [], env).goal).toBeNull();
    // --goal is checked against the worker the agent would report to: the default URL when none is set (as stats reaches it).
    expect(parseRunOptions("start", ["--goal", "g"], { ...env, GROUPSYNC_URL: "" }).goalWorker).toEqual({ url: "http://127.0.0.1:8787", token: null });
    expect(parseRunOptions("start", ["--goal", "g", "--no-worker"], { ...env, GROUPSYNC_URL: "http://w.example:1" }).goalWorker).toBeNull();
    expect(usageError(() => parseRunOptions("join", ["--invite", "gsi_AAAA", "127.0.0.1:7420"], env))).toMatch(/^join takes an address or --invite, not both/);
    expect(usageError(() => parseRunOptions("join", ["--invite", "hello"], env))).toBe("--invite: 'hello' is not an invite (an invite starts with gsi_)");
    expect(usageError(() => parseClientOptions(["--peer", "somewhere"], env))).toBe("--peer: 'somewhere' is not host:port (e.g. 127.0.0.1:7420)");
  });
});
