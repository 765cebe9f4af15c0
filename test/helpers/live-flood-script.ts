/**
 * A separate flooding client for the live bench (so its sends do not slow the process that
 * measures): opens /ws with `token`, prints "ready" after hello, and once a line comes on stdin
 * sends `count` messages of about `bytes` bytes as fast as it can, waits for the hub's Close frame
 * (at most 10 s) and prints {"sent":n,"code":c,"reason":r,"ms":t}. With `raw`, it behaves like a
 * raw socket that ignores the Close: every byte it queued is written out before it lets go (a polite
 * client drops what it had not sent yet once it sees the Close, so the server never gets most of it).
 *
 *   node test/helpers/live-flood-script.ts <workerUrl> <token> <count> <bytes> [raw]
 */
import { createInterface } from "node:readline";
import WebSocket from "ws";

const [workerUrl, token, count, bytes] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4]), Number(process.argv[5])];
const raw = process.argv[6] === "raw";
const url = new URL("/ws", workerUrl);
url.protocol = "ws:";
const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
socket.on("error", () => {});
const base = JSON.stringify({ type: "ping" });
const message = bytes <= base.length + 10 ? base : JSON.stringify({ type: "ping", pad: "x".repeat(Math.max(0, bytes - base.length - 10)) });

const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: String(reason) })));

socket.once("message", () => {
  console.log("ready");
  createInterface({ input: process.stdin }).once("line", () => {
    const started = performance.now();
    let sent = 0;
    for (; sent < count && socket.readyState === WebSocket.OPEN; sent++) socket.send(message);
    // The hub's Close frame takes ws out of OPEN; its TCP end may linger (wrangler dev), so end it here.
    const deadline = Date.now() + 10_000;
    const holding = () => socket.readyState === WebSocket.OPEN || (raw && socket.readyState !== WebSocket.CLOSED && socket.bufferedAmount > 0);
    const watch = setInterval(() => {
      if (holding() && Date.now() < deadline) return;
      clearInterval(watch);
      void closed.then(({ code, reason }) => {
        console.log(JSON.stringify({ sent, code, reason, ms: Math.round(performance.now() - started) }));
        process.exit(0);
      });
      socket.terminate();
    }, 5);
  });
});
