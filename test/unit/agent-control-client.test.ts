import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ControlError, requestControl } from "../../agent/control/client.ts";
import { encodeFrame } from "../../agent/net/frames.ts";
import { encodeHello, encodeRefusal } from "../../agent/net/handshake.ts";
import { tcpServers } from "../helpers/tcp-servers.ts";

/**
 * The CLI's error sentences, against throwaway local TCP servers that misbehave in one way each:
 * the team key is blamed only when the agent said it could not verify the signature.
 */

const { serve, closeAll } = tcpServers();
afterEach(() => {
  closeAll();
});


async function errorFrom(port: number, timeoutMs = 500): Promise<string> {
  try {
    await requestControl({ target: { host: "127.0.0.1", port }, teamKey: "team-key-0123456789", request: { op: "status" }, timeoutMs });
  } catch (error) {
    expect(error).toBeInstanceOf(ControlError);
    return (error as Error).message;
  }
  throw new Error("the request succeeded");
}

describe("control client errors name the real cause", () => {
  it("blames the team key when the agent refuses our signature as bad_mac", async () => {
    const port = await serve((socket) => {
      socket.write(encodeFrame(encodeHello("c")));
      socket.once("data", () => socket.end(encodeFrame(encodeRefusal("bad_mac"))));
    });
    expect(await errorFrom(port)).toMatch(/could not verify our signature: GROUPSYNC_TEAM_KEY is not the same as the agent's/);
  });

  it("says the agent dropped it as crowded, whether the refusal comes after the hello or in its place", async () => {
    const afterHello = await serve((socket) => socket.end(encodeFrame(encodeHello("c")) + encodeFrame(encodeRefusal("crowded"))));
    const instead = await serve((socket) => socket.end(encodeFrame(encodeRefusal("crowded"))));
    const crowded = (port: number) =>
      `the agent at 127.0.0.1:${port} dropped this connection: it is crowded with connections that have not signed in (many from 127.0.0.1?); retry, or look for what floods it`;
    expect(await errorFrom(afterHello)).toBe(crowded(afterHello));
    expect(await errorFrom(instead)).toBe(crowded(instead));
  });

  it("does not blame the key for anything else", async () => {
    const silent = await serve(() => {});
    const closesAtOnce = await serve((socket) => socket.destroy());
    const greetsThenCloses = await serve((socket) => {
      socket.write(encodeFrame(encodeHello("c")));
      socket.once("data", () => socket.end());
    });
    const greetsThenHangs = await serve((socket) => socket.write(encodeFrame(encodeHello("c"))));
    const resets = await serve((socket) => {
      socket.write(encodeFrame(encodeHello("c")));
      socket.once("data", () => socket.resetAndDestroy());
    });
    const refusesOtherwise = await serve((socket) => {
      socket.write(encodeFrame(encodeHello("c")));
      socket.once("data", () => socket.end(encodeFrame(encodeRefusal("misdirected"))));
    });
    const notAnAgent = await serve((socket) => socket.write("SSH-2.0-OpenSSH_9.6\r\n"));
    const messages = {
      silent: await errorFrom(silent),
      closesAtOnce: await errorFrom(closesAtOnce),
      greetsThenCloses: await errorFrom(greetsThenCloses),
      greetsThenHangs: await errorFrom(greetsThenHangs),
      resets: await errorFrom(resets),
      refusesOtherwise: await errorFrom(refusesOtherwise),
      notAnAgent: await errorFrom(notAnAgent),
      refused: await errorFrom(1),
    };
    expect(messages.silent).toMatch(/accepted the connection but did not greet it within 500 ms \(it may be overloaded/);
    expect(messages.closesAtOnce).toMatch(/closed the connection before greeting|connection was reset/);
    expect(messages.greetsThenCloses).toMatch(/closed the connection without answering$/);
    expect(messages.greetsThenHangs).toMatch(/did not answer within 500 ms/);
    expect(messages.resets).toMatch(/the connection was reset \(the agent may be overloaded or restarting\)/);
    expect(messages.refusesOtherwise).toMatch(/it refused the request \(misdirected\)/);
    expect(messages.notAnAgent).toMatch(/did not greet like a groupsync agent of this version/);
    expect(messages.refused).toMatch(/connection refused; is an agent running there\?/);
    for (const message of Object.values(messages)) expect(message).not.toMatch(/TEAM_KEY/);
  });
});
