import { describe, expect, it } from "vitest";
import { parseControlRequest } from "../../agent/control/protocol.ts";
import { ElectionNode } from "../../agent/core/election.ts";
import type { Message } from "../../agent/core/messages.ts";
import { seededRandom } from "../../agent/core/seeded-random.ts";
import { DropCounters } from "../../agent/net/drop-counters.ts";
import { isMessage, MAX_LAMPORT, MAX_PHASE_MS, MAX_TERM } from "../../agent/net/message-shape.ts";
import { formatPeerAddress, parseHostPort, parsePeerAddress } from "../../agent/net/peer-address.ts";
import fc from "fast-check";
import { ResourceId } from "../../shared/fields.ts";
import { isGoalId, type TimerCommand } from "../../shared/pomodoro.ts";

describe("peer addresses", () => {
  it("round-trips host:tcp/udp, IPv6 in brackets included", () => {
    expect(parsePeerAddress(formatPeerAddress("127.0.0.1", 7420, 7421))).toEqual({ host: "127.0.0.1", port: 7420, udpPort: 7421 });
    expect(formatPeerAddress("::1", 1, 2)).toBe("[::1]:1/2");
    expect(parsePeerAddress("[::1]:1/2")).toEqual({ host: "::1", port: 1, udpPort: 2 });
    expect(parsePeerAddress("laptop.local:7420")).toEqual({ host: "laptop.local", port: 7420, udpPort: null });
  });

  it("takes host:port from users and refuses anything else", () => {
    expect(parseHostPort("10.0.0.5:7420")).toEqual({ host: "10.0.0.5", port: 7420 });
    for (const bad of ["", "7420", "host", "host:", "host:0", "host:65536", "host:12ab", "a b:1", "host:1/2", "http://host:1"]) {
      expect(parseHostPort(bad), bad).toBeNull();
    }
  });
});

