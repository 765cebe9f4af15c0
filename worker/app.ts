import { Hono } from "hono";
import type { AppEnv } from "./env.ts";
import { answerMethodNotAllowed, handleError, handleNotFound } from "./http-errors.ts";
import { healthRoutes } from "./routes/health.ts";

/** The whole REST API: each feature is a sub-app mounted here. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.route("/", healthRoutes);
  answerMethodNotAllowed(app);
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}
