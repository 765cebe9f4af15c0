/**
 * The dev stack's public port: a thin reverse proxy (HTTP and WebSocket upgrades) in front of
 * `wrangler dev`, which listens on a private port. It exists for one reason: while wrangler is
 * restarting, its own proxy accepts requests and holds them until the worker is loaded again,
 * which on a busy machine takes longer than a client should wait. Here, while the supervisor
 * knows the worker is down or restarting, requests are answered at once with 503 and Retry-After.
 *
 * It also shields wrangler from bodies it handles badly: a declared length over the API's limit is
 * answered 413 at once, a body is read whole here (counted, cut at the limit with 413) before it is
 * forwarded, and one that does not arrive within BODY_TIMEOUT_MS gets Node's 408 and a closed
 * socket. Hundreds of half-sent bodies held open once left wrangler unable to answer /ping.
 * Headers go on as sent (rawHeaders): two Authorization headers reach the worker, which refuses
 * them with 401, instead of Node keeping only the first. An empty one would not survive wrangler
 * (the open team then took it for no header at all), so it gets the worker's 401 here.
 *
 * And from the runtime, a WebSocket client past the hub's message rate: the hub closes it, but
 * workerd would still dispatch every frame already queued on the connection (a 50,000-message flood
 * stalls it). The proxy counts each client's messages (ws-client-frames.ts), forwards a few past
 * the rate so the hub answers as documented, drops the rest, and cuts the connection CUT_GRACE_MS
 * later, once the hub's error and Close frame are through. (In production Cloudflare's own limits
 * stand in front of the runtime; this is the dev stack's equivalent.)
 *
 * Its own refusals (a Host missing, empty or twice, a request Node's parser cannot read, a header
 * too large, a timeout) are answered in the API's error shape (client-refusals.ts), not Node's
 * empty bodies or wrangler's plain text.
 */
