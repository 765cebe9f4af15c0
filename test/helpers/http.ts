/**
 * A JSON client for the worker under test. `base` and `token` are read on every call, because tests
 * restart the worker (same port) and rotate tokens between calls.
 */
export function jsonApi(base: () => string, token: () => string | null) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const bearer = token();
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }), "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // Tests read whatever the route answers, so the body stays untyped.
    return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : undefined) as any, at: Date.now() };
  };
}
