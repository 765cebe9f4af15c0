import { Hono } from "hono";
import { configOf, type AppEnv } from "./env.ts";
import { answerMethodNotAllowed, handleError, handleNotFound } from "./http-errors.ts";
import { adminRoutes } from "./auth/admin-routes.ts";
import { meRoutes } from "./auth/me-routes.ts";
import { calendarRoutes } from "./calendar/routes.ts";
import { calendarFeedRoutes } from "./calendar/feed-routes.ts";
import { holdRoutes } from "./calendar/holds-routes.ts";
import { goalRoutes } from "./goals/routes.ts";
import { txRoutes } from "./tx/routes.ts";
import { liveRoutes } from "./live/routes.ts";
import { docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { webhookRoutes } from "./webhooks/routes.ts";
import { cors, routeMethods, type MethodsOf } from "./cors.ts";
import { requestIds } from "./request-id.ts";
import { focusRoutes } from "./focus/routes.ts";
import { peopleRoutes } from "./people/routes.ts";
import { frontProxyOnly } from "./limits/front-proxy-only.ts";

/** The whole REST API: each feature is a sub-app mounted here. */
export function createApp(): Hono<AppEnv> {
  // Not strict: /events and /events/ are the same route, as the original's curl examples need.
  const app = new Hono<AppEnv>({ strict: false });
  // Outermost, so every answer (errors, 503s for bad settings, preflights) carries them.
  app.use(requestIds());
  // Under `npm run dev`: nothing reaches a route without passing the front proxy.
  app.use(frontProxyOnly());
  let methodsOf: MethodsOf | undefined;
  app.use(cors(() => (methodsOf ??= routeMethods(app))));
  // Settings are checked before any route runs, so a bad one is a 503 naming it, not a 500 per route.
  app.use(async (c, next) => {
    configOf(c.env);
    await next();
  });
  // The URL map: each sub-app at its base path.
  app.route("/", healthRoutes); // GET /health, GET /ping
  app.route("/", docsRoutes); // GET /openapi.json, /docs, /api/docs
  app.route("/admin", adminRoutes); // GET, POST /admin/teams; GET, POST /admin/teams/:team/members; POST .../:member/token; DELETE .../:member
  app.route("/me", meRoutes); // GET /me/team; POST /me/token
  app.route("/events", calendarRoutes); // GET, POST /events; GET, PUT, PATCH, DELETE /events/:id
  app.route("/calendar.ics", calendarFeedRoutes); // GET
  app.route("/holds", holdRoutes); // GET
  app.route("/goals", goalRoutes); // GET, POST /goals; GET, PUT, PATCH, DELETE /goals/:id
  app.route("/tx", txRoutes); // POST /tx; GET /tx/:id; POST /tx/:id/ops, /commit, /abort
  app.route("/", liveRoutes); // GET /ws, /agents; /pomo/*
  app.route("/focus", focusRoutes); // GET /focus/sessions
  app.route("/", peopleRoutes); // GET, PUT, DELETE /members/:member/availability; GET /freebusy; POST /find-time; /members/:member/calendars
  app.route("/webhooks", webhookRoutes); // GET, POST /webhooks; GET, DELETE /webhooks/:id; GET .../deliveries; POST .../redeliver
  answerMethodNotAllowed(app);
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}
