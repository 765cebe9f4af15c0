import { describe, expect, it } from "vitest";
import { formatEvent, fromNodeEvent } from "../../agent/agent-events.ts";
import { formatStatus, type AgentStatus } from "../../agent/status-report.ts";

describe("what an agent prints about a merge", () => {
  it("reports a command of the losing side as overridden, naming who gave it and who merged", () => {
    const event = fromNodeEvent({
      type: "command_overridden",
      overridden: {
        entry: { seq: 4, term: 3, stamp: { time: 41, nodeId: "bo" }, command: { kind: "pause" }, outcome: "applied" },
        mergedBy: "ana",
        term: 5,
      },
    });
    expect(event).toEqual({ event: "overridden", command: "pause", by: "bo", seq: 4, term: 3, merged_by: "ana", merged_term: 5 });
    expect(formatEvent(event)).toBe(
      "overridden: the pause from bo (term 3) was overridden by the merged session (master ana, term 5), which keeps the timer of the side with the later command",
    );
  });

  it("status names the members out of reach that the master still looks for", () => {
    const base = {
      node_id: "ana", address: "a:1/1", tcp_port: 1, udp_port: 1, membership: "member", role: "master", campaigning: false, term: 5, master: "ana",
      members: [{ id: "ana", address: "a:1/1" }, { id: "bo", address: "b:1/1" }], lost: [{ id: "cy", address: "c:1/1" }],
      phase: "idle", paused: false, remaining_ms: 0, ends_at: null, completed_focus_rounds: 0,
      settings: { focus_ms: 1, short_break_ms: 1, long_break_ms: 1, long_break_every: 4 }, offset_to_master_ms: 0, last_heartbeat_ms_ago: null,
      ticks_received: 0, last_tick: null, drops: { total: 0, tcp: 0, udp: 0 }, links: { sent: 0, unsent: 0, connectFailures: 0 }, now: 0, uptime_ms: 0,
    } as unknown as AgentStatus;
    expect(formatStatus(base)).toContain("members  ana, bo (2); out of reach: cy (looked for)\n");
    expect(formatStatus({ ...base, lost: [] })).toContain("members  ana, bo (2)\n");
  });
});

describe("what start prints about the team key and the invite", () => {
  it("gives the one line to join from another machine, or says why there is none", () => {
    expect(formatEvent({ event: "invite", invite: "gsi_AQk", address: "192.168.1.20:7420", local: "127.0.0.1:7420" })).toBe(
      "invite: to join from another machine: groupsync-agent join --invite gsi_AQk   (on this machine: groupsync-agent join 127.0.0.1:7420)",
    );
    expect(formatEvent({ event: "invite", invite: null, address: "127.0.0.1:7420", local: "127.0.0.1:7420" })).toBe(
      "invite: other machines cannot reach 127.0.0.1:7420; start with --host ADDRESS (this machine's network address) to invite them. Here: groupsync-agent join 127.0.0.1:7420",
    );
    expect(formatEvent({ event: "team_key", origin: "created", file: "/home/ana/.local/state/groupsync/team-key" })).toBe(
      "team key: made a new one in /home/ana/.local/state/groupsync/team-key (mode 0600); agents of this user on this machine use it",
    );
  });
});

describe("what an agent prints about its timer", () => {
  const settings = { focusMs: 1_500_000, shortBreakMs: 300_000, longBreakMs: 900_000, longBreakEvery: 4 };
  const view = { phase: "focus" as const, paused: true, endsAt: null, remainingMs: 60_000, round: 0, settings };
  it("names the goal the session is for, and nothing when it has none", () => {
    const withGoal = fromNodeEvent({ type: "timer_changed", timer: { ...view, goal: "launch-v2" } });
    expect(withGoal).toMatchObject({ event: "phase", goal: "launch-v2" });
    expect(formatEvent(withGoal)).toBe("timer: focus, paused with 1m00s left, for goal launch-v2");
    expect(formatEvent(fromNodeEvent({ type: "timer_changed", timer: view }))).toBe("timer: focus, paused with 1m00s left");
  });
});