describe("core message shapes", () => {
  /** A real heartbeat: a master with a running timer lets a peer in and beats to it. */
  function heartbeat(start: TimerCommand = { kind: "start" }): Message {
    const now = 1_700_000_000_000;
    const master = new ElectionNode({ id: "m", address: "m:1/1", now, random: seededRandom(1) });
    master.bootstrap(now);
    master.command(start, now);
    master.tick(now + 50); // applies the start after the settle time
    const peer = new ElectionNode({ id: "p", address: "p:1/1", now, random: seededRandom(2) });
    const join = peer.join("m:1", now).messages[0]!.message;
    const beat = master.receive(join, now + 60).messages.find((envelope) => envelope.message.type === "heartbeat");
    return JSON.parse(JSON.stringify(beat!.message)) as Message;
  }

  it("accepts what the core sends, after a trip through JSON", () => {
    const message = heartbeat();
    expect(message.type).toBe("heartbeat");
    expect(isMessage(message)).toBe(true);
    // At rest a heartbeat leaves the list out, saying only which list it is.
    expect(isMessage({ ...message, members: null })).toBe(true);
    expect(isMessage({ type: "leave", term: 1, from: "p", lamport: 3 })).toBe(true);
    expect(isMessage({ type: "command", term: 1, from: "p", lamport: 3, stamp: { time: 3, nodeId: "p" }, command: { kind: "set", durationMs: 60_000 } })).toBe(true);
  });

  it("accepts a merge offer and a refusal naming the master, as the core sends them", () => {
    const beat = heartbeat();
    const now = 1_700_000_000_100;
    // A member that has never heard of this master, from the other side of a healed partition, with history of its own.
    const other = new ElectionNode({ id: "q", address: "q:1/1", now, random: seededRandom(3), members: [{ id: "q", address: "q:1/1" }, { id: "r", address: "r:1/1" }] });
    other.bootstrap(now);
    other.command({ kind: "start" }, now);
    other.tick(now + 50);
    const out = other.receive({ ...beat, term: beat.term + 1 }, now + 60);
    const offer = out.messages.find((envelope) => envelope.message.type === "merge");
    expect(offer, JSON.stringify(out.messages.map((e) => e.message.type))).toBeDefined();
    const wire = JSON.parse(JSON.stringify(offer!.message)) as Record<string, unknown>;
    expect(isMessage(wire)).toBe(true);
    expect(isMessage({ ...wire, stateStamp: { time: "1" } })).toBe(false);
    expect(isMessage({ ...wire, address: null })).toBe(false);
    expect(isMessage({ ...wire, members: null }), "a merge offer always carries its list").toBe(false);
    const refusal = other.receive({ ...beat, term: 0 }, now + 70).messages.find((envelope) => envelope.message.type === "heartbeat_ack");
    expect(refusal?.message).toMatchObject({ accepted: false, masterId: "m" });
    const ack = JSON.parse(JSON.stringify(refusal!.message)) as Record<string, unknown>;
    expect(isMessage(ack)).toBe(true);
    expect(isMessage({ ...ack, membersDigest: undefined })).toBe(false);
    expect(isMessage({ ...ack, membersDigest: "x".repeat(65) })).toBe(false);
  });

  it("refuses signed messages whose terms, clocks or deadlines would stop the session", () => {
    const sane = heartbeat() as Message & { sentAt: number; timer: { endsAt: number; settings: { focusMs: number } } };
    expect(isMessage(sane)).toBe(true);
    const variants: [string, (m: Record<string, any>) => void][] = [
      ["a term at Number.MAX_SAFE_INTEGER", (m) => (m.term = Number.MAX_SAFE_INTEGER)],
      ["a term past MAX_TERM", (m) => (m.term = MAX_TERM + 1)],
      ["a fractional term", (m) => (m.term = 1.5)],
      ["a negative term", (m) => (m.term = -1)],
      ["a Lamport time past MAX_LAMPORT", (m) => (m.lamport = MAX_LAMPORT + 1)],
      ["a state version at a huge term", (m) => (m.stateVersion.term = Number.MAX_SAFE_INTEGER)],
      ["a deadline seven days after it was sent", (m) => (m.timer.endsAt = m.sentAt + 7 * 24 * 3600_000)],
      ["a focus length of 0", (m) => (m.timer.settings.focusMs = 0)],
      ["a focus length past the phase limit", (m) => (m.timer.settings.focusMs = MAX_PHASE_MS + 1)],
      ["a remaining time past the phase limit", (m) => (m.timer.remainingMs = MAX_PHASE_MS + 1)],
    ];
    for (const [what, change] of variants) {
      const message = JSON.parse(JSON.stringify(sane)) as Record<string, any>;
      change(message);
      expect(isMessage(message), what).toBe(false);
    }
    // At the edges, still fine: a deadline one full phase ahead, the largest term.
    const edge = JSON.parse(JSON.stringify(sane)) as Record<string, any>;
    edge.timer.endsAt = edge.sentAt + MAX_PHASE_MS;
    edge.term = MAX_TERM;
    expect(isMessage(edge)).toBe(true);
    const set = { type: "command", term: 1, from: "p", lamport: 1, stamp: { time: 1, nodeId: "p" } };
    expect(isMessage({ ...set, command: { kind: "set", durationMs: MAX_PHASE_MS } })).toBe(true);
    expect(isMessage({ ...set, command: { kind: "set", durationMs: 7 * 24 * 3600_000 } })).toBe(false);
  });

  it("refuses messages that would trip the core: unknown types, missing or mistyped fields", () => {
    const good = heartbeat() as unknown as Record<string, unknown>;
    const broken: unknown[] = [
      null,
      [],
      { ...good, type: "teleport" },
      { ...good, type: "toString" },
      { ...good, term: "1" },
      { ...good, from: 7 },
      { ...good, members: "everyone" },
      { ...good, members: [{ id: "a" }] },
      { ...good, membersDigest: undefined },
      { ...good, membersDigest: 7 },
      { ...good, timer: { ...(good.timer as object), phase: "lunch" } },
      { ...good, timer: { ...(good.timer as object), settings: {} } },
      { ...good, recentCommands: [{ seq: 1 }] },
      { ...good, echo: { peerSentAt: "x" } },
      { ...good, live: "everyone" },
      { ...good, lost: [{ id: 1 }] },
      { ...good, overridden: [{ entry: { seq: 1 } }] },
      { ...good, mergeAck: "soon" },
      { ...good, stateStamp: undefined },
      { type: "command", term: 1, from: "p", lamport: 3, stamp: { time: 3, nodeId: "p" }, command: { kind: "set" } },
      { type: "command", term: 1, from: "p", lamport: 3, stamp: { time: 3, nodeId: "p" }, command: { kind: "explode" } },
      { type: "vote", term: 1, from: "p", lamport: 3, granted: "yes", member: true },
    ];
    for (const value of broken) expect(isMessage(value), JSON.stringify(value)?.slice(0, 80)).toBe(false);
  });

  it("carry a session's goal in the timer and the start command, and refuse an id of another form or over 128 characters", () => {
    const beat = heartbeat({ kind: "start", goal: "launch-v2" }) as unknown as Record<string, unknown> & { timer: Record<string, unknown>; recentCommands: { command: Record<string, unknown> }[] };
    expect(beat.timer.goal).toBe("launch-v2");
    expect(isMessage(beat)).toBe(true);
    const command = (goal: unknown) => ({ type: "command", term: 1, from: "p", lamport: 3, stamp: { time: 3, nodeId: "p" }, command: { kind: "start", goal } });
    expect(isMessage(command("g.1~x_y-z"))).toBe(true);
    expect(isMessage(command("x".repeat(128)))).toBe(true);
    for (const goal of ["x".repeat(129), "", "-lead", "a/b", "a b", 7, null, { id: "g" }]) {
      expect(isMessage({ ...beat, timer: { ...beat.timer, goal } }), `timer goal ${JSON.stringify(goal)}`).toBe(false);
      expect(isMessage(command(goal)), `command goal ${JSON.stringify(goal)}`).toBe(false);
    }
  });

  it("take a goal id exactly when the worker's ResourceId does (the id the worker gave the goal)", () => {
    const chars = fc.constantFrom(..."aZ09-_.~/ é\u0000".split(""));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: chars, maxLength: 140 }), fc.string({ maxLength: 3 })), (text) => {
        expect(isGoalId(text), JSON.stringify(text)).toBe(ResourceId.safeParse(text).success);
      }),
      { numRuns: 500 },
    );
  });

  it("control requests: status and timer commands, but not start", () => {
    expect(parseControlRequest({ op: "status" })).toEqual({ op: "status" });
    expect(parseControlRequest({ op: "command", command: { kind: "pause" } })).toEqual({ op: "command", command: { kind: "pause" } });
    // start restarts a stopped timer of a running session (the timer refuses it while running).
    expect(parseControlRequest({ op: "command", command: { kind: "start" } })).toEqual({ op: "command", command: { kind: "start" } });
    expect(parseControlRequest({ op: "reboot" })).toBeNull();
  });
});

describe("drop counters", () => {
  it("count per reason and per transport", () => {
    const drops = new DropCounters();
    drops.add("bad_mac", "tcp");
    drops.add("bad_mac", "udp");
    drops.add("replay", "udp");
    expect(drops.snapshot()).toMatchObject({ bad_mac: 2, replay: 1, malformed: 0, total: 3, tcp: 1, udp: 2 });
  });
});
