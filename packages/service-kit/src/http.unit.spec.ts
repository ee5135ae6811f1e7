// Every service's HTTP side answers errors the same way: JSON { statusCode, error, message },
// a 4xx that says what the client got wrong, a 5xx that never shows internals.
import { Type } from "@sinclair/typebox";
import pino from "pino";
import { buildHttpApp, HttpError, notFound, type HttpApp } from "./http";

const SECRET = "connection to db-primary.internal:5432 refused for user admin";

const Body = Type.Object(
  {
    sku: Type.String({ minLength: 1 }),
    quantity: Type.Integer({ minimum: 1 }),
    userId: Type.Optional(Type.String({ format: "uuid" })),
  },
  { additionalProperties: false },
);
const Query = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  stuck: Type.Optional(Type.Boolean()),
});
const USER_ID = "3e6d9f4b-8a3c-4d84-8a9b-4c5d6e7f8091";

let app: HttpApp;

beforeEach(async () => {
  app = buildHttpApp(pino({ level: "silent" }), { database: async () => true, kafka: async () => false });
  app.post("/items", { schema: { body: Body } }, async (request, reply) => reply.status(201).send({ added: request.body.sku }));
  app.get("/page", { schema: { querystring: Query } }, async (request) => ({ limit: request.query.limit, stuck: request.query.stuck }));
  app.get("/boom", async () => {
    throw new Error(SECRET);
  });
  app.get("/refused", async () => {
    throw new HttpError(422, "order total must be more than zero");
  });
  app.get("/missing", async () => {
    throw notFound("order 42");
  });
  app.get("/unavailable", async () => {
    throw new HttpError(503, `kafka unreachable: ${SECRET}`);
  });
  app.get("/overloaded", async () => {
    throw Object.assign(new Error(`Transaction API error: Unable to start a transaction in the given time. ${SECRET}`), { code: "P2028" });
  });
  app.get("/teapot", async () => {
    throw new HttpError(302, "not an error status");
  });
  await app.ready();
});

afterEach(() => app.close());

const postItems = (payload: string | object, contentType = "application/json") =>
  app.inject({ method: "POST", url: "/items", headers: { "content-type": contentType }, payload });

describe("a valid request", () => {
  test("given a body that fits the schema, when posted, then the route runs", async () => {
    const response = await postItems({ sku: "BOOK", quantity: 2 });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ added: "BOOK" });
  });
});

describe("text Postgres cannot store, or would store changed: 400 naming the field", () => {
  test("given a NUL character in a body string, when posted, then 400 naming the field and the character", async () => {
    const response = await postItems({ sku: "BO\u0000OK", quantity: 1 });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: "body/sku: text must not contain the NUL character (U+0000)" });
  });

  test("given a lone surrogate sent as a JSON escape, when posted, then 400 naming the field", async () => {
    const response = await postItems('{"sku":"BOOK\\ud800","quantity":1}');
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe("body/sku: text must not contain a lone UTF-16 surrogate (not a Unicode character)");
  });

  test("given bytes that are not UTF-8 inside a string, when posted, then 400 instead of a string with U+FFFD in it", async () => {
    const body = Buffer.concat([Buffer.from('{"sku":"BO'), Buffer.from([0xff, 0xfe]), Buffer.from('OK","quantity":1}')]);
    const response = await postItems(body as unknown as string);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: "body is not valid UTF-8 text" });
  });

  test("given a NUL in a query parameter, when requested, then 400 naming the parameter", async () => {
    const response = await app.inject({ method: "GET", url: "/page?limit=%00" });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe("querystring/limit: text must not contain the NUL character (U+0000)");
  });

  test("given good text in many scripts, when posted, then it is accepted unchanged", async () => {
    const response = await postItems({ sku: "서울-📦-Straße-\u202e", quantity: 1 });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ added: "서울-📦-Straße-\u202e" });
  });

  test("given JSON with a __proto__ key, when posted, then it is still refused (the strict parser keeps fastify's guard)", async () => {
    const response = await postItems('{"__proto__":{"admin":true},"sku":"A","quantity":1}');
    expect(response.statusCode).toBe(400);
  });
});

