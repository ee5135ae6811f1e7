import type { ParticipantDefinition, ServiceConfig } from "@saga-shop/service-kit";
import type { DeliverySettings } from "./delivery-settings";
import { scheduleDelivery } from "./delivery-steps";
import type { Prisma } from "./generated/prisma/client";

/** The two-phase commit: the same booking, prepared; an address not served is a vote of no. */
export const deliveryParticipant = ({ settings }: ServiceConfig<DeliverySettings>): ParticipantDefinition<"delivery", Prisma.TransactionClient> => ({
  participant: "delivery",
  async prepare(tx, { orderId, shippingAddress }) {
    const booking = await scheduleDelivery(tx, { orderId, address: shippingAddress }, settings.servedCountries);
    return booking.scheduled ? { vote: "yes" } : { vote: "no", reason: booking.reason };
  },
});
