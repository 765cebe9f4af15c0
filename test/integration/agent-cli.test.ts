import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GROUPSYNC_VERSION } from "../../shared/version.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The agent as a user runs it from a checkout: `npx groupsync-agent`, which resolves package.json's bin. */
function agent(...args: string[]) {
  const result = spawnSync("npx", ["--no-install", "groupsync-agent", ...args], { cwd: ROOT, encoding: "utf8" });
  // npm itself may warn about the machine's npmrc on stderr; only the agent's lines matter.
  const stderr = result.stderr.split("\n").filter((line) => !line.startsWith("npm warn")).join("\n");
  return { code: result.status, stdout: result.stdout, stderr };
}

describe("groupsync-agent", () => {
  it("runs as a bin and prints its version and help", () => {
    expect(agent("--version")).toEqual({ code: 0, stdout: `${GROUPSYNC_VERSION}\n`, stderr: "" });
    const help = agent("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: groupsync-agent <command>");
  });

  it("answers an unknown command with one clear error line and exit code 2", () => {
    expect(agent("frobnicate")).toEqual({ code: 2, stdout: "", stderr: "groupsync-agent: unknown command 'frobnicate'; see groupsync-agent --help\n" });
  });
});
