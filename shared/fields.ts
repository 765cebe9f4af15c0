import { z } from "zod";
import { parseInstant } from "./instant.ts";

/**
 * Field types shared by events and goals. Ids end up in URL paths and Redis keys, so they are
 * limited to characters that need no escaping anywhere: no "/", no "..", no spaces.
 */
export const ResourceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.~-]{0,127}$/, {
    error: "must be 1-128 characters of letters, digits, '-', '_', '.', '~', starting with a letter or digit",
  });

/** How a name (team, member, calendar) is spelled: a first character, then up to max-1 more. */
export interface NameRule {
  max: number;
  first: RegExp;
  rest: RegExp;
  /** "letters, digits, '-', '_' or '.'" */
  characters: string;
  /** "a letter or digit" */
  startsWith: string;
}

/**
 * A name field whose message says what is actually wrong: "-a" is refused because of how it
 * starts, not with a list of allowed characters that includes its own. The regex stays (OpenAPI's
 * `pattern`).
 */
export function nameField(rule: NameRule) {
  const pattern = new RegExp(`^${rule.first.source}${rule.rest.source}{0,${rule.max - 1}}$`);
  return z.string().regex(pattern, { error: (issue) => nameProblem(String(issue.input), rule) });
}

/** Member and calendar names. */
export const NAME_OF_LETTERS_AND_DIGITS: NameRule = { max: 64, first: /[A-Za-z0-9]/, rest: /[A-Za-z0-9_.-]/, characters: "letters, digits, '-', '_' or '.'", startsWith: "a letter or digit" };

export function nameProblem(text: string, rule: NameRule): string {
  const spelled = `must be 1-${rule.max} ${rule.characters}, starting with ${rule.startsWith}`;
  if (text === "") return spelled;
  if (!new RegExp(`^${rule.first.source}`).test(text)) return `must start with ${rule.startsWith}`;
  if (text.length > rule.max) return `must be at most ${rule.max} characters`;
  const other = [...text].find((char) => !new RegExp(`^${rule.rest.source}$`).test(char));
  return other === undefined ? spelled : `${spelled}; ${JSON.stringify(other)} is not one`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * C0 controls but tab and line feed, DEL, and the C1 controls U+0080-U+009F (RFC 5545 TEXT allows
 * none of them). Carriage return too: a lone CR is a line break to some readers and not to others.
 */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/**
 * What a string may not contain, or null. A lone UTF-16 surrogate has no UTF-8 form: Redis's Lua
 * (cjson) cannot decode the escape JSON.stringify writes for it, and the ICS feed cannot carry it.
 * Control characters (NUL included) have no place in a title, and iCalendar TEXT forbids them.
 * Everything else is kept as sent: noncharacters, bidi marks, emoji, astral characters.
 */
export function textProblem(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return "contains a lone UTF-16 surrogate";
  const control = CONTROL.exec(text);
  if (control !== null) return `contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  return null;
}

/** Free text that people type (titles, descriptions, owners): storable, and valid in every feed. */
export function freeText<S extends z.ZodType<string>>(schema: S): S {
  return schema.superRefine((text, ctx) => {
    const problem = textProblem(text);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  }) as unknown as S;
}

/**
 * Text that shows nothing: only whitespace and format characters (zero-width joiner, BOM, bidi
 * marks). trim() already drops U+FEFF but not U+200D, so both count as empty here alike.
 */
const INVISIBLE_ONLY = /^[\s\p{Cf}]*$/u;

/** A title: 1-200 characters, some of them visible. */
export const Title = freeText(
  z
    .string()
    .trim()
    .min(1, { error: "must not be empty" })
    .max(200, { error: "must be at most 200 characters" })
    .refine((text) => !INVISIBLE_ONLY.test(text), { error: "must not be empty (it has only invisible characters)" }),
);
export const Description = freeText(z.string().max(5000, { error: "must be at most 5000 characters" }));

/** An ISO 8601 date-time; an offset is optional (none means UTC). Answers always use UTC with Z. */
export const InstantText = z
  .string()
  // abort: a long text is not parsed, and the same sentence is not said twice for one field.
  .max(40, { error: "must be an ISO 8601 date-time such as 2026-01-15T14:00:00Z", abort: true })
  .superRefine((text, ctx) => {
    const parsed = parseInstant(text);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
  })
  .meta({ format: "date-time", example: "2026-01-15T14:00:00Z" });

/**
 * Fields the server owns. A client that GETs a resource, edits it and PUTs it back may send them;
 * they are accepted and ignored rather than rejected.
 */
export const serverManagedFields = {
  created_by: z.unknown().optional().meta({ readOnly: true }),
  created_at: z.unknown().optional().meta({ readOnly: true }),
  updated_at: z.unknown().optional().meta({ readOnly: true }),
  version: z.unknown().optional().meta({ readOnly: true }),
};

/** The server-managed fields of a record as answered: readOnly in the OpenAPI document, and absent from its write schemas. */
export const readOnly = <S extends z.ZodType>(schema: S): S => schema.meta({ readOnly: true }) as S;

export const Version = z.number().int().positive().meta({ description: "Grows by one with every change; with created_at, the ETag (\"3@2026-12-01T16:00:00.000Z\")." });

/** `limit` of a list route: how many items a page holds. */
export const PageLimit = z.coerce
  .number({ error: "must be a whole number" })
  .int({ error: "must be a whole number" })
  .min(1, { error: "must be 1 or more" })
  .max(500, { error: "must be at most 500" })
  .default(100);

/** `cursor` of a list route: the previous page's next_cursor, as it was given. */
export const PageCursor = z.string().max(200, { error: "must be the next_cursor of the previous page (at most 200 characters)" }).optional().meta({ description: "next_cursor from the previous page." });
