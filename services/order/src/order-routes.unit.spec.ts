// The order routes' answers, through their response schemas: the serializer writes only what a
// schema names, so each answer must still carry every field, with the value it had before the
// schemas (what JSON.stringify made of the handler's result). The database is a stub.
import { requestFingerprint } from "./idempotency";
import type { HttpApp } from "@saga-shop/service-kit";
import { serviceApp } from "../../../packages/service-kit/test/service-app";
import { Prisma } from "./generated/prisma/client";
import { orderService } from "./main";

const ORDER_ID = "7b50a18f-3c1e-4d2a-9f60-1a2b3c4d5e6f";
const USER_ID = "00000000-0000-4000-8000-000000000001";

/** A row as Prisma returns it: every column, including those the API does not show. */
const orderRow = (overrides: Partial<Record<string, unknown>> = {}) => ({
  id: ORDER_ID,
  userId: USER_ID,
  status: "CANCELLED",
  totalCents: 2600,
  items: [
    { sku: "book", quantity: 2, unitPriceCents: 1250 },
    { sku: "pen", quantity: 1, unitPriceCents: 100 },
  ],
  paymentToken: "tok_chargeDeclined",
  shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
  failureReason: "payment failed: card declined",
  idempotencyKey: "key-1",
  idempotencyFingerprint: null,
  transaction: "CHOREOGRAPHY",
  correlationId: "2c9d6e1a-5b4f-4e3d-8c2b-1a0f9e8d7c6b",
  createdAt: new Date("2026-03-01T10:00:00.123Z"),
  updatedAt: new Date("2026-03-01T10:00:02.000Z"),
  completedAt: new Date("2026-03-01T10:00:01.987Z"),
  ...overrides,
});

const stepRow = (type: string, service: string, at: string, summary: string) => ({
  eventId: `0000000${type.length}-0000-4000-8000-00000000000${service.length}`,
  orderId: ORDER_ID,
  type,
  service,
  occurredAt: new Date(at),
  summary,
});

let app: HttpApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const withDatabase = (db: object) => (app = serviceApp(orderService, db));

