import { UnprocessableEvent, type HandlersOf } from "@saga-shop/messaging";
import type { ServiceConfig } from "@saga-shop/service-kit";
import type { DeliverySettings } from "./delivery-settings";
import { deliveryOf, scheduleDelivery } from "./delivery-steps";
import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;

/** The choreography: the event the delivery service reacts to, mapped to its local step. */
export const deliveryEventHandlers = ({ settings }: ServiceConfig<DeliverySettings>): HandlersOf<"delivery", Tx, "event"> => ({
  async PaymentCompleted(event, tx) {
    const existing = await deliveryOf(tx, event.orderId);
    if (existing) throw new UnprocessableEvent(`order ${event.orderId} already has a ${existing.status} delivery`);
    const booking = await scheduleDelivery(tx, { orderId: event.orderId, address: event.payload.shippingAddress }, settings.servedCountries);
    return booking.scheduled
      ? [{ type: "DeliveryScheduled", payload: { deliveryId: booking.deliveryId } }]
      : [{ type: "DeliveryFailed", payload: { reason: booking.reason } }];
  },
});
