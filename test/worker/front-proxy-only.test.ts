import { describe, expect, it } from "vitest";
import { call } from "./api.ts";

/** `npm run dev` sets GROUPSYNC_FRONT_PROXY_SECRET; the front proxy adds it as a header to every request. */
const devEnv = { GROUPSYNC_FRONT_PROXY_SECRET: "per-run-secret-0123456789", GROUPSYNC_PUBLIC_URL: "http://127.0.0.1:8787" };

describe("requests that skipped the dev front proxy", () => {
  it("are refused 403 naming the public URL, /ping and WebSockets included, whatever CF-Connecting-IP they send", async () => {
    for (const [path, headers] of [["/ping", {}], ["/admin/teams", { authorization: "Bearer wrong", "cf-connecting-ip": "10.0.0.1" }], ["/ws", { upgrade: "websocket" }]] as const) {
      const res = await call(path, { headers }, devEnv);
      expect(res.status, path).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: "use_public_port", message: "this is wrangler's private port; send requests to http://127.0.0.1:8787 instead", details: { use: "http://127.0.0.1:8787" } },
      });
    }
    const wrong = await call("/ping", { headers: { "x-groupsync-front-proxy": "per-run-secret-012345678" } }, devEnv);
    expect(wrong.status).toBe(403);
  });

  it("pass with the secret, and no secret is asked for when the setting is unset (workerd started directly)", async () => {
    expect((await call("/ping", { headers: { "x-groupsync-front-proxy": devEnv.GROUPSYNC_FRONT_PROXY_SECRET } }, devEnv)).status).toBe(200);
    expect((await call("/ping")).status).toBe(200);
  });
});
