/**
 * The CLI's side of the control protocol: over a fresh TCP connection, wait for the agent's hello,
 * send one request signed for its challenge, read one signed reply. Everything that can go wrong
 * becomes a ControlError with a sentence a user can act on, naming what actually happened: the team
 * key is blamed only when the agent said the signature did not match (its "bad_mac" refusal) or its
 * reply did not open with our key.
 */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { encodeFrame, FrameDecoder } from "../net/frames.ts";
import { parseHello, parseRefusal } from "../net/handshake.ts";
import { formatHostPort, type HostPort } from "../net/peer-address.ts";
import { tcpBinding } from "../net/recipient-binding.ts";
import { WireAuth } from "../net/wire-auth.ts";
import { parseControlReply, type ControlReply, type ControlRequest } from "./protocol.ts";

export class ControlError extends Error {}

export interface ControlExchange {
  readonly reply: ControlReply;
  /** The agent's clock minus ours, estimated from this round trip (like NTP), and the round trip. */
  readonly agentOffsetMs: number;
  readonly rttMs: number;
}

export interface ControlRequestOptions {
  readonly target: HostPort;
  readonly teamKey: string;
  readonly request: ControlRequest;
  readonly timeoutMs?: number;
}

const WRONG_KEY = "GROUPSYNC_TEAM_KEY is not the same as the agent's";

export async function requestControl(options: ControlRequestOptions): Promise<ControlExchange> {
  const { target, teamKey, request } = options;
  const timeoutMs = options.timeoutMs ?? 8000;
  const where = formatHostPort(target);
  const auth = new WireAuth({ teamKey, senderId: `cli-${randomBytes(6).toString("hex")}` });
  const requestSeq = auth.nextSeq;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    const decoder = new FrameDecoder();
    let challenge: string | null = null;
    let sentAt = 0;
    let settled = false;
    const finish = (outcome: { exchange: ControlExchange } | { error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if ("exchange" in outcome) resolve(outcome.exchange);
      else reject(new ControlError(outcome.error));
    };
    const timer = setTimeout(() => {
      const stage = challenge === null ? "accepted the connection but did not greet it" : "did not answer";
      finish({ error: `the agent at ${where} ${stage} within ${timeoutMs} ms (it may be overloaded, or it is not a groupsync agent of this version)` });
    }, timeoutMs);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      const receivedAt = Date.now();
      const { frames, oversize } = decoder.push(chunk);
      if (oversize) return finish({ error: `the agent at ${where} sent a frame too large to read` });
      for (const frame of frames) {
        if (challenge === null) {
          challenge = parseHello(frame);
          if (challenge === null && parseRefusal(frame) === "crowded") return finish({ error: crowdedOut(where, socket.localAddress) });
          if (challenge === null) return finish({ error: `the agent at ${where} did not greet like a groupsync agent of this version` });
          sentAt = Date.now();
          socket.write(encodeFrame(auth.seal({ kind: "control", sent_at: sentAt, request }, 0, tcpBinding(challenge))));
          continue;
        }
        const refused = parseRefusal(frame);
        if (refused === "crowded") return finish({ error: crowdedOut(where, socket.localAddress) });
        if (refused !== null) {
          const why = refused === "bad_mac" ? `it could not verify our signature: ${WRONG_KEY}` : `it refused the request (${refused})`;
          return finish({ error: `the agent at ${where} closed the connection: ${why}` });
        }
        const opened = auth.open(frame, { to: tcpBinding(challenge) });
        if (!opened.ok) {
          if (opened.reason === "bad_mac") return finish({ error: `the agent at ${where} answered with a signature we cannot verify: ${WRONG_KEY}` });
          continue;
        }
        if (opened.opened.body.kind !== "control_reply" || opened.opened.body.re !== requestSeq) continue;
        const reply = parseControlReply(opened.opened.body.reply);
        if (reply === null) return finish({ error: `the agent at ${where} sent an answer this CLI does not understand` });
        const agentNow = "status" in reply ? reply.status.now : (sentAt + receivedAt) / 2;
        return finish({ exchange: { reply, agentOffsetMs: agentNow - (sentAt + receivedAt) / 2, rttMs: receivedAt - sentAt } });
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => finish({ error: `cannot reach the agent at ${where}: ${describeSocketError(error)}` }));
    socket.on("close", () => {
      const stage = challenge === null ? "before greeting (it may have too many connections waiting)" : "without answering";
      finish({ error: `the agent at ${where} closed the connection ${stage}` });
    });
  });
}

/**
 * The agent closed this connection to make room (agent/net/inbound-gate.ts): too many connections
 * had not signed in yet, often many from one address, which may well be ours.
 */
function crowdedOut(where: string, localAddress: string | undefined): string {
  const from = (localAddress ?? "").replace(/^::ffff:/, "");
  const many = from === "" ? "" : ` (many from ${from}?)`;
  return `the agent at ${where} dropped this connection: it is crowded with connections that have not signed in${many}; retry, or look for what floods it`;
}

function describeSocketError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused; is an agent running there?";
    case "ECONNRESET":
      return "the connection was reset (the agent may be overloaded or restarting)";
    case "ETIMEDOUT":
      return "the connection timed out";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "no route to that host";
    default:
      return error.code ?? error.message;
  }
}
