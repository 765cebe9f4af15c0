import { describe, expect, it } from "vitest";
import { encodeReply, toEntry } from "../../gateway/reply-encoding.ts";

// What @upstash/redis does with each string of a base64 reply (pkg/http.ts base64decode).
const clientDecode = (s: string) => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));

describe("encodeReply", () => {
  it("base64-encodes bulk strings byte for byte, binary included", () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41]);
    expect(encodeReply(bytes, true)).toBe("/wD+QQ==");
    expect(Buffer.from(encodeReply(bytes, true) as string, "base64")).toEqual(bytes);
  });

  it("round-trips UTF-8 through the client's decoder", () => {
    const text = '{"title":"Zoë 😀 ✓"}';
    expect(clientDecode(encodeReply(Buffer.from(text), true) as string)).toBe(text);
  });

  it("encodes status replies too, which the client decodes back (OK stays OK)", () => {
    expect(clientDecode(encodeReply("OK", true) as string)).toBe("OK");
    expect(clientDecode(encodeReply("PONG", true) as string)).toBe("PONG");
  });

  it("leaves numbers and null alone and recurses into nested arrays", () => {
    expect(encodeReply([Buffer.from("a"), 7, null, [Buffer.from("b"), [3]]], true)).toEqual(["YQ==", 7, null, ["Yg==", [3]]]);
  });

  it("sends plain UTF-8 when base64 is not asked for", () => {
    expect(encodeReply([Buffer.from("héllo"), "OK", 1], false)).toEqual(["héllo", "OK", 1]);
  });

  it("rejects reply types RESP2 cannot produce", () => {
    expect(() => encodeReply(new Map(), true)).toThrow(/unexpected reply type/);
  });
});

describe("toEntry", () => {
  it("keeps a Redis error as an error, never as a result", () => {
    expect(toEntry(new Error("WRONGTYPE Operation against a key"), true)).toEqual({ error: "WRONGTYPE Operation against a key" });
    expect(toEntry(Buffer.from("x"), false)).toEqual({ result: "x" });
  });
});
