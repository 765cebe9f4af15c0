import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { BODY_TIMEOUT_MS, CUT_GRACE_MS, FrontProxy } from "../../dev/front-proxy.ts";
import { MESSAGE_BURST } from "../../shared/live.ts";
import { freePort } from "../../dev/ports.ts";
import { bodyOf, rawRequest, requestHead } from "../helpers/raw-http.ts";

/**
 * The worker counts wrong secrets and tokens per CF-Connecting-IP. wrangler dev keeps one a client
 * sends, so the dev stack's front proxy must always replace it with the socket's peer: real sockets
 * on both sides, an upstream that reports the header it received.
 */
let upstream: ReturnType<typeof createServer>;
let proxy: FrontProxy;
let port: number;
const ALLOWED_ORIGIN = "http://app.example:8080";

const seen = (req: IncomingMessage) => JSON.stringify({ ips: req.headersDistinct["cf-connecting-ip"] ?? [], secrets: req.headersDistinct["x-test-secret"] ?? [] });

beforeAll(async () => {
  upstream = createServer((req, res) => res.end(seen(req)));
  upstream.on("upgrade", (req, socket) => socket.end(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n${seen(req)}`));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  proxy = new FrontProxy({ secret: { header: "x-test-secret", value: "the-run-secret" } });
  port = await freePort();
  await proxy.listen(port);
  proxy.setUpstream((upstream.address() as AddressInfo).port);
  proxy.setAllowedOrigins([ALLOWED_ORIGIN]);
});

afterAll(async () => {
  await proxy.close();
  upstream.close();
});

describe("the front proxy's CF-Connecting-IP", () => {
  it("is the socket's peer when the client sends none", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/ping`);
    expect(await res.json()).toEqual({ ips: ["127.0.0.1"], secrets: ["the-run-secret"] });
  });

  it("replaces one the client sends, however it is spelled and however many", async () => {
    const head = requestHead(["GET /admin/teams HTTP/1.1", "Host: localhost", "CF-Connecting-IP: 203.0.113.9", "cf-connecting-ip: 198.51.100.1"]);
    const { answer } = rawRequest(port, head);
    const { status, text } = await answer;
    expect(status).toBe(200);
    expect(text).toContain('{"ips":["127.0.0.1"],"secrets":["the-run-secret"]}');
  });

  it("replaces one sent with a WebSocket upgrade too", async () => {
    const head = requestHead(["GET /ws HTTP/1.1", "Host: localhost", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "CF-Connecting-IP: 203.0.113.9"]);
    const { answer } = rawRequest(port, head);
    const { status, text } = await answer;
    expect(status).toBe(101);
    expect(text).toContain('{"ips":["127.0.0.1"],"secrets":["the-run-secret"]}');
  });
});

