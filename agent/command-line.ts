/**
 * parseArgs for every groupsync-agent command, with one difference users meet: a value after a space
 * may start with a dash (`--focus -5m`, `--port -1`, `--node-id -x`). parseArgs alone refuses those
 * as "ambiguous", which hides the real problem; here such a value is taken as the option's, exactly
 * like the `=` form, so the command's own check says what is wrong with it. A following word that is
 * one of the command's options (`--title --json`) is still not swallowed as a value.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./config-file.ts";

type OptionSpecs = Record<string, { readonly type: "string" | "boolean" }>;

export function parseCommandLine<T extends OptionSpecs>(args: readonly string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: joinDashValues(args, options), options, allowPositionals, strict: true });
  } catch (error) {
    // parseArgs explains itself in its first sentence; the rest is advice about "--".
    const first = (error as Error).message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, "");
    // Left "ambiguous" only when another of the command's options follows (`--focus --json`).
    const ambiguous = /^Option '(--[^']+)' argument is ambiguous/.exec(first);
    throw new UsageError(ambiguous === null ? first : `${ambiguous[1]} needs a value, but the option after it came next`);
  }
}

/** `--name -value` becomes `--name=-value` for each string option, unless -value is itself an option (or `--`). */
export function joinDashValues(args: readonly string[], options: OptionSpecs): string[] {
  const isOption = (word: string) => word === "--" || word === "-h" || word === "--help" || (word.startsWith("--") && word.slice(2).split("=")[0]! in options);
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const next = args[i + 1];
    if (word === "--") {
      joined.push(...args.slice(i));
      break;
    }
    const name = word.startsWith("--") ? word.slice(2) : null;
    if (name !== null && options[name]?.type === "string" && next !== undefined && next.startsWith("-") && !isOption(next)) {
      joined.push(`${word}=${next}`);
      i++;
    } else {
      joined.push(word);
    }
  }
  return joined;
}
