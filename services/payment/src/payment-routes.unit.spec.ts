// GET /payments through its response schema: the serializer writes only what the schema names,
// so each payment must still carry every field, with the value it had before. The database is a stub.
import type { HttpApp } from "@saga-shop/service-kit";
import { serviceApp } from "../../../packages/service-kit/test/service-app";
import { paymentService } from "./main";

const ORDER_ID = "7b50a18f-3c1e-4d2a-9f60-1a2b3c4d5e6f";

/** A row as Prisma returns it: every column, including those the API does not show. */
const paymentRow = (overrides: Partial<Record<string, unknown>>) => ({
  id: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
  orderId: ORDER_ID,
  amountCents: 2500,
  status: "CAPTURED",
  declineReason: null,
  refundReason: null,
  createdAt: new Date("2026-03-01T10:00:00.000Z"),
  updatedAt: new Date("2026-03-01T10:00:01.000Z"),
  ...overrides,
});

let app: HttpApp | undefined;
afterEach(() => app?.close());

test("given an order's payments, then each comes back with every field as before, null reasons as null", async () => {
  const rows = [
    paymentRow({ status: "REFUNDED", refundReason: "delivery failed: we do not deliver to AQ" }),
    paymentRow({ id: "6e5d4c3b-2a1f-4e0d-9c8b-7a6f5e4d3c2b", status: "DECLINED", declineReason: "card declined" }),
  ];
  const seen: unknown[] = [];
  app = serviceApp(paymentService, {
    payment: {
      findMany: async (query: unknown) => {
        seen.push(query);
        return rows;
      },
    },
  });
  const response = await app.inject({ method: "GET", url: `/payments?orderId=${ORDER_ID}` });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual([
    {
      id: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
      orderId: ORDER_ID,
      amountCents: 2500,
      status: "REFUNDED",
      declineReason: null,
      refundReason: "delivery failed: we do not deliver to AQ",
    },
    {
      id: "6e5d4c3b-2a1f-4e0d-9c8b-7a6f5e4d3c2b",
      orderId: ORDER_ID,
      amountCents: 2500,
      status: "DECLINED",
      declineReason: "card declined",
      refundReason: null,
    },
  ]);
  expect(seen).toEqual([expect.objectContaining({ where: { orderId: ORDER_ID } })]);
});

test("given no orderId, then 400 with the error body naming it", async () => {
  app = serviceApp(paymentService);
  const response = await app.inject({ method: "GET", url: "/payments" });
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.stringContaining("orderId") });
});
