import type { ShippingAddress } from "@saga-shop/contracts";

export const DEFAULT_SERVED_COUNTRIES = ["US", "GB", "DE", "FR", "KR", "JP"];

export type DeliveryPlan = { scheduled: true; scheduledFor: Date } | { scheduled: false; reason: string };

/** Schedules for the next day in the countries we serve; anywhere else cannot be delivered. */
export function planDelivery(address: ShippingAddress, servedCountries: readonly string[], now: Date): DeliveryPlan {
  if (!servedCountries.includes(address.country)) {
    return { scheduled: false, reason: `address not serviceable: we do not deliver to ${address.country}` };
  }
  const nextDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return { scheduled: true, scheduledFor: nextDay };
}
