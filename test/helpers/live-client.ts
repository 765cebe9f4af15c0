import WebSocket from "ws";

/** A message from the hub, loosely typed (tests check the fields they care about). */
export type LiveMessage = { type: string; [field: string]: unknown };

/**
 * A real WebSocket client of `GET /ws` under `wrangler dev`: keeps every message with its arrival
 * time, how the socket closed, and who has the dashboard open as the presence messages say.
 */
export class LiveClient {
  readonly socket: WebSocket;
  readonly messages: LiveMessage[] = [];
  readonly arrivals: number[] = [];
  readonly #closeEvent: Promise<{ code: number; reason: string }>;
  #watching = false;
  #closedByUs = false;
  /** Resolves with the first message (hello, or the error of a refused socket). */
  readonly greeted: Promise<LiveMessage>;

  constructor(workerUrl: string, token: string, query = "") {
    const url = new URL(`/ws?${query}`, workerUrl);
    url.protocol = "ws:";
    this.socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    this.socket.on("error", () => {});
    this.#closeEvent = new Promise((resolve) => this.socket.once("close", (code, reason) => resolve({ code, reason: String(reason) })));
    this.greeted = new Promise((resolve, reject) => {
      this.socket.on("message", (data) => {
        const message = JSON.parse(String(data)) as LiveMessage;
        this.messages.push(message);
        this.arrivals.push(performance.now());
        if (this.messages.length === 1) resolve(message);
      });
      this.socket.once("close", (code) => reject(new Error(`closed (${code}) before any message`)));
    });
    this.greeted.catch(() => {});
  }

  /** Opens a client and waits for its hello. */
  static async open(workerUrl: string, token: string, query = ""): Promise<LiveClient> {
    const client = new LiveClient(workerUrl, token, query);
    const first = await client.greeted;
    if (first.type !== "hello") throw new Error(`expected hello, got ${JSON.stringify(first)}`);
    return client;
  }

  /**
   * Resolves with the close code and reason the client saw. Under wrangler dev the TCP connection
   * lingers ~15 s after the hub's Close frame, and ws fires "close" only at the TCP end: so once the
   * frame came (ws left OPEN), this ends the connection itself; "close" then carries the hub's code
   * and reason. (Watched only once asked for: a timer per socket would load a process holding 500.)
   */
  get closed(): Promise<{ code: number; reason: string }> {
    if (!this.#watching) {
      this.#watching = true;
      const watch = setInterval(() => {
        if (this.socket.readyState === WebSocket.CONNECTING || this.socket.readyState === WebSocket.OPEN) return;
        clearInterval(watch);
        if (!this.#closedByUs) this.socket.terminate();
      }, 10);
      this.socket.once("close", () => clearInterval(watch));
    }
    return this.#closeEvent;
  }

  ofType(type: string): LiveMessage[] {
    return this.messages.filter((m) => m.type === type);
  }

  /** Presence messages received (the whole list and the diffs). */
  presenceMessages(): number {
    return this.messages.filter((m) => m.type === "presence" || m.type === "presence.diff").length;
  }

  /** Who has the dashboard open as this client was told (null before the whole list came). */
  people(): string[] | null {
    let list: Set<string> | null = null;
    for (const m of this.messages) {
      if (m.type === "presence") list = new Set(m.people as string[]);
      if (m.type === "presence.diff" && list !== null) {
        for (const p of m.left as string[]) list.delete(p);
        for (const p of m.joined as string[]) list.add(p);
      }
    }
    return list === null ? null : [...list].sort();
  }

  close(): void {
    this.#closedByUs = true;
    this.socket.close(1000, "done");
  }
}
