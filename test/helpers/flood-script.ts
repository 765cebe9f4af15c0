/**
 * A separate attacker process for flood tests (so the flood does not slow the test's own sockets):
 * for `ms`, sends the agent at 127.0.0.1 garbage and signed-but-useless datagrams on its UDP port,
 * and garbage plus signed frames (a key-holder's heartbeat at MAX_TERM) on fresh TCP connections.
 * Holds the team key (GROUPSYNC_TEAM_KEY). Prints {"udp":n,"tcp":n} when done.
 *
 *   node test/helpers/flood-script.ts <tcpPort> <udpPort> <targetNodeId> <ms>
 */
import { memberDigest } from "../../agent/core/member-digest.ts";
import { MAX_TERM } from "../../agent/net/message-shape.ts";
import { udpBinding } from "../../agent/net/recipient-binding.ts";
import { WireAuth } from "../../agent/net/wire-auth.ts";
import type { TickBody } from "../../agent/net/wire-body.ts";
import { DEFAULT_SETTINGS } from "../../shared/pomodoro.ts";
import { sendGreeted, sendTcp, sendUdp } from "./wire.ts";

const [tcpPort, udpPort, target, ms] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]!, Number(process.argv[5])];
const mallory = new WireAuth({ teamKey: process.env.GROUPSYNC_TEAM_KEY!, senderId: "mallory" });
const tick: TickBody = { kind: "tick", phase: "focus", paused: false, ends_at: Date.now(), remaining_ms: 1, sent_at: Date.now() };
const misdirected = mallory.seal(tick, 0, udpBinding(target, 1));
const MALLORY_LIST = [{ id: "mallory", address: "127.0.0.1:1/1" }];
const heartbeat = (to: string) =>
  mallory.seal(
    {
      kind: "core",
      message: {
        type: "heartbeat", term: MAX_TERM, from: "mallory", lamport: mallory.lamport.tick(), sentAt: Date.now(), echo: null, live: ["mallory"], lost: [],
        overridden: [], mergeAck: null, members: MALLORY_LIST, membersDigest: memberDigest(MALLORY_LIST), membersVersion: 1,
        timer: { phase: "idle", endsAt: null, paused: false, remainingMs: null, completedFocusRounds: 0, settings: DEFAULT_SETTINGS },
        stateVersion: { term: MAX_TERM, seq: 1 }, stateStamp: null, recentCommands: [],
      },
    },
    0,
    to,
  );

const until = Date.now() + ms;
const sent = { udp: 0, tcp: 0 };
async function floodUdp(): Promise<void> {
  while (Date.now() < until) {
    await sendUdp(udpPort, Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? "garbage" : misdirected)));
    sent.udp += 50;
  }
}
async function floodTcp(): Promise<void> {
  while (Date.now() < until) {
    await Promise.all([sendTcp(tcpPort, "garbage\n"), sendGreeted(tcpPort, (to) => [heartbeat(to)], 0).catch(() => {})]);
    sent.tcp += 2;
  }
}
await Promise.all([floodUdp(), floodUdp(), floodTcp(), floodTcp()]);
console.log(JSON.stringify(sent));
