/**
 * The highest term an agent may use, on the P2P wire (agent/net/message-shape.ts) and in what the
 * worker's hub takes (shared/live.ts): a term near Number.MAX_SAFE_INTEGER would leave no room to
 * count on. At one election per 300 ms it lasts ten thousand years.
 */
export const MAX_AGENT_TERM = 2 ** 40;
