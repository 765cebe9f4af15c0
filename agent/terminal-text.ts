/**
 * What the CLI prints about bad input goes to a terminal, and often echoes what the user (or an
 * environment variable, or a remote agent) gave. Raw control characters there can move the cursor,
 * clear the screen or end the line early; bidi overrides and other invisible format characters can
 * make the line read differently from what it says. So every error line passes through here: such
 * characters are shown escaped (\n, \t, \u202e...), and a quoted value longer than
 * MAX_ECHOED_CHARS is cut, so a 300-character id does not bury the sentence around it.
 */

export const MAX_ECHOED_CHARS = 80;

/** C0 and C1 controls, DEL, format characters (bidi embeddings, overrides and isolates, zero-width ones, BOM), line and paragraph separators, lone surrogates. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
/**
 * A value the message quotes, as the CLI's messages do: '…' or "…", opening after a space or
 * bracket and closing before one (so the apostrophe of "the team's" never opens one).
 */
const QUOTED = /(^|[\s(:=,[])(?:'([^'\n]*)'|"([^"\n]*)")(?=$|[\s),.;:\]])/g;

/** `text` made safe for one terminal line: quoted values capped, unsafe characters escaped. */
export function terminalSafe(text: string): string {
  const capped = text.replace(QUOTED, (whole: string, before: string, single: string | undefined, double: string | undefined) => {
    const chars = [...(single ?? double ?? "")];
    if (chars.length <= MAX_ECHOED_CHARS) return whole;
    const quote = single !== undefined ? "'" : '"';
    return `${before}${quote}${chars.slice(0, MAX_ECHOED_CHARS).join("")}…${quote}`;
  });
  return capped.replace(UNSAFE, (char) => NAMED[char] ?? `\\u${char.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

/** Prints `message` as one `groupsync-agent: …` line on stderr, made safe first. */
export function printError(message: string): void {
  process.stderr.write(`groupsync-agent: ${terminalSafe(message)}\n`);
}
