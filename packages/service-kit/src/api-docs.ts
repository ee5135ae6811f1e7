import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";

// Each service describes its API once, in the TypeBox schemas its routes declare: they validate
// every request, serialize every response, and are what the OpenAPI document is generated from.

/** Where every service serves Swagger UI; the OpenAPI document is at `/docs/json` and `/docs/yaml`. */
export const DOCS_PREFIX = "/docs";

export interface ApiDocs {
  /** The document's title, e.g. "order service". */
  title: string;
  version: string;
  description?: string;
}

/**
 * Serves the OpenAPI 3 document generated from the routes' schemas, and Swagger UI from the
 * installed package (no CDN). The document holds the routes added once the plugin has loaded,
 * so routes go on in `app.after(...)` (as `buildHttpApp` and `buildServiceApp` add theirs).
 */
export function registerApiDocs(app: FastifyInstance, docs: ApiDocs): void {
  void app.register(swagger, {
    openapi: { openapi: "3.0.3", info: { title: docs.title, version: docs.version, description: docs.description } },
    transformObject: (document) =>
      optionalWhenDefaulted("openapiObject" in document ? document.openapiObject : document.swaggerObject),
  });
  void app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}

/**
 * A query parameter with a default is optional (the validator fills it in), though its TypeBox
 * schema lists it as required so that the handler's type has it.
 */
function optionalWhenDefaulted<T>(document: T): T {
  type Operation = { parameters?: Array<{ required?: boolean; schema?: { default?: unknown } }> };
  const paths = (document as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const operation of Object.values(paths).flatMap((item) => Object.values(item))) {
    for (const parameter of operation.parameters ?? []) {
      if (parameter.schema?.default !== undefined) parameter.required = false;
    }
  }
  return document;
}

/**
 * A point in time: a `Date` in the handler, ISO 8601 text on the wire. Under this schema the
 * response serializer writes a Date as `toISOString()`, exactly what `JSON.stringify` does.
 */
export const DateTime = Type.Unsafe<Date | string>({ type: "string", format: "date-time" });

/** One of a few strings, described as an `enum` (a database enum, a status). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });

/** A field that can be null: `failureReason`, `completedAt` … */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The body of every error the services answer (see `buildHttpApp`'s error handler). */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
  error: Type.String({ description: "the status's name, e.g. Bad Request" }),
  message: Type.String({ description: "what was wrong; for a 5xx, never internals" }),
});

/** What a body-taking route answers when the body cannot be read as its JSON. */
export const bodyErrors = {
  400: "the body (or a header) is not valid: malformed JSON, a missing, unknown or out-of-range field",
  413: "the body is over 64 KiB",
  415: "the body is not JSON",
} as const;

type ErrorStatus = 400 | 404 | 409 | 413 | 415 | 422 | 500 | 502 | 503;

/**
 * The error answers of a route that works with its database: the ones given, each with what it
 * means there, and the two every such route can give (a failure on our side, and overload).
 */
export function errorResponses<const M extends { [S in ErrorStatus]?: string }>(
  meanings: M,
): { [S in keyof M | 500 | 503]: TObject<typeof ErrorBody.properties> } {
  const all: Record<number, string | undefined> = {
    ...meanings,
    500: "a failure on our side; the message never shows internals",
    503: "the service is busy (then with Retry-After) or cannot reach what it needs: retry later",
  };
  return Object.fromEntries(
    Object.entries(all).map(([status, description]) => [status, Type.Object(ErrorBody.properties, { description })]),
  ) as never;
}
