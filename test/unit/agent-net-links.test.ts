import { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { DropReason } from "../../agent/net/drop-counters.ts";
import { readFrames } from "../../agent/net/frame-reader.ts";
import { encodeFrame, FrameDecoder } from "../../agent/net/frames.ts";
import { encodeHello, encodeRefusal } from "../../agent/net/handshake.ts";
import { OutgoingLinks } from "../../agent/net/outgoing-links.ts";
import { waitUntil } from "../helpers/agents.ts";
import { tcpServers } from "../helpers/tcp-servers.ts";

/** The TCP halves of the handshake on real localhost sockets: links wait for the hello, readers time strangers out. */

const { serve, closeAll } = tcpServers();
const links: OutgoingLinks[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) await link.close(100);
  closeAll();
});


function newLinks(options: ConstructorParameters<typeof OutgoingLinks>[0] = {}): OutgoingLinks {
  const created = new OutgoingLinks(options);
  links.push(created);
  return created;
}

describe("outgoing links", () => {
  it("seal what was given while connecting only once the hello arrives, for its challenge, in order", async () => {
    const received: string[] = [];
    const port = await serve((socket) => {
      const decoder = new FrameDecoder();
      socket.on("data", (chunk: Buffer) => received.push(...decoder.push(chunk).frames));
      setTimeout(() => socket.write(encodeFrame(encodeHello("abc"))), 50);
    });
    const outgoing = newLinks();
    const target = { host: "127.0.0.1", port };
    for (const n of [1, 2]) outgoing.send(target, (to) => `${n} for ${to}`);
    await waitUntil(() => received.length === 2, 2000, "the queued frames");
    outgoing.send(target, (to) => `3 for ${to}`);
    await waitUntil(() => received.length === 3, 2000, "the third frame");
    expect(received).toEqual(["1 for tcp:abc", "2 for tcp:abc", "3 for tcp:abc"]);
    expect(outgoing.stats).toMatchObject({ sent: 3, unsent: 0, connectFailures: 0 });
  });

  it("give up on a peer that never greets, and report a peer's refusal", async () => {
    const silent = await serve(() => {});
    const refusing = await serve((socket) => {
      socket.write(encodeFrame(encodeHello("abc")));
      socket.once("data", () => socket.end(encodeFrame(encodeRefusal("bad_mac"))));
    });
    const refusals: string[] = [];
    const outgoing = newLinks({ connectTimeoutMs: 200, onRefused: (target, reason) => refusals.push(`${target.port} ${reason}`) });
    outgoing.send({ host: "127.0.0.1", port: silent }, () => "x");
    outgoing.send({ host: "127.0.0.1", port: refusing }, () => "x");
    await waitUntil(() => outgoing.stats.connectFailures === 1 && refusals.length === 1, 2000, "the timeout and the refusal");
    expect(outgoing.stats.unsent).toBe(1);
    expect(refusals).toEqual([`${refusing} bad_mac`]);
  });
});

describe("frame reader", () => {
  it("closes a connection that does not authenticate within the handshake timeout, counted as silent; not one that did", async () => {
    const drops: DropReason[] = [];
    const port = await serve((socket) => {
      const reader = readFrames(socket, { onFrame: (text) => text === "signed" && reader.authenticated(), onDrop: (reason) => drops.push(reason), onError: () => {} }, { handshakeTimeoutMs: 150, idleTimeoutMs: 10_000 });
    });
    const open = (first: string | null) =>
      new Promise<{ closedAfterMs: number | null }>((resolve) => {
        const started = Date.now();
        const socket = new Socket();
        socket.on("error", () => {});
        socket.connect(port, "127.0.0.1", () => first !== null && socket.write(encodeFrame(first)));
        const timer = setTimeout(() => {
          socket.destroy();
          resolve({ closedAfterMs: null });
        }, 600);
        socket.on("close", () => {
          clearTimeout(timer);
          resolve({ closedAfterMs: Date.now() - started });
        });
      });
    const [idle, authenticated] = await Promise.all([open(null), open("signed")]);
    expect(idle.closedAfterMs).toBeGreaterThanOrEqual(140);
    expect(authenticated.closedAfterMs).toBeNull();
    expect(drops).toEqual(["silent"]);
  });
});