describe("GET /orders/:id", () => {
  test("given a cancelled order with its history, then every field comes back as before: dates as ISO text, the stored items and address whole", async () => {
    const row = {
      ...orderRow(),
      history: [
        stepRow("OrderCreated", "order", "2026-03-01T10:00:00.123Z", "order 7b50a18f created"),
        stepRow("PaymentFailed", "payment", "2026-03-01T10:00:01.500Z", "payment failed: card declined"),
      ],
    };
    const response = await withDatabase({ order: { findUnique: async () => row } }).inject({ method: "GET", url: `/orders/${ORDER_ID}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: ORDER_ID,
      userId: USER_ID,
      status: "CANCELLED",
      totalCents: 2600,
      transaction: "choreography",
      failureReason: "payment failed: card declined",
      createdAt: "2026-03-01T10:00:00.123Z",
      completedAt: "2026-03-01T10:00:01.987Z",
      items: [
        { sku: "book", quantity: 2, unitPriceCents: 1250 },
        { sku: "pen", quantity: 1, unitPriceCents: 100 },
      ],
      shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
      twoPhaseCommit: null,
      history: [
        { type: "OrderCreated", service: "order", occurredAt: "2026-03-01T10:00:00.123Z", summary: "order 7b50a18f created" },
        { type: "PaymentFailed", service: "payment", occurredAt: "2026-03-01T10:00:01.500Z", summary: "payment failed: card declined" },
      ],
    });
  });

  test("given a pending order, then its null failureReason and completedAt stay null and its empty history an empty list", async () => {
    const row = { ...orderRow({ status: "PENDING", failureReason: null, completedAt: null }), history: [] };
    const response = await withDatabase({ order: { findUnique: async () => row } }).inject({ method: "GET", url: `/orders/${ORDER_ID}` });
    expect(response.json()).toMatchObject({ status: "PENDING", failureReason: null, completedAt: null, history: [] });
  });

  test("given the stored JSON has a field the schema does not name, then it is returned as stored, not dropped", async () => {
    const row = {
      ...orderRow({ shippingAddress: { line1: "1 Main St", line2: "Apt 4", city: "Seoul", postalCode: "04524", country: "KR" } }),
      history: [],
    };
    const response = await withDatabase({ order: { findUnique: async () => row } }).inject({ method: "GET", url: `/orders/${ORDER_ID}` });
    expect(response.json().shippingAddress).toEqual({ line1: "1 Main St", line2: "Apt 4", city: "Seoul", postalCode: "04524", country: "KR" });
  });

  test("given no such order, then 404 with the error body", async () => {
    const response = await withDatabase({ order: { findUnique: async () => null } }).inject({ method: "GET", url: `/orders/${ORDER_ID}` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: "Not Found", message: `order ${ORDER_ID} not found` });
  });

  test("given the database pool is exhausted, then 503 with the error body and Retry-After", async () => {
    const busy = new Prisma.PrismaClientKnownRequestError("Timed out fetching a new connection from the connection pool", {
      code: "P2024",
      clientVersion: "7",
    });
    const response = await withDatabase({
      order: {
        findUnique: async () => {
          throw busy;
        },
      },
    }).inject({ method: "GET", url: `/orders/${ORDER_ID}` });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.json()).toEqual({ statusCode: 503, error: "Service Unavailable", message: "the service is busy; retry in a moment" });
  });
});

describe("GET /orders", () => {
  test("given a page of orders, then each summary has every field as before, with total, limit and offset", async () => {
    const rows = [orderRow(), orderRow({ id: "8c61b29a-4d2f-4e3b-a071-2b3c4d5e6f70", status: "PENDING", failureReason: null, completedAt: null })];
    const seen: unknown[] = [];
    const db = {
      order: {
        findMany: async (query: unknown) => {
          seen.push(query);
          return rows;
        },
        count: async () => 7,
      },
    };
    const response = await withDatabase(db).inject({ method: "GET", url: "/orders?status=CANCELLED&limit=2&offset=4" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        {
          id: ORDER_ID,
          userId: USER_ID,
          status: "CANCELLED",
          totalCents: 2600,
          transaction: "choreography",
          failureReason: "payment failed: card declined",
          createdAt: "2026-03-01T10:00:00.123Z",
          completedAt: "2026-03-01T10:00:01.987Z",
        },
        {
          id: "8c61b29a-4d2f-4e3b-a071-2b3c4d5e6f70",
          userId: USER_ID,
          status: "PENDING",
          totalCents: 2600,
          transaction: "choreography",
          failureReason: null,
          createdAt: "2026-03-01T10:00:00.123Z",
          completedAt: null,
        },
      ],
      total: 7,
      limit: 2,
      offset: 4,
    });
    expect(seen).toEqual([expect.objectContaining({ where: { status: "CANCELLED" }, take: 2, skip: 4 })]);
  });

  test("given no query, then the defaults come back as limit and offset", async () => {
    const db = { order: { findMany: async () => [], count: async () => 0 } };
    const response = await withDatabase(db).inject({ method: "GET", url: "/orders" });
    expect(response.json()).toEqual({ items: [], total: 0, limit: 20, offset: 0 });
  });
});

describe("POST /orders", () => {
  const body = {
    userId: USER_ID,
    items: [{ sku: "book", quantity: 2, unitPriceCents: 1250 }],
    paymentToken: "tok_visa",
    shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
  };
  const post = (payload: object, headers: Record<string, string> = {}) =>
    (app as HttpApp).inject({ method: "POST", url: "/orders", headers: { "content-type": "application/json", ...headers }, payload });

  test("given a new order, then 202 with its id, PENDING and its total, as before", async () => {
    const tx = {
      order: { create: async ({ data }: { data: Record<string, unknown> }) => orderRow({ ...data, status: "PENDING", failureReason: null, completedAt: null }) },
      sagaStep: { createMany: async () => ({ count: 1 }) },
      $executeRaw: async () => 1,
    };
    withDatabase({ $transaction: (work: (t: typeof tx) => Promise<unknown>) => work(tx) });
    const response = await post(body);
    expect(response.statusCode).toBe(202);
    expect(response.headers["idempotent-replayed"]).toBe("false");
    expect(response.json()).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: "PENDING", totalCents: 2500 });
  });

  test("given a retried Idempotency-Key with the same request, then 202 with the order it created, as before", async () => {
    const idempotencyFingerprint = requestFingerprint("POST", "/orders", body);
    withDatabase({ order: { findUnique: async () => orderRow({ status: "APPROVED", totalCents: 2500, idempotencyFingerprint }) } });
    const response = await post(body, { "idempotency-key": "key-1" });
    expect(response.statusCode).toBe(202);
    expect(response.headers["idempotent-replayed"]).toBe("true");
    expect(response.json()).toEqual({ id: ORDER_ID, status: "APPROVED", totalCents: 2500 });
  });

  test("given an Idempotency-Key first used for another request, then 422 with the error body and not that order", async () => {
    const idempotencyFingerprint = requestFingerprint("POST", "/orders", { ...body, paymentToken: "tok_mastercard" });
    withDatabase({ order: { findUnique: async () => orderRow({ status: "APPROVED", totalCents: 2500, idempotencyFingerprint }) } });
    const response = await post(body, { "idempotency-key": "key-1" });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      statusCode: 422,
      error: "Unprocessable Entity",
      message: 'Idempotency-Key "key-1" was already used for a different request; send a new key for a new order',
    });
  });

  test("given an order whose total is zero, then 422 with the error body", async () => {
    withDatabase({});
    const response = await post({ ...body, items: [{ sku: "free", quantity: 1, unitPriceCents: 0 }] });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ statusCode: 422, error: "Unprocessable Entity", message: "order total must be more than zero" });
  });

  test("given a field the schema does not know, then still 400 naming it: request validation stays strict", async () => {
    withDatabase({});
    const response = await post({ ...body, discount: 100 });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.stringContaining("discount") });
  });
});
