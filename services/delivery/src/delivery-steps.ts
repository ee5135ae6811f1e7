import { randomUUID } from "node:crypto";
import type { ShippingAddress } from "@saga-shop/contracts";
import { planDelivery } from "./delivery-rules";
import type { Prisma } from "./generated/prisma/client";

// The delivery service's local step: the only code that books a courier. It runs inside the
// transaction of whatever triggered it (an event, a command, a prepare).

type Tx = Prisma.TransactionClient;

export type Booking = { scheduled: true; deliveryId: string } | { scheduled: false; reason: string };

/** Books a courier for the next day where the address is served; a failure is recorded too. */
export async function scheduleDelivery(tx: Tx, step: { orderId: string; address: ShippingAddress }, servedCountries: readonly string[]): Promise<Booking> {
  const plan = planDelivery(step.address, servedCountries, new Date());
  const id = randomUUID();
  if (!plan.scheduled) {
    await tx.delivery.create({ data: { id, orderId: step.orderId, status: "FAILED", address: step.address, failureReason: plan.reason } });
    return { scheduled: false, reason: plan.reason };
  }
  await tx.delivery.create({ data: { id, orderId: step.orderId, status: "SCHEDULED", address: step.address, scheduledFor: plan.scheduledFor } });
  return { scheduled: true, deliveryId: id };
}

/** The order's delivery, if it has one (one per order: a unique key). */
export const deliveryOf = (tx: Tx, orderId: string) => tx.delivery.findUnique({ where: { orderId } });
