import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";

/**
 * How the receiver answers: "ok" 204, "fail" 503, "gone" 410, "hang" never (the sender times out),
 * "down": not listening at all (connections refused).
 */
export type ReceiverMode = "ok" | "fail" | "gone" | "hang" | "down";

/** A delivery the receiver accepted (answered 2xx), checked with the `standardwebhooks` package. */
export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: number;
  /** The parsed body: {type, timestamp, data: the change}. */
  body: { type: string; timestamp: string; data: { seq: number; type: string; [key: string]: unknown } };
  /** Whether the signature verified under the secret registered for this path (tests expect all true). */
  verified: boolean;
  /** performance.now() when it arrived. */
  receivedAt: number;
}

/**
 * A real HTTP receiver on loopback for webhook tests and the bench. Each path is one endpoint;
 * `secrets` holds the secret POST /webhooks answered for it, so every delivery is verified as a
 * Standard Webhooks consumer would. Its mode can fail, hang, refuse and recover at any time.
 */
export class WebhookReceiver {
  readonly accepted: ReceivedWebhook[] = [];
  readonly secrets = new Map<string, string>();
  /** Every request that reached it, answered or not. */
  requests = 0;
  #mode: ReceiverMode = "ok";
  #server: Server | null = null;
  #port = 0;
  readonly #hanging = new Set<ServerResponse>();
  onAccepted: (received: ReceivedWebhook) => void = () => {};

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await receiver.#listen(0);
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  get mode(): ReceiverMode {
    return this.#mode;
  }

  /** Changes how it answers; "down" closes the port, any other mode opens it again (same port). */
  async setMode(mode: ReceiverMode): Promise<void> {
    if (mode !== "hang") this.#releaseHanging();
    if (mode === "down" && this.#server !== null) await this.#close();
    if (mode !== "down" && this.#server === null) await this.#listen(this.#port);
    this.#mode = mode;
  }

  /** The seqs accepted on a path, in arrival order. */
  seqs(path: string): number[] {
    return this.accepted.filter((r) => r.path === path).map((r) => r.body.data.seq);
  }

  async close(): Promise<void> {
    this.#releaseHanging();
    if (this.#server !== null) await this.#close();
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      this.requests++;
      const mode = this.#mode;
      if (mode === "hang") {
        this.#hanging.add(response);
        return;
      }
      if (mode !== "ok") {
        response.writeHead(mode === "gone" ? 410 : 503).end();
        return;
      }
      const text = Buffer.concat(chunks).toString("utf8");
      const path = request.url ?? "/";
      const headers = { "webhook-id": String(request.headers["webhook-id"]), "webhook-timestamp": String(request.headers["webhook-timestamp"]), "webhook-signature": String(request.headers["webhook-signature"]) };
      const secret = this.secrets.get(path);
      let verified = false;
      try {
        if (secret !== undefined) verified = new Webhook(secret).verify(text, headers) !== undefined;
      } catch {
        verified = false;
      }
      const received: ReceivedWebhook = { path, id: headers["webhook-id"], timestamp: Number(headers["webhook-timestamp"]), body: JSON.parse(text), verified, receivedAt: performance.now() };
      this.accepted.push(received);
      this.onAccepted(received);
      response.writeHead(204).end();
    });
  }

  #releaseHanging(): void {
    for (const response of this.#hanging) response.destroy();
    this.#hanging.clear();
  }

  async #listen(port: number): Promise<void> {
    const server = createServer((request, response) => this.#handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as { port: number }).port;
  }

  async #close(): Promise<void> {
    const server = this.#server!;
    this.#server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
