import { errorResponses, Nullable, StringEnum, type ServiceApp } from "@saga-shop/service-kit";
import { Type } from "@sinclair/typebox";
import type { Prisma, PrismaClient } from "./generated/prisma/client";

const ByOrder = Type.Object({ orderId: Type.String({ format: "uuid" }) }, { additionalProperties: false });

// What the route answers: the serializer writes only what this names, so it names every field.
const PaymentView = Type.Object({
  id: Type.String({ format: "uuid" }),
  orderId: Type.String({ format: "uuid" }),
  amountCents: Type.Integer(),
  status: StringEnum(["CAPTURED", "DECLINED", "REFUNDED"]),
  declineReason: Nullable(Type.String({ description: "why the card was declined" })),
  refundReason: Nullable(Type.String({ description: "why the payment was refunded" })),
});
const listPaymentsSchema = {
  summary: "The payment of an order (none, or one)",
  querystring: ByOrder,
  response: {
    200: Type.Array(PaymentView, { description: "the order's payments, oldest first" }),
    ...errorResponses({ 400: "orderId is missing or not a uuid" }),
  },
};

export function paymentRoutes(app: ServiceApp<PrismaClient, Prisma.TransactionClient>): void {
  const { db } = app;
  app.get("/payments", { schema: listPaymentsSchema }, async (request) => {
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
