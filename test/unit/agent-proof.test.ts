import { describe, expect, it } from "vitest";
import { AGENT_PROOF_WINDOW_MS, checkAgentProof, signAgentMessage } from "../../shared/agent-proof.ts";

const KEY = "a-team-key-that-is-long-enough-01";
const beat = { type: "agent.heartbeat", node_id: "a", role: "master", term: 3, master: "a", members: ["a"], tcp: null, at: 1_000_000 };

describe("agent proof (the hub's check of an agent's message)", () => {
  it("a message signed for this socket's nonce under the key passes, whatever the order of its keys", async () => {
    const signed = await signAgentMessage(KEY, "nonce-1", beat);
    expect(signed.mac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const reordered = JSON.parse(JSON.stringify({ mac: signed.mac, ...Object.fromEntries(Object.entries(beat).reverse()) }));
    expect(await checkAgentProof(KEY, "nonce-1", reordered, beat.at)).toBe("ok");
  });

  it("another socket's nonce, another key, a changed field or a mangled mac fail", async () => {
    const signed = await signAgentMessage(KEY, "nonce-1", beat);
    expect(await checkAgentProof(KEY, "nonce-2", signed, beat.at)).toBe("bad_mac");
    expect(await checkAgentProof("another-key-that-is-long-enough-02", "nonce-1", signed, beat.at)).toBe("bad_mac");
    expect(await checkAgentProof(KEY, "nonce-1", { ...signed, term: 2 ** 40 }, beat.at)).toBe("bad_mac");
    expect(await checkAgentProof(KEY, "nonce-1", { ...signed, at: beat.at + 1 }, beat.at)).toBe("bad_mac");
    for (const mac of ["", "!!!", signed.mac.slice(0, -2), `${signed.mac}AA`]) expect(await checkAgentProof(KEY, "nonce-1", { ...signed, mac }, beat.at)).toBe("bad_mac");
  });

  it("a message signed more than the window away from the worker's clock is stale", async () => {
    const signed = await signAgentMessage(KEY, "n", beat);
    expect(await checkAgentProof(KEY, "n", signed, beat.at + AGENT_PROOF_WINDOW_MS)).toBe("ok");
    expect(await checkAgentProof(KEY, "n", signed, beat.at + AGENT_PROOF_WINDOW_MS + 1)).toBe("stale");
    expect(await checkAgentProof(KEY, "n", signed, beat.at - AGENT_PROOF_WINDOW_MS - 1)).toBe("stale");
  });
});
