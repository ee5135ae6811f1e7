import { randomUUID } from "node:crypto";
import type { EventDraft, EventOf } from "@saga-shop/contracts";
import { UnprocessableEvent, type HandlersOf } from "@saga-shop/messaging";
import type { ServiceConfig } from "@saga-shop/service-kit";
import { planDelivery } from "./delivery-rules";
import type { DeliverySettings } from "./delivery-settings";
import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;

export function deliveryEventHandlers({ settings: { servedCountries } }: ServiceConfig<DeliverySettings>): HandlersOf<"delivery", Tx> {
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
