import { listSetting, type Env } from "@saga-shop/service-kit";
import { DEFAULT_SERVED_COUNTRIES } from "./delivery-rules";

export interface DeliverySettings {
  /** Where couriers can be booked: ISO 3166-1 alpha-2 codes. */
  servedCountries: string[];
}

/** SERVED_COUNTRIES=US,GB,…, checked when the service starts: a typo must not make a country unservable. */
export function readDeliverySettings(env: Env): DeliverySettings {
  const servedCountries = listSetting(env, "SERVED_COUNTRIES", DEFAULT_SERVED_COUNTRIES);
  const bad = servedCountries.filter((code) => !/^[A-Z]{2}$/.test(code));
  if (bad.length > 0) {
    throw new Error(`SERVED_COUNTRIES must be ISO 3166-1 alpha-2 codes (two capital letters), comma-separated: not ${bad.map((c) => `"${c}"`).join(", ")}`);
  }
  return { servedCountries };
}
