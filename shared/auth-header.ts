/**
 * The 401 for an Authorization header that is present but not `Bearer <token>`. Shared because the
 * dev stack's front proxy gives the same answer for an empty header, which would not survive wrangler.
 */
export const MALFORMED_AUTHORIZATION = "the Authorization header is not `Bearer <token>`";
export const BEARER_CHALLENGE = 'Bearer realm="groupsync"';