describe("requests the client got wrong: 4xx saying what was wrong", () => {
  test("given a body missing a required field, when posted, then 400 JSON naming the field", async () => {
    const response = await postItems({ sku: "BOOK" });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    const body = response.json();
    expect(body).toEqual({ statusCode: 400, error: "Bad Request", message: expect.stringContaining("body/quantity") });
  });

  test("given a field of the wrong type, when posted, then 400 naming the field", async () => {
    const response = await postItems({ sku: "BOOK", quantity: "two" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.stringContaining("body/quantity") });
  });

  test("given a field below its minimum, when posted, then 400 naming the field", async () => {
    const response = await postItems({ sku: "BOOK", quantity: 0 });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain("quantity");
  });

  test("given malformed JSON, when posted, then 400 JSON", async () => {
    const response = await postItems('{"sku": "BOOK", ');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.any(String) });
  });

  test("given a number sent as a string in a JSON body, when posted, then 400: JSON bodies are not coerced", async () => {
    const response = await postItems({ sku: "BOOK", quantity: "2" });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain("body/quantity");
  });

  test("given a field the schema does not know, when posted, then 400 naming it rather than dropping it silently", async () => {
    const response = await postItems({ sku: "BOOK", quantity: 1, discount: 100 });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.stringContaining("discount") });
  });

  test("given a userId that is not a uuid, when posted, then 400 naming userId (the uuid format is checked)", async () => {
    const response = await postItems({ sku: "BOOK", quantity: 1, userId: "user-42" });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain("body/userId");
  });

  test("given a userId that is a uuid, when posted, then it is accepted", async () => {
    expect((await postItems({ sku: "BOOK", quantity: 1, userId: USER_ID })).statusCode).toBe(201);
  });

  test("given a query parameter, which is text by nature, when it fits the schema, then the route sees it converted to a number", async () => {
    const response = await app.inject({ method: "GET", url: "/page?limit=5" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ limit: 5 });
  });

  test("given no query parameter, when the schema has a default, then the route sees the default", async () => {
    const response = await app.inject({ method: "GET", url: "/page" });
    expect(response.json()).toEqual({ limit: 20 });
  });

  test("given a query parameter out of range, when called, then 400 naming the parameter", async () => {
    const response = await app.inject({ method: "GET", url: "/page?limit=500" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.stringContaining("querystring/limit") });
  });

  test("given a boolean query parameter, when it is exactly true or false, then the route sees a boolean", async () => {
    expect((await app.inject({ method: "GET", url: "/page?stuck=true" })).json()).toEqual({ limit: 20, stuck: true });
    expect((await app.inject({ method: "GET", url: "/page?stuck=false" })).json()).toEqual({ limit: 20, stuck: false });
  });

  test.each(["1", "yes", "TRUE", " true"])("given stuck=%j, text that is not exactly a boolean, when called, then 400 rather than a guess", async (stuck) => {
    expect((await app.inject({ method: "GET", url: `/page?stuck=${encodeURIComponent(stuck)}` })).statusCode).toBe(400);
  });

  test.each(["1.5", "1e1", "0x10", "5abc", " 5"])(
    "given limit=%j, text that is not exactly an integer, when called, then 400 rather than a guess",
    async (limit) => {
      const response = await app.inject({ method: "GET", url: `/page?limit=${encodeURIComponent(limit)}` });
      expect(response.statusCode).toBe(400);
    },
  );

  test("given a JSON content-type with an empty body, when posted, then 400", async () => {
    const response = await postItems("");
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.any(String) });
  });

  test("given a form-encoded body, when posted, then 415 Unsupported Media Type", async () => {
    const response = await postItems("sku=BOOK&quantity=2", "application/x-www-form-urlencoded");
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({ statusCode: 415, error: "Unsupported Media Type", message: expect.any(String) });
  });

  test("given an XML body, when posted, then 415 Unsupported Media Type", async () => {
    const response = await postItems("<item><sku>BOOK</sku></item>", "application/xml");
    expect(response.statusCode).toBe(415);
    expect(response.json().error).toBe("Unsupported Media Type");
  });

  test("given a text/plain body, when posted, then 415: the API speaks JSON only", async () => {
    const response = await postItems('{"sku":"BOOK","quantity":2}', "text/plain");
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({ statusCode: 415, error: "Unsupported Media Type", message: expect.any(String) });
  });

  test("given a body over 64 KiB, when posted, then 413 Payload Too Large", async () => {
    const response = await postItems(JSON.stringify({ sku: "x".repeat(64 * 1024), quantity: 1 }));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ statusCode: 413, error: "Payload Too Large", message: expect.any(String) });
  });

  test("given a body just under 64 KiB, when posted, then it is accepted", async () => {
    const wrapper = JSON.stringify({ sku: "", quantity: 1 }).length;
    const response = await postItems(JSON.stringify({ sku: "x".repeat(64 * 1024 - wrapper), quantity: 1 }));
    expect(response.statusCode).toBe(201);
  });

  test("given a route that does not exist, when called, then 404 JSON naming the method and path", async () => {
    const response = await app.inject({ method: "GET", url: "/nowhere" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: "Not Found", message: "no route for GET /nowhere" });
  });

  test("given a route that refuses with HttpError(422), when called, then 422 with that message", async () => {
    const response = await app.inject({ method: "GET", url: "/refused" });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ statusCode: 422, error: "Unprocessable Entity", message: "order total must be more than zero" });
  });

  test("given a route that throws notFound, when called, then 404 saying what was not found", async () => {
    const response = await app.inject({ method: "GET", url: "/missing" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: "Not Found", message: "order 42 not found" });
  });
});