describe("the front proxy and Host", () => {
  it("answers a request with two Host headers 400 in the API's error shape (workerd would fail to build its URL)", async () => {
    for (const hosts of [["Host: 127.0.0.1", "Host: 127.0.0.1"], ["Host: 127.0.0.1", "Host: evil.example"]]) {
      const { answer } = rawRequest(port, requestHead(["GET /events HTTP/1.1", ...hosts]));
      const { status, text } = await answer;
      expect(status).toBe(400);
      expect(text).toContain('"code":"bad_request"');
      expect(text).toContain("more than one Host");
    }
  });

  it("refuses a WebSocket upgrade with two Host headers too, and forwards one with a single Host", async () => {
    const upgrade = ["GET /ws HTTP/1.1", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="];
    const twice = await rawRequest(port, requestHead([...upgrade, "Host: localhost", "Host: localhost"])).answer;
    expect(twice.status).toBe(400);
    const once = await rawRequest(port, requestHead([...upgrade, "Host: localhost"])).answer;
    expect(once.status).toBe(101);
  });
});

/** A raw answer's status, content type and JSON error body, to compare whole. */
async function refusal(bytes: string): Promise<{ status: number | null; type: string | undefined; body: unknown }> {
  const { status, text } = await rawRequest(port, bytes).answer;
  const type = /^content-type: *(.*)$/im.exec(text.slice(0, text.indexOf("\r\n\r\n")))?.[1]?.trim();
  return { status, type, body: bodyOf(text) };
}
const jsonError = (status: number, code: string, message: RegExp) => ({ status, type: "application/json", body: { error: { code, message: expect.stringMatching(message) } } });

describe("the front proxy's own refusals, in the API's error shape", () => {
  it("an empty or a missing Host: 400 naming the Host header, HTTP and WebSocket upgrade alike", async () => {
    expect(await refusal(requestHead(["GET /events HTTP/1.1", "Host:"]))).toEqual(jsonError(400, "bad_request", /^the Host header is empty/));
    expect(await refusal(requestHead(["GET /events HTTP/1.1", "Host:   "]))).toEqual(jsonError(400, "bad_request", /^the Host header is empty/));
    expect(await refusal(requestHead(["GET /events HTTP/1.1"]))).toEqual(jsonError(400, "bad_request", /no Host header/));
    const upgrade = ["GET /ws HTTP/1.1", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="];
    expect(await refusal(requestHead([...upgrade, "Host:"]))).toEqual(jsonError(400, "bad_request", /^the Host header is empty/));
  });

  it("a Content-Length Node cannot read: 400 naming Content-Length", async () => {
    const head = requestHead(["POST /events HTTP/1.1", "Host: localhost", "Content-Length: 99999999999999999999"]);
    expect(await refusal(head)).toEqual(jsonError(400, "bad_request", /^the Content-Length header is not a length this server reads/));
    const twoLengths = requestHead(["POST /events HTTP/1.1", "Host: localhost", "Content-Length: 1", "Content-Length: 2"]);
    expect(await refusal(twoLengths + "x")).toEqual(jsonError(400, "bad_request", /Content-Length/));
  });

  it("a 20 KB path or a 60 KB header: 431 header_too_large", async () => {
    const longPath = requestHead([`GET /${"a".repeat(20_000)} HTTP/1.1`, "Host: localhost"]);
    expect(await refusal(longPath)).toEqual(jsonError(431, "header_too_large", /a path or a header is too long/));
    const bigHeader = requestHead(["GET /events HTTP/1.1", "Host: localhost", `X-Big: ${"b".repeat(60_000)}`]);
    expect(await refusal(bigHeader)).toEqual(jsonError(431, "header_too_large", /over 16 KiB/));
  });

  it("a body that does not arrive within BODY_TIMEOUT_MS: 408 request_timeout, then the connection closes", async () => {
    const started = Date.now();
    const head = requestHead(["POST /events HTTP/1.1", "Host: localhost", "Content-Length: 1000", "X-Request-Id: slow-1", `Origin: ${ALLOWED_ORIGIN}`]);
    const { status, text } = await rawRequest(port, head + "{").answer;
    expect({ status, body: bodyOf(text) }).toEqual({ status: 408, body: { error: { code: "request_timeout", message: expect.stringMatching(/did not all arrive within 10 s/) } } });
    // Like every answer: the request's id, and readable by the allowed page that sent it.
    expect(headersOf(text)).toMatchObject({ "x-request-id": "slow-1", vary: "Origin", "access-control-allow-origin": ALLOWED_ORIGIN });
    expect(Date.now() - started).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 1_000);
  }, BODY_TIMEOUT_MS + 10_000);

  it("bytes that are not HTTP: 400 bad_request saying so", async () => {
    expect(await refusal("HELLO THERE\r\n\r\n")).toEqual(jsonError(400, "bad_request", /^the request is not valid HTTP\/1\.1/));
  });
});

/** An answer's headers, names lowercased (each sent once). */
function headersOf(text: string): Record<string, string> {
  const lines = text.slice(0, text.indexOf("\r\n\r\n")).split("\r\n").slice(1);
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("the front proxy's own refusals carry X-Request-Id, Vary: Origin and (for an allowed origin) CORS headers, like the worker's", () => {
  const big = "x".repeat(70 * 1024);

  it("413 for a declared length: the request's own id, and the CORS headers for an allowed origin", async () => {
    const head = requestHead(["POST /events HTTP/1.1", "Host: localhost", `Content-Length: ${big.length}`, "X-Request-Id: trace-413.a", `Origin: ${ALLOWED_ORIGIN}`]);
    const { status, text } = await rawRequest(port, head + big).answer;
    expect(status).toBe(413);
    expect(headersOf(text)).toMatchObject({ "x-request-id": "trace-413.a", vary: "Origin", "access-control-allow-origin": ALLOWED_ORIGIN });
    expect(headersOf(text)["access-control-expose-headers"]).toContain("X-Request-Id");
  });

  it("413 for a chunked body past 64 KiB: a new id when none (or a malformed one) was sent, no CORS headers for another origin", async () => {
    const chunked = (extra: string[]) =>
      requestHead(["POST /events HTTP/1.1", "Host: localhost", "Transfer-Encoding: chunked", ...extra]) + `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`;
    for (const extra of [["Origin: http://elsewhere.example"], ["X-Request-Id: bad id with spaces"]]) {
      const { status, text } = await rawRequest(port, chunked(extra)).answer;
      const headers = headersOf(text);
      expect([status, headers["x-request-id"], headers.vary], extra.join()).toEqual([413, expect.stringMatching(UUID), "Origin"]);
      expect(headers["access-control-allow-origin"], extra.join()).toBeUndefined();
    }
  });

  it("a parser refusal (431), before any header could be read: a new id and Vary: Origin", async () => {
    const { status, text } = await rawRequest(port, requestHead([`GET /${"a".repeat(20_000)} HTTP/1.1`, "Host: localhost"])).answer;
    expect([status, headersOf(text)["x-request-id"], headersOf(text).vary]).toEqual([431, expect.stringMatching(UUID), "Origin"]);
  });
});

describe("the front proxy and a WebSocket client past the hub's message rate", () => {
  it("forwards the burst and as many again, drops the rest, and cuts the connection after CUT_GRACE_MS", async () => {
    // A real WebSocket server upstream, standing in for wrangler: it counts what reaches it.
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => server.once("listening", resolve));
    let received = 0;
    server.on("connection", (ws) => ws.on("message", () => received++));
    const gated = new FrontProxy();
    const gatedPort = await freePort();
    await gated.listen(gatedPort);
    gated.setUpstream((server.address() as AddressInfo).port);
    try {
      const client = new WebSocket(`ws://127.0.0.1:${gatedPort}/ws`);
      await new Promise((resolve, reject) => client.once("open", resolve).once("error", reject));
      const closed = new Promise<number>((resolve) => client.once("close", (code) => resolve(code)));
      const flooded = performance.now();
      for (let i = 0; i < 50_000; i++) client.send('{"type":"ping"}');
      expect(await closed).toBe(1006); // the hub's answer would come first; this upstream sends none
      expect(performance.now() - flooded).toBeGreaterThanOrEqual(CUT_GRACE_MS - 50);
      expect(received).toBe(2 * MESSAGE_BURST + 1);
      expect(gated.cut.sockets).toBe(1);
      // Only what came in the same reads as the last message forwarded is read at all; the rest stays unread.
      expect(gated.cut.droppedBytes).toBeLessThanOrEqual((50_000 - 2 * MESSAGE_BURST - 1) * ('{"type":"ping"}'.length + 6));

      // A client under the rate is not touched.
      const calm = new WebSocket(`ws://127.0.0.1:${gatedPort}/ws`);
      await new Promise((resolve) => calm.once("open", resolve));
      received = 0;
      for (let i = 0; i < 10; i++) calm.send("hello");
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toBe(10);
      expect(calm.readyState).toBe(WebSocket.OPEN);
      calm.close();
    } finally {
      await gated.close();
      server.close();
    }
  });
});

describe("the front proxy's secret header (the worker refuses requests without it, so the private port cannot be used directly)", () => {
  it("is added to every request and replaces any copy a client sends, HTTP and WebSocket alike", async () => {
    const forged = ["X-Test-Secret: guessed", "x-test-secret: the-run-secret-not"];
    const http = await rawRequest(port, requestHead(["GET /events HTTP/1.1", "Host: localhost", ...forged])).answer;
    expect(http.text).toContain('"secrets":["the-run-secret"]');
    const upgrade = ["GET /ws HTTP/1.1", "Host: localhost", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="];
    const ws = await rawRequest(port, requestHead([...upgrade, ...forged])).answer;
    expect(ws.status).toBe(101);
    expect(ws.text).toContain('"secrets":["the-run-secret"]');
  });
});
