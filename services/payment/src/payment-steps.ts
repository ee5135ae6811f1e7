import { randomUUID } from "node:crypto";
import { UnprocessableEvent } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { chargeCard } from "./payment-provider";

// The payment service's local steps: the only code that charges or refunds. Each runs inside the
// transaction of whatever triggered it (an event, a command, a prepare).

type Tx = Prisma.TransactionClient;

export type Charge = { captured: true; paymentId: string } | { captured: false; reason: string };

/** Charges the order's amount with its payment token; a decline is recorded too. */
export async function charge(tx: Tx, step: { orderId: string; amountCents: number; paymentToken: string }): Promise<Charge> {
  const result = chargeCard(step.paymentToken);
  const id = randomUUID();
  if (!result.captured) {
    await tx.payment.create({ data: { id, orderId: step.orderId, amountCents: step.amountCents, status: "DECLINED", declineReason: result.reason } });
    return { captured: false, reason: result.reason };
  }
  await tx.payment.create({ data: { id, orderId: step.orderId, amountCents: step.amountCents, status: "CAPTURED" } });
  return { captured: true, paymentId: id };
}

/** Compensation: the goods cannot be delivered, so the money goes back. */
export async function refund(tx: Tx, orderId: string, reason: string): Promise<{ paymentId: string; amountCents: number }> {
  const payment = await tx.payment.findUnique({ where: { orderId } });
  if (payment?.status !== "CAPTURED") {
    throw new UnprocessableEvent(`order ${orderId} has no captured payment to refund (${payment?.status ?? "none"})`);
  }
  await tx.payment.update({ where: { id: payment.id }, data: { status: "REFUNDED", refundReason: reason } });
  return { paymentId: payment.id, amountCents: payment.amountCents };
}

/** The order's payment, if it has one (one per order: a unique key). */
export const paymentOf = (tx: Tx, orderId: string) => tx.payment.findUnique({ where: { orderId } });
