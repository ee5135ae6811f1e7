import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
// Importing contracts also registers the string formats (uuid, date-time) TypeBox checks.
import { decodeUtf8, textProblem } from "@saga-shop/contracts";
import { isOverload } from "@saga-shop/messaging";
import { Type, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifySchemaCompiler } from "fastify";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { registerApiDocs, StringEnum, type ApiDocs } from "./api-docs";

const createFastify = (logger: Logger) =>
  Fastify({
    // The service's own logger is the app's (`app.log`), for its plugins and routes too.
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request lines would drown the saga's story; refusals and failures are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    // A plugin may wait for its dependency to come back (Kafka restarting, a consumer group still
    // holding a killed member): fastify's 10 s would fail starts that succeed a little later.
    pluginTimeout: 120_000,
    bodyLimit: 64 * 1024,
    clientErrorHandler: answerUnparsableRequest,
  }).withTypeProvider<TypeBoxTypeProvider>();

export type HttpApp = ReturnType<typeof createFastify>;

/**
 * For requests Node cannot even parse (headers over the limit, not HTTP): a JSON answer that says
 * the connection is closing, so a keep-alive client does not send its next request into it.
 */
function answerUnparsableRequest(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, text, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "request headers are over the size limit"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "the request took too long to arrive"]
        : [400, "Bad Request", "the request is not valid HTTP"];
  const body = JSON.stringify({ statusCode: status, error: text, message });
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** An HTTP error with a status and a reason the client can act on. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}
export const notFound = (what: string) => new HttpError(404, `${what} not found`);

const statusText: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Request validation with TypeBox, strict about JSON bodies: a string where a number belongs is
 * an error, not something to coerce, and unknown fields are refused rather than dropped.
 * Path, query and headers are text by nature, so they are converted to the schema's types first.
 */
const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const fromText = httpPart !== "body";
  return (input: unknown) => {
    // Text Postgres cannot store is refused here, for every route and every part of a request.
    const badText = textProblem(input, httpPart ?? "request");
    if (badText) return { error: new Error(badText) };
    const value = fromText ? Value.Default(schema, scalarsFromText(schema, input)) : input;
    if (check.Check(value)) return { value };
    const error = check.Errors(value).First();
    const where = `${httpPart ?? "request"}${error?.path ?? ""}`;
    return { error: new Error(`${where}: ${error?.message ?? "is not valid"}`) };
  };
};

/**
 * Turns text fields that the schema wants as numbers or booleans into those, but only text that
 * is exactly one: "1.5" for an integer stays text and fails validation instead of becoming 1, and
 * only "true" and "false" are booleans.
 */
function scalarsFromText(schema: TSchema, input: unknown): unknown {
  if (typeof input !== "object" || input === null || !schema.properties) return input;
  const output: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [name, field] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const text = output[name];
    if (typeof text !== "string") continue;
    if (field.type === "integer" && /^-?\d{1,15}$/.test(text)) output[name] = Number(text);
    if (field.type === "number" && /^-?\d{1,15}(\.\d{1,15})?$/.test(text)) output[name] = Number(text);
    if (field.type === "boolean" && (text === "true" || text === "false")) output[name] = text === "true";
  }
  return output;
}


export interface Readiness {
  [dependency: string]: () => Promise<boolean>;
}

const ReadinessBody = Type.Object({
  status: StringEnum(["ready", "not ready"]),
  checks: Type.Record(Type.String(), Type.Boolean(), { description: "each dependency: does it answer?" }),
});
const healthSchemas = {
  live: {
    summary: "The process is up",
    response: { 200: Type.Object({ status: StringEnum(["ok"]) }, { description: "the process answers" }) },
  },
  ready: {
    summary: "Its database and Kafka answer",
    response: {
      200: Type.Object(ReadinessBody.properties, { description: "every dependency answers" }),
      503: Type.Object(ReadinessBody.properties, { description: "a dependency does not answer; `checks` shows which" }),
    },
  },
};

/**
 * The HTTP side of a service, without listening (tests call `app.inject`). Every error is JSON
 * `{ statusCode, error, message }`; a 4xx says what was wrong, a 5xx never shows internals.
 * The OpenAPI document (/docs/json) and Swagger UI (/docs) describe the routes added in
 * `app.after(...)`, that is once the docs plugin has loaded, as `buildServiceApp` adds a service's.
 */
export function buildHttpApp(
  logger: Logger,
  readiness: Readiness,
  docs: ApiDocs = { title: "saga-shop service", version: "0.1.0" },
): HttpApp {
  const app = createFastify(logger);
  app.setValidatorCompiler(validatorCompiler);
  registerApiDocs(app, docs);
  // The API speaks JSON only; anything else is a 415, not a string for validation to trip over.
  app.removeContentTypeParser("text/plain");
  // JSON is UTF-8 (RFC 8259). The default parser would turn bytes that are not into U+FFFD and
  // store a string the client never sent; this one refuses them and otherwise parses as before.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const text = decodeUtf8(body as Buffer);
    if (text === null) return done(new HttpError(400, "body is not valid UTF-8 text"), undefined);
    parseJson(request, text, done);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status = error.statusCode ?? 500;
    if (error.validation) status = 400;
    if (status < 400 || status > 599) status = 500;
    // Prisma could not get a connection or start a transaction in time: overload, not a bug.
    // Say so, and when to come back, so clients back off instead of seeing a failure.
    const overloaded = isOverload(error);
    if (overloaded) {
      status = 503;
      void reply.header("retry-after", "1");
    }
    const message = overloaded
      ? "the service is busy; retry in a moment"
      : status >= 500
        ? "something went wrong on our side; it has been logged"
        : error.message;
    if (status >= 500) logger.error({ err: error, url: request.url }, "request failed");
    else logger.info({ status, reason: error.message, url: request.url }, "request refused");
    return reply.status(status).send({ statusCode: status, error: statusText[status] ?? "Error", message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ statusCode: 404, error: "Not Found", message: `no route for ${request.method} ${request.url}` }),
  );

  // In `after`, once the docs plugin has loaded: it sees only the routes added from then on.
  app.after(() => healthRoutes(app, readiness));

  return app;
}

function healthRoutes(app: HttpApp, readiness: Readiness): void {
  app.get("/health/live", { schema: healthSchemas.live }, async () => ({ status: "ok" as const }));
  app.get("/health/ready", { schema: healthSchemas.ready }, async (_request, reply) => {
    const checks = Object.fromEntries(
      await Promise.all(
        Object.entries(readiness).map(async ([name, check]) => [name, await check().catch(() => false)] as const),
      ),
    );
    const ready = Object.values(checks).every(Boolean);
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });
}
