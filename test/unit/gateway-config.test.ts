import { describe, expect, it } from "vitest";
import { gatewayConfigFromEnv } from "../../gateway/config.ts";
import { sseEvent } from "../../gateway/http-server.ts";

const token = "a-secret-of-24-characters";

describe("gatewayConfigFromEnv", () => {
  it("has documented defaults", () => {
    expect(gatewayConfigFromEnv({ GATEWAY_TOKEN: token })).toEqual({
      host: "127.0.0.1",
      port: 8079,
      redisUrl: "redis://127.0.0.1:6380",
      token,
      maxBodyBytes: 10 * 1024 * 1024,
      commandTimeoutMs: 10_000,
      exitWithParent: false,
      scripts: "shipped",
    });
  });

  it("refuses to start without a real token", () => {
    expect(() => gatewayConfigFromEnv({})).toThrow(/GATEWAY_TOKEN/);
    expect(() => gatewayConfigFromEnv({ GATEWAY_TOKEN: "short" })).toThrow(/at least 16/);
  });

  it("names the setting that is wrong", () => {
    expect(() => gatewayConfigFromEnv({ GATEWAY_TOKEN: token, GATEWAY_PORT: "http" })).toThrow(/GATEWAY_PORT .* "http"/);
    expect(() => gatewayConfigFromEnv({ GATEWAY_TOKEN: token, GATEWAY_MAX_BODY_BYTES: "-1" })).toThrow(/GATEWAY_MAX_BODY_BYTES/);
    expect(() => gatewayConfigFromEnv({ GATEWAY_TOKEN: token, GATEWAY_SCRIPTS: "all" })).toThrow(/GATEWAY_SCRIPTS .* "all"/);
  });

  it("runs any Lua script only when told to (protocol tests)", () => {
    expect(gatewayConfigFromEnv({ GATEWAY_TOKEN: token, GATEWAY_SCRIPTS: "any" }).scripts).toBe("any");
  });
});

describe("sseEvent", () => {
  it("frames one event, and splits a payload with newlines into several data lines", () => {
    expect(sseEvent("message,ch,hi")).toBe("data: message,ch,hi\n\n");
    expect(sseEvent("a\nb\r\nc")).toBe("data: a\ndata: b\ndata: c\n\n");
  });
});
