import { randomUUID } from "node:crypto";
import type { EventDraft, EventOf } from "@saga-shop/contracts";
import { UnprocessableEvent, type EventHandlers } from "@saga-shop/messaging";
import { listSetting, type ServiceContext } from "@saga-shop/service-kit";
import type { Prisma, PrismaClient } from "./generated/prisma/client";
import { DEFAULT_SERVED_COUNTRIES, planDelivery } from "./delivery-rules";

type Tx = Prisma.TransactionClient;

export function deliveryEventHandlers({ env }: ServiceContext<PrismaClient>): EventHandlers<Tx> {
  const servedCountries = listSetting(env, "SERVED_COUNTRIES", DEFAULT_SERVED_COUNTRIES);

  async function schedule(event: EventOf<"PaymentCompleted">, tx: Tx): Promise<EventDraft[]> {
    const address = event.payload.shippingAddress;
    const existing = await tx.delivery.findUnique({ where: { orderId: event.orderId } });
    if (existing) throw new UnprocessableEvent(`order ${event.orderId} already has a ${existing.status} delivery`);
    const plan = planDelivery(address, servedCountries, new Date());
    const id = randomUUID();
    if (!plan.scheduled) {
      await tx.delivery.create({ data: { id, orderId: event.orderId, status: "FAILED", address, failureReason: plan.reason } });
      return [{ type: "DeliveryFailed", payload: { reason: plan.reason } }];
    }
    await tx.delivery.create({
      data: { id, orderId: event.orderId, status: "SCHEDULED", address, scheduledFor: plan.scheduledFor },
    });
    return [{ type: "DeliveryScheduled", payload: { deliveryId: id } }];
  }

  return { PaymentCompleted: schedule };
}
