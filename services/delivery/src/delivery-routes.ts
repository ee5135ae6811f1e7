import type { HttpApp, ServiceContext } from "@saga-shop/service-kit";
import { Type } from "@sinclair/typebox";
import type { PrismaClient } from "./generated/prisma/client";

const ByOrder = Type.Object({ orderId: Type.String({ format: "uuid" }) }, { additionalProperties: false });

export function deliveryRoutes(app: HttpApp, { db }: ServiceContext<PrismaClient>): void {
  app.get("/deliveries", { schema: { querystring: ByOrder } }, async (request) => {
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
