import type { EventDraft, EventOf } from "@saga-shop/contracts";
import { UnprocessableEvent, type HandlersOf } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { decideReservation, type CreditAccount } from "./credit-rules";

type Tx = Prisma.TransactionClient;

async function reserveCredit(event: EventOf<"OrderCreated">, tx: Tx): Promise<EventDraft[]> {
  const { userId, totalCents, paymentToken, shippingAddress } = event.payload;
  // Lock the user's row: two orders of one user travel on different partitions, at the same time.
  const [account] = await tx.$queryRaw<CreditAccount[]>`
    SELECT status, credit_limit_cents AS "creditLimitCents", reserved_cents AS "reservedCents"
    FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
  const decision = decideReservation(account ?? null, totalCents);
  if (!decision.reserved) return [{ type: "CreditRejected", payload: { userId, reason: decision.reason } }];
  await tx.user.update({ where: { id: userId }, data: { reservedCents: { increment: totalCents } } });
  await tx.creditReservation.create({ data: { orderId: event.orderId, userId, amountCents: totalCents } });
  return [{ type: "CreditReserved", payload: { userId, amountCents: totalCents, paymentToken, shippingAddress } }];
}

/** Compensation: give back exactly what was reserved for the order, once. */
async function releaseCredit(tx: Tx, orderId: string, reason: string): Promise<EventDraft[]> {
  const reservation = await tx.creditReservation.findUnique({ where: { orderId } });
  if (!reservation) throw new UnprocessableEvent(`no credit was reserved for order ${orderId}`);
  const released = await tx.creditReservation.updateMany({
    where: { orderId, status: "RESERVED" },
    data: { status: "RELEASED", reason },
  });
  if (released.count === 0) throw new UnprocessableEvent(`credit for order ${orderId} was already released`);
  await tx.user.update({
    where: { id: reservation.userId },
    data: { reservedCents: { decrement: reservation.amountCents } },
  });
  return [{ type: "CreditReleased", payload: { userId: reservation.userId, amountCents: reservation.amountCents, reason } }];
}

export const creditEventHandlers = (): HandlersOf<"user", Tx> => ({
  OrderCreated: reserveCredit,
  PaymentFailed: (event, tx) => releaseCredit(tx, event.orderId, `payment failed: ${event.payload.reason}`),
  PaymentRefunded: (event, tx) => releaseCredit(tx, event.orderId, event.payload.reason),
});
