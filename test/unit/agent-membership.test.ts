import { describe, expect, it } from "vitest";
import { memberDigest } from "../../agent/core/member-digest.ts";
import { Membership } from "../../agent/core/membership.ts";

const timeouts = { memberTimeoutMs: 1000, leaveTimeoutMs: 500 };
const acks = (entries: Record<string, number>) => new Map(Object.entries(entries).map(([id, lastAckAt]) => [id, { lastAckAt }] as const));

function threeMembers(): Membership {
  return new Membership({ id: "a", address: "a:1" }, [
    { id: "c", address: "c:1" },
    { id: "b", address: "b:1" },
  ]);
}

describe("membership", () => {
  it("lists members by id, and keeps every address it learned for replies to non-members", () => {
    const members = threeMembers();
    expect(members.list.map((m) => m.id)).toEqual(["a", "b", "c"]);
    members.learnAddress("x", "x:1");
    expect(members.addressOf("x")).toBe("x:1");
    expect(members.memberAddress("x")).toBeNull();
    expect(members.replace([{ id: "a", address: "a:1" }], 7)).toBe(true);
    expect(members.replace([{ id: "a", address: "a:1" }], 8)).toBe(false);
    expect(members).toMatchObject({ version: 8, revision: 1, size: 1 });
    expect(members.addressOf("b")).toBe("b:1");
  });

  it("fingerprints the list: the same members and addresses give the same digest, any change another", () => {
    const members = threeMembers();
    const digest = members.digest;
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    expect(memberDigest(threeMembers().list)).toBe(digest);
    members.replace(threeMembers().list, 5); // a new version of the same list
    expect(members.digest).toBe(digest);
    members.replace([...threeMembers().list.slice(0, 2), { id: "c", address: "c:2" }], 6);
    expect(members.digest).not.toBe(digest);
    expect(memberDigest([{ id: "ab", address: "c" }])).not.toBe(memberDigest([{ id: "a", address: "bc" }]));
    expect(memberDigest([])).not.toBe(memberDigest([{ id: "", address: "" }]));
  });

  it("hears only from members, and forgets when a member goes", () => {
    const members = threeMembers();
    members.heardFrom("b", 100);
    members.heardFrom("x", 100);
    expect(members.heardSince("b", 100)).toBe(true);
    expect(members.heardSince("b", 101)).toBe(false);
    expect(members.heardSince("x", 0)).toBe(false);
    members.replace([{ id: "a", address: "a:1" }, { id: "c", address: "c:1" }], 1);
    members.replace(threeMembers().list, 2);
    expect(members.heardSince("b", 0)).toBe(false);
  });

  it("picks the lowest silent or departed follower for removal, and only once its time has come", () => {
    const members = threeMembers();
    expect(members.nextRemovable(acks({ b: 900, c: 900 }), 1800, timeouts)).toBeNull();
    expect(members.nextRemovable(acks({ b: 900, c: 800 }), 1800, timeouts)).toBe("c");
    expect(members.nextRemovable(acks({ b: 800, c: 800 }), 1800, timeouts)).toBe("b");
    members.markDeparting("c", 1000, false);
    expect(members.nextRemovable(acks({ b: 1400, c: 1400 }), 1499, timeouts)).toBeNull();
    expect(members.nextRemovable(acks({ b: 1400, c: 1400 }), 1500, timeouts)).toBe("c");
    members.markDeparting("b", 1500, true);
    expect(members.nextRemovable(acks({ b: 1400, c: 1400 }), 1500, timeouts)).toBe("b");
  });

  it("a silent member removed is lost and probed until retention ends; a departed one is not, and a merge must not bring it back", () => {
    const members = threeMembers();
    members.remove("b", 1000);
    members.markDeparting("c", 1000, true);
    members.remove("c", 1000);
    expect(members.list.map((m) => m.id)).toEqual(["a"]);
    expect(members.version).toBe(2);
    expect(members.lostList).toEqual([{ id: "b", address: "b:1" }]);
    expect(members.hasDeparted("c")).toBe(true);
    expect(members.isDeparting("c")).toBe(false);
    expect(members.lostToProbe(3000, 2000)).toEqual(["b"]);
    expect(members.lostToProbe(3001, 2000)).toEqual([]);
    members.welcomeBack("c");
    expect(members.hasDeparted("c")).toBe(false);
  });

  it("takes the master's lost list without itself, and its live view", () => {
    const members = threeMembers();
    expect(members.liveView).toBeNull();
    members.adoptLost([{ id: "a", address: "a:2" }, { id: "z", address: "z:1" }], "a", 50);
    expect(members.lostList).toEqual([{ id: "z", address: "z:1" }]);
    expect(members.addressOf("z")).toBe("z:1");
    members.adoptLiveView(["a", "b"]);
    expect([...members.liveView!]).toEqual(["a", "b"]);
  });
});
