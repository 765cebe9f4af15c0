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

export const Title = z.string().trim().min(1, { error: "must not be empty" }).max(200, { error: "must be at most 200 characters" });
export const Description = z.string().max(5000, { error: "must be at most 5000 characters" });

/** An ISO 8601 date-time; an offset is optional (none means UTC). Answers always use UTC with Z. */
export const InstantText = z
  .string()
  .max(40, { error: "must be an ISO 8601 date-time such as 2026-01-15T14:00:00Z" })
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
  created_by: z.unknown().optional(),
  created_at: z.unknown().optional(),
  updated_at: z.unknown().optional(),
  version: z.unknown().optional(),
};

export const Version = z.number().int().positive().meta({ description: "Grows by one with every change; also sent as the ETag." });
