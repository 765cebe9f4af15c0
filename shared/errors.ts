import { z } from "zod";

/**
 * The one error shape every GroupSync HTTP answer uses, 404 and 405 included:
 * `{"error": {"code": "...", "message": "...", "details": ...}}`.
 * `code` is stable and machine-readable; `message` is for people and names the field at fault.
 */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Codes shared by every route. Feature modules add their own (e.g. `time_slot_taken`). */
export const CommonErrorCodes = {
  badRequest: "bad_request",
  invalidJson: "invalid_json",
  validationFailed: "validation_failed",
  unauthorized: "unauthorized",
  notFound: "not_found",
  methodNotAllowed: "method_not_allowed",
  payloadTooLarge: "payload_too_large",
  unsupportedMediaType: "unsupported_media_type",
  dependencyUnavailable: "dependency_unavailable",
  outcomeUnknown: "outcome_unknown",
  misconfigured: "misconfigured",
  internal: "internal_error",
} as const;

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}
