import { UnprocessableEvent } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { decideReservation, type CreditAccount, type ReservationDecision } from "./credit-rules";

// The user service's local steps: the only code that changes credit. Each runs inside the
// transaction of whatever triggered it (an event in the choreography, a command in the
// orchestration, a prepare in the two-phase commit) and decides with the pure rules.

type Tx = Prisma.TransactionClient;

/** Holds an order's amount against the user's credit when the rules allow it. */
export async function reserveCredit(tx: Tx, step: { orderId: string; userId: string; amountCents: number }): Promise<ReservationDecision> {
  // Lock the user's row: two orders of one user travel on different partitions, at the same time.
  const [account] = await tx.$queryRaw<CreditAccount[]>`
    SELECT status, credit_limit_cents AS "creditLimitCents", reserved_cents AS "reservedCents"
    FROM users WHERE id = ${step.userId}::uuid FOR UPDATE`;
  const decision = decideReservation(account ?? null, step.amountCents);
  if (!decision.reserved) return decision;
  await tx.user.update({ where: { id: step.userId }, data: { reservedCents: { increment: step.amountCents } } });
  await tx.creditReservation.create({ data: { orderId: step.orderId, userId: step.userId, amountCents: step.amountCents } });
  return decision;
}

/** Compensation: gives back exactly what was reserved for the order, once. */
export async function releaseCredit(tx: Tx, orderId: string, reason: string): Promise<{ userId: string; amountCents: number }> {
  const reservation = await tx.creditReservation.findUnique({ where: { orderId } });
  if (!reservation) throw new UnprocessableEvent(`no credit was reserved for order ${orderId}`);
  const released = await tx.creditReservation.updateMany({ where: { orderId, status: "RESERVED" }, data: { status: "RELEASED", reason } });
  if (released.count === 0) throw new UnprocessableEvent(`credit for order ${orderId} was already released`);
  await tx.user.update({ where: { id: reservation.userId }, data: { reservedCents: { decrement: reservation.amountCents } } });
  return { userId: reservation.userId, amountCents: reservation.amountCents };
}

/** The order's reservation, if it has one: a step asked for again is answered from it. */
export const reservationOf = (tx: Tx, orderId: string) => tx.creditReservation.findUnique({ where: { orderId } });
