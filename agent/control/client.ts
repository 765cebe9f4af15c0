/**
 * The CLI's side of the control protocol: one signed request over a fresh TCP connection, one signed
 * reply. Everything that can go wrong becomes a ControlError with a sentence a user can act on.
 */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { encodeFrame, FrameDecoder } from "../net/frames.ts";
import { formatHostPort, type HostPort } from "../net/peer-address.ts";
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

export async function requestControl(options: ControlRequestOptions): Promise<ControlExchange> {
  const { target, teamKey, request } = options;
  const where = formatHostPort(target);
  const auth = new WireAuth({ teamKey, senderId: `cli-${randomBytes(6).toString("hex")}` });
  const requestSeq = auth.nextSeq;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    const decoder = new FrameDecoder();
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
    const timer = setTimeout(
      () => finish({ error: `the agent at ${where} did not answer within ${options.timeoutMs ?? 8000} ms` }),
      options.timeoutMs ?? 8000,
    );
    socket.setNoDelay(true);
    socket.on("connect", () => {
      sentAt = Date.now();
      socket.write(encodeFrame(auth.seal({ kind: "control", sent_at: sentAt, request }, 0)));
    });
    socket.on("data", (chunk: Buffer) => {
      const receivedAt = Date.now();
      for (const frame of decoder.push(chunk).frames) {
        const opened = auth.open(frame);
        if (!opened.ok || opened.opened.body.kind !== "control_reply" || opened.opened.body.re !== requestSeq) continue;
        const reply = parseControlReply(opened.opened.body.reply);
        if (reply === null) return finish({ error: `the agent at ${where} sent an answer this CLI does not understand` });
        const agentNow = "status" in reply ? reply.status.now : (sentAt + receivedAt) / 2;
        return finish({ exchange: { reply, agentOffsetMs: agentNow - (sentAt + receivedAt) / 2, rttMs: receivedAt - sentAt } });
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const why = error.code === "ECONNREFUSED" ? "connection refused; is an agent running there?" : (error.code ?? error.message);
      finish({ error: `cannot reach the agent at ${where}: ${why}` });
    });
    socket.on("close", () =>
      finish({ error: `the agent at ${where} closed the connection without answering (is GROUPSYNC_TEAM_KEY the same as the agent's?)` }),
    );
  });
}
