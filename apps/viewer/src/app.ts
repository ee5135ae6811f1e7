import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildHttpApp, createLogger, errorResponses, HttpError, notFound, type HttpApp } from "@saga-shop/service-kit";
import { Type } from "@sinclair/typebox";
import type { Logger } from "pino";
import type { ViewerConfig } from "./config";
import { demoTriggers } from "./demo";
import { startFeed, type Feed } from "./feed";
import { deadLetterViews, sagaSummaries, sagaView } from "./state";
import { eventStream } from "./stream";

/** The page: plain HTML, CSS and JavaScript, read once at start and served as they are. */
const publicDir = join(__dirname, "..", "public");
const pages = [
  { path: "/", file: "index.html", type: "text/html; charset=utf-8" },
  { path: "/viewer.css", file: "viewer.css", type: "text/css; charset=utf-8" },
  { path: "/viewer.js", file: "viewer.js", type: "text/javascript; charset=utf-8" },
];

const SagaId = Type.Object({ id: Type.String({ format: "uuid" }) });
const SagaQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ maxLength: 20 })),
    transaction: Type.Optional(Type.String({ maxLength: 40 })),
    q: Type.Optional(Type.String({ maxLength: 36 })),
    stuck: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
  },
  { additionalProperties: false },
);
const RedriveBody = Type.Union([
  Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false }),
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
]);
const TriggerId = Type.Object({ trigger: Type.String({ maxLength: 40 }) });
const answer = (description: string) => ({ 200: Type.Unknown({ description }) });

// Each route's schema (its summary, what it takes, what it answers), for /docs and validation.
const schemas = {
  page: { hide: true, response: answer("the page") },
  stream: { summary: "Server-Sent Events: a snapshot, then each saga, dead letter and consumer-group report as it changes", response: answer("text/event-stream") },
  sagas: { summary: "The latest sagas, filtered", querystring: SagaQuery, response: { ...answer("sagas, newest first"), ...errorResponses({ 400: "a query parameter is not valid" }) } },
  saga: {
    summary: "One saga's timeline",
    params: SagaId,
    response: { ...answer("the saga: its status, transaction mode, steps by lane and dead letters"), ...errorResponses({ 400: "the id is not a uuid", 404: "no event of this order has been seen" }) },
  },
  deadLetters: { summary: "Every consumer's dead letters, newest first", response: answer("the dead letters") },
  redrive: {
    summary: "Put a dead letter (`id`), or every one not yet redriven (`all: true`), back on its source topic",
    body: RedriveBody,
    response: {
      ...answer("what each redrive did (refusals of `all` included, with their reasons)"),
      ...errorResponses({ 400: "neither an id nor all", 404: "no dead letter has this id", 409: "refused: it would apply an event out of order, or cannot be redriven" }),
    },
  },
  groups: { summary: "The services' consumer groups: members, assigned partitions, lag", response: answer("one report per group") },
  demo: { summary: "The README's demo triggers", response: answer("the triggers") },
  placeDemo: {
    summary: "Place the order of a demo trigger on the order service",
    params: TriggerId,
    response: { 202: Type.Unknown({ description: "the order service took it" }), ...errorResponses({ 404: "no such trigger", 502: "the order service did not take the order" }) },
  },
};

/**
 * The viewer as a fastify app that does not listen (main.ts does): the service kit's HTTP app
 * (JSON errors, health, /docs), its feed of the topics (closed when the app closes), the page
 * and its API. It owns no database: everything it shows it rebuilt from Kafka when it started.
 */
export function buildViewerApp(config: ViewerConfig, options: { feed?: Feed; onCrash?: (error: Error) => void } = {}): HttpApp {
  const logger = createLogger({ service: "viewer", logLevel: config.logLevel, logPretty: config.logPretty }) as Logger;
  let feed: Feed | undefined = options.feed;
  const app = buildHttpApp(logger, { kafka: async () => (feed ? feed.isUp() : false) }, {
    title: "saga viewer",
    version: (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version,
    description: "Follows every saga topic and dead-letter topic and shows each saga's timeline live; redrives dead letters.",
  });
  // A plugin once the docs plugin has loaded (so /docs describes the routes): the feed, then the
  // routes over it. The feed stops when the app closes.
  void app.register(async (instance) => {
    const onCrash =
      options.onCrash ??
      ((error: Error) => {
        logger.fatal({ err: error }, "the viewer's Kafka consumer crashed and will not restart; exiting");
        process.exit(1);
      });
    const running = feed ?? (await startFeed({ brokers: config.kafkaBrokers, logger, onCrash }));
    feed = running;
    instance.addHook("onClose", () => running.stop());
    viewerRoutes(instance as HttpApp, running, config, logger);
  });
  return app;
}

function viewerRoutes(app: HttpApp, feed: Feed, config: ViewerConfig, logger: Logger): void {
  const stream = eventStream(feed, logger);
  // Before the server waits for open connections to end: an event stream never would.
  app.addHook("preClose", async () => stream.close());

  for (const page of pages) {
    const body = readFileSync(join(publicDir, page.file));
    app.get(page.path, { schema: schemas.page }, async (_request, reply) => reply.type(page.type).header("cache-control", "no-cache").send(body));
  }

  app.get("/api/stream", { schema: schemas.stream }, (request, reply) => {
    reply.hijack();
    stream.connect(reply.raw);
    request.raw.on("close", () => reply.raw.end());
  });

  app.get("/api/sagas", { schema: schemas.sagas }, async (request) => sagaSummaries(feed.state, request.query));

  app.get(
    "/api/sagas/:id",
    { schema: schemas.saga },
    async (request) => {
      const view = sagaView(feed.state, request.params.id);
      if (!view) throw notFound(`saga of order ${request.params.id}`);
      return view;
    },
  );

  app.get("/api/dead-letters", { schema: schemas.deadLetters }, async () => deadLetterViews(feed.state));

  app.post(
    "/api/dead-letters/redrive",
    { schema: schemas.redrive },
    async (request) => {
      const body = request.body;
      if ("all" in body) return { results: await feed.redriveAll() };
      if (!feed.state.deadLetters.has(body.id)) throw notFound(`dead letter ${body.id}`);
      const result = await feed.redrive(body.id);
      if (result.outcome === "refused") throw new HttpError(409, `redrive of ${body.id} refused: ${result.reason}`);
      return { results: [result] };
    },
  );

  app.get("/api/groups", { schema: schemas.groups }, async () => feed.groups());

  app.get("/api/demo", { schema: schemas.demo }, async () => demoTriggers.map(({ id, label, toSee }) => ({ id, label, toSee })));

  app.post(
    "/api/demo/:trigger",
    { schema: schemas.placeDemo },
    async (request, reply) => {
      const trigger = demoTriggers.find((t) => t.id === request.params.trigger);
      if (!trigger) throw notFound(`demo trigger ${request.params.trigger}`);
      // Sent as it is, not thrown: the error handler hides every 5xx's message, and this one is the
      // order service's answer, not the viewer's internals.
      const badGateway = (message: string) => reply.status(502).send({ statusCode: 502, error: "Bad Gateway", message });
      let response: Response;
      try {
        response = await fetch(`${config.orderUrl}/orders`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(trigger.order()),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        return badGateway(`the order service at ${config.orderUrl} did not answer: ${(error as Error).message}`);
      }
      const body = (await response.json().catch(() => null)) as { id?: string; message?: string } | null;
      if (response.status !== 202 || !body?.id) return badGateway(`the order service answered ${response.status}: ${body?.message ?? "no reason given"}`);
      return reply.status(202).send({ trigger: trigger.id, ...body });
    },
  );
}
