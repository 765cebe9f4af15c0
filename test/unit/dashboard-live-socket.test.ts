import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { LiveSocket } from "../../dashboard/public/lib/live-socket.js";
// @ts-ignore
import { liveFeedUrl } from "../../dashboard/public/lib/live-state.js";

/** Stands in for the browser's WebSocket: records what was opened, and lets the test drive it. */
class FakeSocket extends EventTarget {
  static readonly OPEN = 1;
  static opened: FakeSocket[] = [];
  readonly url: string;
  readyState = 0;
  sent: string[] = [];
  constructor(url: string) {
    super();
    this.url = url;
    FakeSocket.opened.push(this);
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.dispatchEvent(new Event("open"));
  }
  receive(message: unknown) {
    const event = new Event("message") as Event & { data: string };
    event.data = JSON.stringify(message);
    this.dispatchEvent(event);
  }
  drop() {
    this.readyState = 3;
    this.dispatchEvent(new Event("close"));
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.drop();
  }
}

const hello = (seq: number) => ({ type: "hello", team: "acme", member: "ana", seq, server_time: 0, timer: {} });

/** The page's feed position: null until a hello gave one. */
let seq: number | null;
let received: Array<{ type: string; resuming: boolean }>;
let statuses: string[];

function connect(): { stop: () => void; restart: () => void; nudge: () => void; start: () => void } {
  const socket = new LiveSocket({
    urlFor: (lastSeq: number | null) => liveFeedUrl("http://127.0.0.1:8787/", "tok", lastSeq),
    lastSeq: () => seq,
    onMessage: (message: { type: string; seq?: number }, context: { resuming: boolean }) => {
      received.push({ type: message.type, resuming: context.resuming });
      if (message.type !== "hello" && typeof message.seq === "number") seq = message.seq;
      if (message.type === "hello" && !context.resuming) seq = message.seq ?? 0;
    },
    onStatus: (status: string) => statuses.push(status),
  });
  socket.start();
  return socket;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, "random").mockReturnValue(0.5);
  FakeSocket.opened = [];
  (globalThis as { WebSocket?: unknown }).WebSocket = FakeSocket;
  seq = null;
  received = [];
  statuses = [];
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
});

describe("LiveSocket", () => {
  it("opens a fresh feed without last_seq, then resumes after a drop from the last seq seen", async () => {
    const live = connect();
    expect(FakeSocket.opened.map((s) => s.url)).toEqual(["ws://127.0.0.1:8787/ws?token=tok"]);
    const first = FakeSocket.opened[0]!;
    first.open();
    first.receive(hello(5));
    first.receive({ type: "event.deleted", seq: 6, team: "acme", at: "", by: "bo", id: "e1" });
    expect(statuses).toEqual(["connecting", "live"]);

    first.drop();
    expect(statuses.at(-1)).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(374); // first retry: 500 ms × (0.5 + 0.5/2) = 375 ms
    expect(FakeSocket.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.opened.map((s) => s.url).at(-1)).toBe("ws://127.0.0.1:8787/ws?token=tok&last_seq=6");
    const second = FakeSocket.opened[1]!;
    second.open();
    second.receive(hello(9));
    expect(received.at(-1)).toEqual({ type: "hello", resuming: true });
    expect(statuses.at(-1)).toBe("live");
    live.stop();
  });

  it("backs off longer after each failed attempt, says offline after three, and starts over once live", async () => {
    const live = connect();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const before = Date.now();
      FakeSocket.opened.at(-1)!.drop();
      const count = FakeSocket.opened.length;
      while (FakeSocket.opened.length === count) await vi.advanceTimersByTimeAsync(5);
      delays.push(Date.now() - before);
    }
    expect(delays.map((d) => Math.round(d / 5) * 5)).toEqual([375, 750, 1500, 3000]);
    expect(statuses).toContain("offline");
    const socket = FakeSocket.opened.at(-1)!;
    socket.open();
    socket.receive(hello(1));
    socket.drop();
    const count = FakeSocket.opened.length;
    await vi.advanceTimersByTimeAsync(375);
    expect(FakeSocket.opened.length).toBe(count + 1);
    live.stop();
  });

  it("pings an open connection, reconnects at once when nudged, and stays down when stopped", async () => {
    const live = connect();
    const first = FakeSocket.opened[0]!;
    first.open();
    first.receive(hello(0));
    await vi.advanceTimersByTimeAsync(25_000);
    expect(first.sent).toEqual([JSON.stringify({ type: "ping" })]);

    first.drop();
    live.nudge(); // the tab became visible again: no waiting out the backoff
    expect(FakeSocket.opened).toHaveLength(2);

    live.stop();
    expect(statuses.at(-1)).toBe("offline");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.opened).toHaveLength(2);
  });

  it("ignores messages from a socket it already replaced", () => {
    const live = connect();
    const first = FakeSocket.opened[0]!;
    first.open();
    live.restart();
    first.receive(hello(3));
    expect(received).toEqual([]);
    FakeSocket.opened[1]!.receive(hello(4));
    expect(received).toEqual([{ type: "hello", resuming: false }]);
    live.stop();
  });
});