describe("failures on our side: 5xx without internals", () => {
  test("given a route that throws a plain Error, when called, then 500 whose message shows neither the error nor a stack", async () => {
    const response = await app.inject({ method: "GET", url: "/boom" });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body).toEqual({ statusCode: 500, error: "Internal Server Error", message: "something went wrong on our side; it has been logged" });
    expect(response.body).not.toContain(SECRET);
    expect(response.body).not.toContain("db-primary");
    expect(response.body).not.toMatch(/\bat .*\.ts:\d+/);
    expect(response.body).not.toContain("stack");
  });

  test("given a route that throws HttpError(503) with details, when called, then 503 keeps its status but not its details", async () => {
    const response = await app.inject({ method: "GET", url: "/unavailable" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      statusCode: 503,
      error: "Service Unavailable",
      message: "something went wrong on our side; it has been logged",
    });
    expect(response.body).not.toContain(SECRET);
  });

  test("given an HttpError with a status that is not an error status, when thrown, then it becomes a 500", async () => {
    const response = await app.inject({ method: "GET", url: "/teapot" });
    expect(response.statusCode).toBe(500);
    expect(response.json().message).not.toContain("not an error status");
  });
});

describe("health", () => {
  test("given the process is up, when /health/live is asked, then 200", async () => {
    const response = await app.inject({ method: "GET", url: "/health/live" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });

  test("given Kafka is not reachable, when /health/ready is asked, then 503 showing each check", async () => {
    const response = await app.inject({ method: "GET", url: "/health/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: "not ready", checks: { database: true, kafka: false } });
  });

  test("given every dependency is reachable, when /health/ready is asked, then 200 ready", async () => {
    const ready = buildHttpApp(pino({ level: "silent" }), { database: async () => true, kafka: async () => true });
    try {
      const response = await ready.inject({ method: "GET", url: "/health/ready" });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: "ready", checks: { database: true, kafka: true } });
    } finally {
      await ready.close();
    }
  });

  test("given a check that rejects, when /health/ready is asked, then that dependency counts as not ready", async () => {
    const failing = buildHttpApp(pino({ level: "silent" }), {
      database: async () => {
        throw new Error(SECRET);
      },
      kafka: async () => true,
    });
    try {
      const response = await failing.inject({ method: "GET", url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: "not ready", checks: { database: false, kafka: true } });
      expect(response.body).not.toContain(SECRET);
    } finally {
      await failing.close();
    }
  });
});

describe("overload", () => {
  test("given the database pool is exhausted (Prisma P2028), when called, then 503 with Retry-After, not a 500", async () => {
    const response = await app.inject({ method: "GET", url: "/overloaded" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.json()).toEqual({ statusCode: 503, error: "Service Unavailable", message: "the service is busy; retry in a moment" });
    expect(response.body).not.toContain(SECRET);
  });
});
