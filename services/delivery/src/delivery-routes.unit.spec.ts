// GET /deliveries through its response schema: the serializer writes only what the schema names,
// so each delivery must still carry every field, with the value it had before. The database is a stub.
import type { HttpApp } from "@saga-shop/service-kit";
import { serviceApp } from "../../../packages/service-kit/test/service-app";
import { deliveryService } from "./main";

const ORDER_ID = "7b50a18f-3c1e-4d2a-9f60-1a2b3c4d5e6f";

/** A row as Prisma returns it: every column, including those the API does not show. */
const deliveryRow = (overrides: Partial<Record<string, unknown>>) => ({
  id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
  orderId: ORDER_ID,
  status: "SCHEDULED",
  address: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
  failureReason: null,
  scheduledFor: new Date("2026-03-03T00:00:00.000Z"),
  createdAt: new Date("2026-03-01T10:00:00.000Z"),
  ...overrides,
});

let app: HttpApp | undefined;
afterEach(() => app?.close());

test("given an order's deliveries, then each comes back with every field as before: the day as YYYY-MM-DD, nulls as null", async () => {
  const rows = [
    deliveryRow({}),
    deliveryRow({ id: "0b9a8c7d-6e5f-4b4a-9d3c-2f1e0a9b8c7d", status: "FAILED", failureReason: "address not serviceable", scheduledFor: null }),
  ];
  app = serviceApp(deliveryService, { delivery: { findMany: async () => rows } });
  const response = await app.inject({ method: "GET", url: `/deliveries?orderId=${ORDER_ID}` });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual([
    { id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", orderId: ORDER_ID, status: "SCHEDULED", failureReason: null, scheduledFor: "2026-03-03" },
    {
      id: "0b9a8c7d-6e5f-4b4a-9d3c-2f1e0a9b8c7d",
      orderId: ORDER_ID,
      status: "FAILED",
      failureReason: "address not serviceable",
      scheduledFor: null,
    },
  ]);
});

test("given an orderId that is not a uuid, then 400 with the error body naming it", async () => {
  app = serviceApp(deliveryService);
  const response = await app.inject({ method: "GET", url: "/deliveries?orderId=42" });
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.stringContaining("querystring/orderId") });
});
