import { describe, expect, it } from "vitest";
import { pickAdvertiseAddress } from "../../agent/advertise-address.ts";
import { decodeInvite, encodeInvite, INVITE_PREFIX } from "../../agent/invite.ts";

const KEY = "Xy3kP0-team-key_with_32_bytes_AbCdEfGhIjKl";

describe("invites: gsi_ + base64url(version, host, port, key) + checksum", () => {
  it("round-trips an address and a key, IPv4, IPv6 and names alike", () => {
    for (const target of [{ host: "192.168.1.20", port: 7420 }, { host: "fd00::2", port: 65535 }, { host: "ana-laptop.local", port: 1 }]) {
      const invite = encodeInvite({ target, teamKey: KEY });
      expect(invite).toMatch(/^gsi_[A-Za-z0-9_-]+$/);
      expect(decodeInvite(invite)).toEqual({ target, teamKey: KEY });
      // Pasted with the spaces around it, as chat programs do.
      expect(decodeInvite(`  ${invite}\n`)).toEqual({ target, teamKey: KEY });
    }
  });

  it("tells a mistyped, cut-off or foreign invite apart, in a sentence", () => {
    const invite = encodeInvite({ target: { host: "192.168.1.20", port: 7420 }, teamKey: KEY });
    const damaged = "the invite is damaged or cut off (its checksum does not match); copy the whole line again";
    // Every single-character typo in the body is caught by the checksum.
    const body = invite.slice(INVITE_PREFIX.length);
    for (let i = 0; i < body.length - 1; i++) {
      const typo = body[i] === "A" ? "B" : "A";
      const changed = INVITE_PREFIX + body.slice(0, i) + typo + body.slice(i + 1);
      expect(decodeInvite(changed), `typo at ${i}`).toHaveProperty("error");
    }
    expect(decodeInvite(invite.slice(0, -3))).toEqual({ error: damaged });
    expect(decodeInvite(`${invite}AA`)).toEqual({ error: damaged });
    expect(decodeInvite("gsi_")).toEqual({ error: "the invite has characters no invite has; copy the whole line again" });
    expect(decodeInvite("gsi_abc!def")).toEqual({ error: "the invite has characters no invite has; copy the whole line again" });
    expect(decodeInvite("gsi_AAAAAAAAAAAA")).toEqual({ error: damaged });
    expect(decodeInvite("192.168.1.20:7420")).toEqual({ error: "'192.168.1.20:7420' is not an invite (an invite starts with gsi_)" });
    expect(decodeInvite("gsx_0123456789012345678901234567890")).toEqual({ error: "'gsx_0123456789012345…' is not an invite (an invite starts with gsi_)" });
  });

  it("refuses a later version, a weak key and a port of 0 even with a valid checksum", async () => {
    const { createHash } = await import("node:crypto");
    const forge = (edit: (bytes: Buffer) => void) => {
      const bytes = Buffer.from(encodeInvite({ target: { host: "10.0.0.2", port: 7420 }, teamKey: KEY }).slice(4), "base64url");
      const body = Buffer.from(bytes.subarray(0, -4));
      edit(body);
      return INVITE_PREFIX + Buffer.concat([body, createHash("sha256").update(body).digest().subarray(0, 4)]).toString("base64url");
    };
    expect(decodeInvite(forge((body) => body.writeUInt8(2, 0)))).toEqual({ error: "the invite is of version 2, this agent reads version 1; update groupsync-agent" });
    expect(decodeInvite(forge((body) => body.writeUInt16BE(0, 2 + "10.0.0.2".length)))).toEqual({ error: "the invite names '10.0.0.2:0', which is not host:port" });
    expect(decodeInvite(encodeInvite({ target: { host: "10.0.0.2", port: 7420 }, teamKey: "a".repeat(20) }))).toEqual({ error: "the invite's team key is too easy to guess (only 1 different characters); use a random one, e.g. openssl rand -base64 32" });
  });
});

describe("the address start advertises", () => {
  const info = (address: string, family: "IPv4" | "IPv6", internal = false) => ({ address, family, internal, netmask: "", mac: "", cidr: null, ...(family === "IPv6" ? { scopeid: 0 } : {}) }) as never;
  it("is the first external IPv4 address, else a routable IPv6 one, never loopback or link-local", () => {
    expect(pickAdvertiseAddress({ lo: [info("127.0.0.1", "IPv4", true), info("::1", "IPv6", true)], eth0: [info("fe80::1", "IPv6"), info("fd00::2", "IPv6"), info("192.168.1.20", "IPv4")] })).toBe("192.168.1.20");
    expect(pickAdvertiseAddress({ lo: [info("127.0.0.1", "IPv4", true)], eth0: [info("fe80::1", "IPv6"), info("fd00::2", "IPv6")] })).toBe("fd00::2");
    expect(pickAdvertiseAddress({ lo: [info("127.0.0.1", "IPv4", true)], eth0: [info("fe80::1", "IPv6")] })).toBeNull();
    expect(pickAdvertiseAddress({})).toBeNull();
  });
});
