import { randomUUID } from "node:crypto";
import type { EventDraft, EventOf } from "@saga-shop/contracts";
import { UnprocessableEvent, type HandlersOf } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { chargeCard } from "./payment-provider";

type Tx = Prisma.TransactionClient;

async function charge(event: EventOf<"CreditReserved">, tx: Tx): Promise<EventDraft[]> {
  const { amountCents, paymentToken, shippingAddress } = event.payload;
  const existing = await tx.payment.findUnique({ where: { orderId: event.orderId } });
  if (existing) throw new UnprocessableEvent(`order ${event.orderId} already has a ${existing.status} payment`);
  const result = chargeCard(paymentToken);
  const id = randomUUID();
  if (!result.captured) {
    await tx.payment.create({
      data: { id, orderId: event.orderId, amountCents, status: "DECLINED", declineReason: result.reason },
    });
    return [{ type: "PaymentFailed", payload: { amountCents, reason: result.reason } }];
  }
  await tx.payment.create({ data: { id, orderId: event.orderId, amountCents, status: "CAPTURED" } });
  return [{ type: "PaymentCompleted", payload: { paymentId: id, amountCents, shippingAddress } }];
}

/** Compensation: the goods cannot be delivered, so the money goes back. */
async function refund(event: EventOf<"DeliveryFailed">, tx: Tx): Promise<EventDraft[]> {
  const reason = `delivery failed: ${event.payload.reason}`;
  const payment = await tx.payment.findUnique({ where: { orderId: event.orderId } });
  if (payment?.status !== "CAPTURED") {
    throw new UnprocessableEvent(`order ${event.orderId} has no captured payment to refund (${payment?.status ?? "none"})`);
  }
  await tx.payment.update({ where: { id: payment.id }, data: { status: "REFUNDED", refundReason: reason } });
  return [{ type: "PaymentRefunded", payload: { paymentId: payment.id, amountCents: payment.amountCents, reason } }];
}

export const paymentEventHandlers = (): HandlersOf<"payment", Tx> => ({ CreditReserved: charge, DeliveryFailed: refund });
