import type { HandlersOf } from "@saga-shop/messaging";
import type { ServiceConfig } from "@saga-shop/service-kit";
import type { DeliverySettings } from "./delivery-settings";
import { deliveryOf, scheduleDelivery } from "./delivery-steps";
import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;

/**
 * The orchestration: the saga manager's command to the delivery service, mapped to the same local
 * step, answered with a reply; sent again for an order already booked, it gets the first reply.
 */
export const deliveryCommandHandlers = ({ settings }: ServiceConfig<DeliverySettings>): HandlersOf<"delivery", Tx, "command"> => ({
  async ScheduleDelivery(command, tx) {
    const done = await deliveryOf(tx, command.orderId);
    const booking = done
      ? done.status === "SCHEDULED"
        ? { scheduled: true as const, deliveryId: done.id }
        : { scheduled: false as const, reason: done.failureReason ?? "not deliverable" }
      : await scheduleDelivery(tx, { orderId: command.orderId, address: command.payload.shippingAddress }, settings.servedCountries);
    return booking.scheduled
      ? [{ type: "ScheduleDeliverySucceeded", payload: { deliveryId: booking.deliveryId } }]
      : [{ type: "ScheduleDeliveryFailed", payload: { reason: booking.reason } }];
  },
});
