import { describe, expect, it } from "vitest";
import { SocketRoster } from "../../worker/live/socket-roster.ts";

describe("socket roster", () => {
  it("counts open sockets per team and per member; a socket removed twice counts once", () => {
    const roster = new SocketRoster<string>();
    roster.add("s1", "ana");
    roster.add("s2", "ana");
    roster.add("s3", "bo");
    roster.add("s3", "bo"); // the same socket again changes nothing
    expect([roster.size, roster.countOf("ana"), roster.countOf("bo"), roster.countOf("cy")]).toEqual([3, 2, 1, 0]);
    roster.remove("s1");
    roster.remove("s1");
    roster.remove("never-added");
    expect([roster.size, roster.countOf("ana"), roster.countOf("bo")]).toEqual([2, 1, 1]);
  });

  it("lists the agents: sockets added as agents or marked once proven, until removed", () => {
    const roster = new SocketRoster<string>();
    roster.add("page", "ana");
    roster.add("woken-agent", "bo", true);
    roster.add("agent", "cy");
    expect(roster.agents()).toEqual(["woken-agent"]);
    roster.markAgent("agent");
    roster.markAgent("closed"); // a socket no longer open is not listed
    expect(roster.agents()).toEqual(["woken-agent", "agent"]);
    roster.remove("woken-agent");
    expect(roster.agents()).toEqual(["agent"]);
    expect(roster.size).toBe(2);
  });
});