import { createServer, maxHeaderSize, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { BEARER_CHALLENGE, MALFORMED_AUTHORIZATION } from "../shared/auth-header.ts";
import { bodyTooLargeMessage, MAX_BODY_BYTES } from "../shared/body-limit.ts";
import { CommonErrorCodes, errorBody } from "../shared/errors.ts";
import { clientErrorAnswer, hostProblem, jsonErrorAnswer, refusalHeaderLines, refusalHeaders } from "./client-refusals.ts";
import { ClientFrameGate } from "./ws-client-frames.ts";

const RESTARTING_CODE = "worker_restarting";
const RESTARTING_MESSAGE = "the worker is restarting; retry in a moment";
const RESTARTING_BODY = JSON.stringify(errorBody(RESTARTING_CODE, RESTARTING_MESSAGE));
const MALFORMED_AUTHORIZATION_BODY = JSON.stringify(errorBody(CommonErrorCodes.unauthorized, MALFORMED_AUTHORIZATION));
const TOO_LARGE_BODY = JSON.stringify(errorBody(CommonErrorCodes.payloadTooLarge, bodyTooLargeMessage()));

/** Headers and body must both arrive within this long of the request's start. */
export const BODY_TIMEOUT_MS = 10_000;
/** How long a WebSocket client past the message rate keeps its connection: for the hub's answer to get out. */
export const CUT_GRACE_MS = 1_000;
/**
 * How long a connection refused by the parser is read (and the bytes dropped) after the answer:
 * closing it with bytes unread would reset it, and the client could lose the answer.
 */
const REFUSED_LINGER_MS = 1_000;

/** Hop-by-hop or framing headers this proxy rewrites: the body is forwarded whole, with its own length. */
const REFRAMED = new Set(["content-length", "transfer-encoding", "expect"]);

/**
 * The client's address, as Cloudflare passes it: the worker counts wrong secrets and tokens per
 * address. wrangler dev would keep one the client sent (it fills in the peer only when absent), so
 * this proxy always replaces it with the socket's peer: a client cannot pose as another address.
 */
const CLIENT_ADDRESS_HEADER = "cf-connecting-ip";

/** A header the proxy adds to every request it forwards, replacing any a client sent (the dev stack's per-run secret). */
export interface ProxySecret {
  header: string;
  value: string;
}

export class FrontProxy {
  readonly #server: Server;
  #upstreamPort: number | null = null;
  /** WebSocket clients cut for going past the hub's message rate, and the bytes of theirs dropped. */
  readonly cut = { sockets: 0, droppedBytes: 0 };
  readonly #secret: ProxySecret | undefined;
  /** CORS_ALLOWED_ORIGINS: the proxy's own refusals carry the CORS headers for these, as the worker's answers do. */
  #allowedOrigins: readonly string[];

  constructor(options: { secret?: ProxySecret; allowedOrigins?: readonly string[] } = {}) {
    this.#secret = options.secret;
    this.#allowedOrigins = options.allowedOrigins ?? [];
    this.#server = createServer(
      // Node checks these every connectionsCheckingInterval (30 s by default): too coarse for a 10 s limit.
      // requireHostHeader off: a missing Host gets this proxy's JSON 400 (hostProblem), not Node's empty one.
      { requestTimeout: BODY_TIMEOUT_MS, headersTimeout: BODY_TIMEOUT_MS, connectionsCheckingInterval: 1_000, requireHostHeader: false },
      (req, res) => this.#forward(req, res),
    );
    this.#server.on("clientError", (error: Error & { code?: string; reason?: string }, socket: Socket) => refuseUnreadable(error, socket, this.#allowedOrigins));
    this.#server.on("upgrade", (req, socket, head) => this.#forwardUpgrade(req, socket as Socket, head));
    // Keep-alive clients would otherwise hold connections to a proxy that has nothing to say.
    this.#server.keepAliveTimeout = 5_000;
  }

  listen(port: number, host = "127.0.0.1"): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
  }

  /** The worker's CORS_ALLOWED_ORIGINS, known once dev/run.ts has settled the worker's settings. */
  setAllowedOrigins(origins: readonly string[]): void {
    this.#allowedOrigins = origins;
  }

  /** Where wrangler dev listens now; null while it is down or restarting (requests get 503). */
  setUpstream(port: number | null): void {
    this.#upstreamPort = port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #forward(req: IncomingMessage, res: ServerResponse): void {
    const own = refusalHeaders(requestFacts(req), this.#allowedOrigins);
    if (this.#upstreamPort === null) return answerRestarting(res, own);
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return answerTooLarge(res, own);
    if (hasEmptyAuthorization(req)) return answerMalformedAuthorization(res, own);
    const badHost = hostProblem(req.httpVersion, hostsOf(req));
    if (badHost !== null) return answerBadHost(res, badHost, own);
    readBodyUpTo(req, MAX_BODY_BYTES).then(
      (body) => (body === null ? answerTooLarge(res, own) : this.#send(req, body, res)),
      () => res.destroy(),
    );
  }

  #send(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const port = this.#upstreamPort;
    if (port === null) return answerRestarting(res, refusalHeaders(requestFacts(req), this.#allowedOrigins));
    const headers: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!.toLowerCase();
      if (!REFRAMED.has(name) && name !== CLIENT_ADDRESS_HEADER && name !== this.#secret?.header) headers.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    }
    headers.push("CF-Connecting-IP", peerAddress(req));
    if (this.#secret) headers.push(this.#secret.header, this.#secret.value);
    const hadBody = req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
    if (hadBody) headers.push("Content-Length", String(body.length));
    const upstream = request({ host: "127.0.0.1", port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", () => (res.headersSent ? res.destroy() : answerRestarting(res, refusalHeaders(requestFacts(req), this.#allowedOrigins))));
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }

  #forwardUpgrade(req: IncomingMessage, client: Socket, head: Buffer): void {
    const port = this.#upstreamPort;
    const own = refusalHeaderLines(requestFacts(req), this.#allowedOrigins);
    if (port === null) {
      client.end(jsonErrorAnswer(503, RESTARTING_CODE, RESTARTING_MESSAGE, ["Retry-After: 1", ...own]));
      return;
    }
    const badHost = hostProblem(req.httpVersion, hostsOf(req));
    if (badHost !== null) {
      client.end(jsonErrorAnswer(400, CommonErrorCodes.badRequest, badHost, own));
      return;
    }
    const upstream = connect(port, "127.0.0.1", () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!.toLowerCase();
        if (name !== CLIENT_ADDRESS_HEADER && name !== this.#secret?.header) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      lines.push(`CF-Connecting-IP: ${peerAddress(req)}`);
      if (this.#secret) lines.push(`${this.#secret.header}: ${this.#secret.value}`);
      upstream.write(lines.join("\r\n") + "\r\n\r\n");
      upstream.pipe(client);
      forward(head);
      client.on("data", forward);
      client.on("end", () => upstream.end());
    });
    const gate = new ClientFrameGate(Date.now());
    let cutTimer: ReturnType<typeof setTimeout> | null = null;
    const forward = (chunk: Buffer) => {
      const wasShut = gate.shut;
      const length = gate.forwardable(chunk, Date.now());
      if (length > 0 && !upstream.write(length === chunk.length ? chunk : chunk.subarray(0, length))) {
        client.pause();
        upstream.once("drain", () => gate.shut || client.resume());
      }
      if (gate.shut && !wasShut) {
        this.cut.sockets++;
        // Nothing more is read: the flooder's writes stall in the kernel instead of costing this process.
        client.pause();
        cutTimer = setTimeout(close, CUT_GRACE_MS);
      }
    };
    const close = () => {
      if (cutTimer !== null) clearTimeout(cutTimer);
      this.cut.droppedBytes += gate.dropped;
      gate.dropped = 0;
      upstream.destroy();
      client.destroy();
    };
    upstream.on("error", close);
    client.on("error", close);
    upstream.on("close", close);
    client.on("close", close);
  }
}

/** The socket's peer; an IPv4 client of a dual-stack socket as plain IPv4. */
function peerAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice("::ffff:".length) : address;
}

/** What the proxy's own answers echo of a request: its X-Request-Id and Origin (the first of each). */
function requestFacts(req: IncomingMessage): { requestId?: string; origin?: string } {
  return { requestId: req.headersDistinct["x-request-id"]?.[0], origin: req.headersDistinct.origin?.[0] };
}

function answerRestarting(res: ServerResponse, own: Record<string, string>): void {
  res.writeHead(503, { ...own, "content-type": "application/json", "retry-after": "1", "content-length": Buffer.byteLength(RESTARTING_BODY) });
  res.end(RESTARTING_BODY);
}

function hasEmptyAuthorization(req: IncomingMessage): boolean {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === "authorization" && req.rawHeaders[i + 1]!.trim() === "") return true;
  }
  return false;
}

/** Every Host header's value, as sent (Node would keep only the first). */
function hostsOf(req: IncomingMessage): string[] {
  const hosts: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === "host") hosts.push(req.rawHeaders[i + 1]!);
  return hosts;
}

// RFC 9112 3.2: Host missing, empty or twice is a 400. workerd would fail to build its URL (a bare 500), wrangler answer plain text.
function answerBadHost(res: ServerResponse, message: string, own: Record<string, string>): void {
  const body = JSON.stringify(errorBody(CommonErrorCodes.badRequest, message));
  res.writeHead(400, { ...own, "content-type": "application/json", connection: "close", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Sockets already answered for a parser error: a parser in error keeps reporting it for each chunk read. */
const refusedSockets = new WeakSet<Socket>();

/**
 * Node's `clientError`: a request its parser refuses, or one past the timeout. Answered in JSON
 * unless part of an answer already went out on the socket (another status line would corrupt it).
 */
function refuseUnreadable(error: { code?: string; reason?: string }, socket: Socket, allowedOrigins: readonly string[]): void {
  if (refusedSockets.has(socket)) return;
  refusedSockets.add(socket);
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  // A body that timed out came after headers the handler read: echo its id and origin; a parser refusal has none.
  const request = inFlight?.req;
  const own = refusalHeaderLines(request ? requestFacts(request) : null, allowedOrigins);
  socket.end(clientErrorAnswer(error, { headerBytes: maxHeaderSize, timeoutMs: BODY_TIMEOUT_MS }, own));
  socket.resume();
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}

function answerMalformedAuthorization(res: ServerResponse, own: Record<string, string>): void {
  res.writeHead(401, {
    ...own,
    "content-type": "application/json",
    "www-authenticate": BEARER_CHALLENGE,
    "content-length": Buffer.byteLength(MALFORMED_AUTHORIZATION_BODY),
  });
  res.end(MALFORMED_AUTHORIZATION_BODY);
}

function answerTooLarge(res: ServerResponse, own: Record<string, string>): void {
  // Connection: close, so the rest of a huge body is not read (the socket ends after this answer).
  res.writeHead(413, { ...own, "content-type": "application/json", connection: "close", "content-length": Buffer.byteLength(TOO_LARGE_BODY) });
  res.end(TOO_LARGE_BODY);
}

/** The whole body, or null as soon as it passes `limit` bytes (chunked bodies have no declared length). */
function readBodyUpTo(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
    req.once("close", () => {
      if (!req.complete) reject(new Error("the request body was cut off"));
    });
  });
}
