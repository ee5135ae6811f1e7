// The ids, address and envelope fields the unit tests' sample events share, so that an event of
// one test reads the same as another's (and a uuid looks like what it names).

export const ORDER_ID = "0b9a6c3e-5d0f-4a51-9d6e-1f2a3b4c5d6e";
export const CORRELATION_ID = "1c8b7d2f-6e1a-4b62-8e7f-2a3b4c5d6e7f";
export const CAUSE_ID = "2d7c8e3a-7f2b-4c73-9f8a-3b4c5d6e7f80";
export const USER_ID = "3e6d9f4b-8a3c-4d84-8a9b-4c5d6e7f8091";
export const PAYMENT_ID = "4f5eaa5c-9b4d-4e95-9bac-5d6e7f8091a2";
export const DELIVERY_ID = "5a4fbb6d-ac5e-4fa6-8cbd-6e7f8091a2b3";
export const EVENT_ID = "6b3acc7e-bd6f-40b7-9dce-7f8091a2b3c4";

export const address = { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };

/** An envelope's fields but type, producer and payload: a step caused by an earlier one of the saga. */
export const envelopeFields = {
  id: EVENT_ID,
  version: 1,
  occurredAt: "2026-05-01T12:00:00.000Z",
  orderId: ORDER_ID,
  correlationId: CORRELATION_ID,
  causationId: CAUSE_ID,
} as const;
