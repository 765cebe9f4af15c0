/**
 * The dev stack's public port: a thin reverse proxy (HTTP and WebSocket upgrades) in front of
 * `wrangler dev`, which listens on a private port. It exists for one reason: while wrangler is
 * restarting, its own proxy accepts requests and holds them until the worker is loaded again,
 * which on a busy machine takes longer than a client should wait. Here, while the supervisor
 * knows the worker is down or restarting, requests are answered at once with 503 and Retry-After.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";

const RESTARTING_BODY = JSON.stringify({ error: { code: "worker_restarting", message: "the worker is restarting; retry in a moment" } });

export class FrontProxy {
  readonly #server: Server;
  #upstreamPort: number | null = null;

  constructor() {
    this.#server = createServer((req, res) => this.#forward(req, res));
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
    const port = this.#upstreamPort;
    if (port === null) return answerRestarting(res);
    const upstream = request({ host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", () => (res.headersSent ? res.destroy() : answerRestarting(res)));
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  #forwardUpgrade(req: IncomingMessage, client: Socket, head: Buffer): void {
    const port = this.#upstreamPort;
    if (port === null) {
      client.end(`HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(RESTARTING_BODY)}\r\nConnection: close\r\n\r\n${RESTARTING_BODY}`);
      return;
    }
    const upstream = connect(port, "127.0.0.1", () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const close = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on("error", close);
    client.on("error", close);
    upstream.on("close", close);
    client.on("close", close);
  }
}

function answerRestarting(res: ServerResponse): void {
  res.writeHead(503, { "content-type": "application/json", "retry-after": "1", "content-length": Buffer.byteLength(RESTARTING_BODY) });
  res.end(RESTARTING_BODY);
}
