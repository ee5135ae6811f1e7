import { errorResponses, Nullable, StringEnum, type ServiceApp } from "@saga-shop/service-kit";
import { Type } from "@sinclair/typebox";
import type { Prisma, PrismaClient } from "./generated/prisma/client";

const ByOrder = Type.Object({ orderId: Type.String({ format: "uuid" }) }, { additionalProperties: false });

// What the route answers: the serializer writes only what this names, so it names every field.
const DeliveryView = Type.Object({
  id: Type.String({ format: "uuid" }),
  orderId: Type.String({ format: "uuid" }),
  status: StringEnum(["SCHEDULED", "FAILED"]),
  failureReason: Nullable(Type.String({ description: "why the delivery could not be booked" })),
  scheduledFor: Nullable(Type.String({ format: "date", description: "the day the courier comes" })),
});
const listDeliveriesSchema = {
  summary: "The delivery of an order (none, or one)",
  querystring: ByOrder,
  response: {
    200: Type.Array(DeliveryView, { description: "the order's deliveries, oldest first" }),
    ...errorResponses({ 400: "orderId is missing or not a uuid" }),
  },
};

export function deliveryRoutes(app: ServiceApp<PrismaClient, Prisma.TransactionClient>): void {
  const { db } = app;
  app.get("/deliveries", { schema: listDeliveriesSchema }, async (request) => {
    const deliveries = await db.delivery.findMany({ where: { orderId: request.query.orderId }, orderBy: { createdAt: "asc" } });
    return deliveries.map((d) => ({
      id: d.id,
      orderId: d.orderId,
      status: d.status,
      failureReason: d.failureReason,
      scheduledFor: d.scheduledFor?.toISOString().slice(0, 10) ?? null,
    }));
  });
}
