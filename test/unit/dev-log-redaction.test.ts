import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../dev/log-redaction.ts";

describe("the dev supervisor's relayed lines", () => {
  it("keep only the first 4 characters of a token in a URL (workerd's FetchEventInfo line for a 32 MiB WebSocket message)", () => {
    const line = "workerd/io/worker.c++:1234: error: … FetchEventInfo: GET, http://127.0.0.1:8787/ws?token=gs_QsBFKx9Jr2mW-abcdefghijklmnopqrstuvwxyz0123&last_seq=4 …";
    expect(redactSecrets(line)).toBe("workerd/io/worker.c++:1234: error: … FetchEventInfo: GET, http://127.0.0.1:8787/ws?token=gs_Q…[redacted]&last_seq=4 …");
  });

  it("redact bearer tokens, bare member tokens and other token= parameters, and leave everything else as it was", () => {
    expect(redactSecrets('authorization: Bearer gs_abcdefghijklmnopqrstuvwxyz, next')).toBe("authorization: Bearer gs_a…[redacted], next");
    expect(redactSecrets('{"tokens":{"ana":"gs_abcdefghijklmnopqrstuvwxyz"}}')).toBe('{"tokens":{"ana":"gs_a…[redacted]"}}');
    expect(redactSecrets("GET /calendar.ics?TOKEN=secretsecretsecret 200 OK")).toBe("GET /calendar.ics?TOKEN=secr…[redacted] 200 OK");
    expect(redactSecrets("x?access_token=abc")).toBe("x?access_token=…[redacted]");
    const plain = "[wrangler:info] GET /events 200 OK (12ms)";
    expect(redactSecrets(plain)).toBe(plain);
  });
});
