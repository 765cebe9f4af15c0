/**
 * The floor for POST /events under `wrangler dev`: a worker that does the least a write can do —
 * read a JSON body and store it with one @upstash/redis call, through the same client settings as
 * the real stores — and nothing else (no routing, validation, auth, Lua or live feed). The bench
 * measures it beside the real worker, so the POST /events figure can be read against what one
 * subrequest costs on this machine.
 */
import { storeRedis } from "../../worker/storage/store-client.ts";

interface FloorEnv {
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (request.method === "GET" && path === "/ping") return Response.json({ ok: true });
    if (request.method === "POST" && path === "/floor") {
      const body = await request.json();
      await storeRedis(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN).set(`bench:floor:${crypto.randomUUID()}`, JSON.stringify(body));
      return Response.json(body, { status: 201 });
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<FloorEnv>;
