import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "../../agent/net/frames.ts";
import { parseHello } from "../../agent/net/handshake.ts";
import { tcpBinding } from "../../agent/net/recipient-binding.ts";

/**
 * The agents' wire from the test process, as an attacker sees it: raw bytes and datagrams, and a
 * greeted connection on which a key-holder (a script with the team key, or nobody) sends what it
 * crafted. Everything is real sockets to real agent processes.
 */

/** Sends raw bytes on a fresh TCP connection and waits until the agent closes it or we are done. */
export function sendTcp(port: number, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.end(data));
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
    socket.resume();
  });
}

export function sendUdp(port: number, datagrams: readonly (string | Buffer)[]): Promise<void> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => {
    let left = datagrams.length;
    if (left === 0) return socket.close(() => resolve());
    for (const datagram of datagrams) {
      socket.send(datagram, port, "127.0.0.1", () => {
        left -= 1;
        if (left === 0) socket.close(() => resolve());
      });
    }
  });
}

/** A TCP connection to an agent after its hello: `binding` is what frames sent on it must be bound to. */
export interface Greeted {
  readonly socket: Socket;
  readonly binding: string;
  /** Frames the agent sent after its hello (replies, a refusal). */
  readonly frames: string[];
  /** Resolves when the agent (or we) closed the connection. */
  readonly closed: Promise<void>;
}

export function greet(port: number, timeoutMs = 3000): Promise<Greeted> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const decoder = new FrameDecoder();
    const frames: string[] = [];
    let greeted = false;
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no hello from 127.0.0.1:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("error", (error) => {
      clearTimeout(timer);
      if (!greeted) reject(error);
    });
    socket.on("data", (chunk: Buffer) => {
      for (const frame of decoder.push(chunk).frames) {
        if (greeted) {
          frames.push(frame);
          continue;
        }
        const challenge = parseHello(frame);
        if (challenge === null) return reject(new Error(`not a hello: ${frame}`));
        greeted = true;
        clearTimeout(timer);
        resolve({ socket, binding: tcpBinding(challenge), frames, closed });
      }
    });
  });
}

/**
 * Greets, sends the frames `craft` makes for the connection's binding, and waits until the agent
 * closes the connection or `lingerMs` pass; returns the frames it sent back.
 */
export async function sendGreeted(port: number, craft: (binding: string) => readonly string[], lingerMs = 300): Promise<string[]> {
  const greeted = await greet(port);
  for (const frame of craft(greeted.binding)) greeted.socket.write(encodeFrame(frame));
  await Promise.race([greeted.closed, new Promise((resolve) => setTimeout(resolve, lingerMs))]);
  greeted.socket.destroy();
  return greeted.frames;
}

/** Greets, sends one frame `craft` made, and returns the first frame the agent sends back (or null if it closed first). */
export async function exchangeGreeted(port: number, craft: (binding: string) => string, timeoutMs = 2000): Promise<string | null> {
  const greeted = await greet(port);
  greeted.socket.write(encodeFrame(craft(greeted.binding)));
  const deadline = Date.now() + timeoutMs;
  while (greeted.frames.length === 0 && !greeted.socket.destroyed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  greeted.socket.destroy();
  return greeted.frames[0] ?? null;
}

/** Opens `count` TCP connections to `port` that never send a byte, from `localAddress` (any 127.x works on Linux). */
export async function idleSockets(port: number, count: number, localAddress = "127.0.0.1"): Promise<Socket[]> {
  const opening = Array.from(
    { length: count },
    () =>
      new Promise<Socket>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port, localAddress });
        socket.on("error", () => {}); // the agent may close it: that is the point
        socket.resume();
        socket.once("connect", () => resolve(socket));
        socket.once("close", () => resolve(socket));
      }),
  );
  return Promise.all(opening);
}
