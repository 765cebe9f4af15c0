import type { AttemptResult } from "./delivery-rules.ts";
import { signatureHeader } from "./signature.ts";

export const USER_AGENT = "GroupSync-Webhooks/1";

export interface Delivery {
  url: string;
  secret: string;
  messageId: string;
  body: string;
}

/**
 * One attempt: POST the body signed the Standard Webhooks way, give up after `timeoutMs`, follow
 * no redirect (a 3xx is a failure: a redirect could lead to an address the URL check refused),
 * and read none of the answer but its status.
 */
export async function attemptDelivery(delivery: Delivery, nowMs: number, timeoutMs: number): Promise<{ result: AttemptResult; durationMs: number }> {
  const timestamp = Math.floor(nowMs / 1000);
  const started = performance.now();
  const durationMs = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.messageId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await signatureHeader(delivery.secret, delivery.messageId, timestamp, delivery.body),
      },
      body: delivery.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => {});
    return { result: { status: response.status }, durationMs: durationMs() };
  } catch (error) {
    const name = (error as Error).name;
    const message = name === "TimeoutError" || name === "AbortError" ? `no answer within ${timeoutMs} ms` : `could not reach it: ${String((error as Error).message ?? error).slice(0, 200)}`;
    return { result: { error: message }, durationMs: durationMs() };
  }
}
