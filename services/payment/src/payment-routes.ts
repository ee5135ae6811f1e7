import type { HttpApp, ServiceContext } from "@saga-shop/service-kit";
import { Type } from "@sinclair/typebox";
import type { PrismaClient } from "./generated/prisma/client";

const ByOrder = Type.Object({ orderId: Type.String({ format: "uuid" }) }, { additionalProperties: false });

export function paymentRoutes(app: HttpApp, { db }: ServiceContext<PrismaClient>): void {
  app.get("/payments", { schema: { querystring: ByOrder } }, async (request) => {
    const payments = await db.payment.findMany({ where: { orderId: request.query.orderId }, orderBy: { createdAt: "asc" } });
    return payments.map((p) => ({
      id: p.id,
      orderId: p.orderId,
      amountCents: p.amountCents,
      status: p.status,
      declineReason: p.declineReason,
      refundReason: p.refundReason,
    }));
  });
}
