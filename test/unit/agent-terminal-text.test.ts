import { describe, expect, it } from "vitest";
import { MAX_ECHOED_CHARS, terminalSafe } from "../../agent/terminal-text.ts";

describe("terminalSafe: what the CLI's error lines echo", () => {
  it("escapes controls, bidi overrides and isolates, and other invisible format characters", () => {
    expect(terminalSafe("a\u202eb a\u202ab a\u2066b a\u2069b")).toBe("a\\u202eb a\\u202ab a\\u2066b a\\u2069b");
    expect(terminalSafe("a\x01b a\x1b[2Jb a\x7fb a\u0085b a\u009bb")).toBe("a\\u0001b a\\u001b[2Jb a\\u007fb a\\u0085b a\\u009bb");
    expect(terminalSafe("a\nb a\rb a\tb")).toBe("a\\nb a\\rb a\\tb");
    expect(terminalSafe("a\u200bb a\u200fb a\u00adb a\ufeffb a\u2028b a\u061cb")).toBe("a\\u200bb a\\u200fb a\\u00adb a\\ufeffb a\\u2028b a\\u061cb");
    // What people read stays as it is.
    expect(terminalSafe("--focus: \"ünïcödé 25m\" is not a duration; 日本語")).toBe("--focus: \"ünïcödé 25m\" is not a duration; 日本語");
  });

  it("cuts a quoted value longer than the cap, and only quoted values", () => {
    const long = "x".repeat(300);
    expect(terminalSafe(`--node-id: '${long}' is not a node id`)).toBe(`--node-id: '${"x".repeat(MAX_ECHOED_CHARS)}…' is not a node id`);
    expect(terminalSafe(`--focus: "${long}" is not a duration`)).toBe(`--focus: "${"x".repeat(MAX_ECHOED_CHARS)}…" is not a duration`);
    // Apostrophes in prose never open a "value": the sentence stays whole.
    const prose = `this team's agents use another key than this agent's (${"y".repeat(100)})`;
    expect(terminalSafe(prose)).toBe(prose);
    // Cut before escaping: the cap counts what was given, and an escape is never cut in half.
    expect(terminalSafe(`'${"\u202e".repeat(100)}'`)).toBe(`'${"\\u202e".repeat(MAX_ECHOED_CHARS)}…'`);
  });
});
