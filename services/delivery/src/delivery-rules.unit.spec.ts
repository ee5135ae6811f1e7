// The delivery service's step, the saga's last: schedule for tomorrow (UTC) where we deliver,
// otherwise fail with a reason that starts the compensations.
import type { ShippingAddress } from "@saga-shop/contracts";
import { DEFAULT_SERVED_COUNTRIES, planDelivery } from "./delivery-rules";

const to = (country: string): ShippingAddress => ({ line1: "1 Main St", city: "Somewhere", postalCode: "12345", country });

describe("planDelivery", () => {
  test("given an address in a served country, when planned, then delivery is scheduled for midnight UTC the next day", () => {
    expect(planDelivery(to("US"), DEFAULT_SERVED_COUNTRIES, new Date("2026-05-14T09:15:00Z"))).toEqual({
      scheduled: true,
      scheduledFor: new Date("2026-05-15T00:00:00.000Z"),
    });
  });

  test("given the last half hour of the year, when planned, then delivery is on the first day of the next year", () => {
    expect(planDelivery(to("GB"), DEFAULT_SERVED_COUNTRIES, new Date("2026-12-31T23:30:00Z"))).toEqual({
      scheduled: true,
      scheduledFor: new Date("2027-01-01T00:00:00.000Z"),
    });
  });

  test("given the end of February in a leap year, when planned, then delivery is on the 29th", () => {
    const plan = planDelivery(to("DE"), DEFAULT_SERVED_COUNTRIES, new Date("2028-02-28T12:00:00Z"));
    expect(plan).toEqual({ scheduled: true, scheduledFor: new Date("2028-02-29T00:00:00.000Z") });
  });

  test("given the end of April, when planned, then delivery is on the first of May", () => {
    const plan = planDelivery(to("FR"), DEFAULT_SERVED_COUNTRIES, new Date("2026-04-30T00:00:00Z"));
    expect(plan).toEqual({ scheduled: true, scheduledFor: new Date("2026-05-01T00:00:00.000Z") });
  });

  test("given a time that is already the next day in Tokyo but not in UTC, when planned, then the next day is counted in UTC", () => {
    // 2026-05-14T20:00Z is 2026-05-15 05:00 in Tokyo; the next UTC day is still the 15th.
    const plan = planDelivery(to("JP"), DEFAULT_SERVED_COUNTRIES, new Date("2026-05-15T05:00:00+09:00"));
    expect(plan).toEqual({ scheduled: true, scheduledFor: new Date("2026-05-15T00:00:00.000Z") });
  });

  test("given an address in Antarctica, when planned, then it is not scheduled and the reason names AQ", () => {
    const plan = planDelivery(to("AQ"), DEFAULT_SERVED_COUNTRIES, new Date("2026-05-14T09:15:00Z"));
    expect(plan).toEqual({ scheduled: false, reason: "address not serviceable: we do not deliver to AQ" });
  });

  test("the default served countries are the six the demo delivers to, and not AQ", () => {
    expect([...DEFAULT_SERVED_COUNTRIES].sort()).toEqual(["DE", "FR", "GB", "JP", "KR", "US"]);
  });

  test("given a custom list of served countries, when planned, then only those countries are served", () => {
    const served = ["AQ", "NZ"];
    const now = new Date("2026-05-14T09:15:00Z");
    expect(planDelivery(to("AQ"), served, now)).toEqual({ scheduled: true, scheduledFor: new Date("2026-05-15T00:00:00.000Z") });
    expect(planDelivery(to("NZ"), served, now)).toMatchObject({ scheduled: true });
    expect(planDelivery(to("US"), served, now)).toEqual({ scheduled: false, reason: "address not serviceable: we do not deliver to US" });
  });

  test("given no served countries, when planned, then nowhere is served", () => {
    expect(planDelivery(to("US"), [], new Date("2026-05-14T09:15:00Z"))).toMatchObject({ scheduled: false });
  });
});
