import { api, waitFor } from "./system";

// The shop as a customer uses it: create users, place orders, read what each service holds.

export const address = (country = "KR") => ({ line1: "1 Main St", city: "Seoul", postalCode: "04524", country });

export async function createUser(creditLimitCents: number, status: "ACTIVE" | "SUSPENDED" = "ACTIVE") {
  const response = await api("user", "/users", { method: "POST", json: { name: "Test user", creditLimitCents, status } });
  if (response.status !== 201) throw new Error(`could not create user: ${JSON.stringify(response.body)}`);
  return response.body as { id: string };
}

export type TransactionModel = "choreography" | "orchestration";

export interface OrderInput {
  userId: string;
  totalCents: number;
  paymentToken?: string;
  country?: string;
  /** Left out: the service's default (choreography). */
  transaction?: TransactionModel;
}

export async function placeOrder({ userId, totalCents, paymentToken = "tok_visa", country = "KR", transaction }: OrderInput) {
  const response = await api("order", "/orders", {
    method: "POST",
    json: {
      userId,
      items: [{ sku: "sku-1", quantity: 1, unitPriceCents: totalCents }],
      paymentToken,
      shippingAddress: address(country),
      ...(transaction && { transaction }),
    },
  });
  if (response.status !== 202) throw new Error(`order refused: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: string; status: string; totalCents: number };
}

const terminal = new Set(["APPROVED", "REJECTED", "CANCELLED"]);

export async function finalOrder(id: string, timeoutMs = 30_000) {
  return waitFor(
    `order ${id} to finish its saga`,
    async () => {
      const { body } = await api("order", `/orders/${id}`);
      return terminal.has(body.status) ? body : undefined;
    },
    timeoutMs,
  );
}

export const userById = async (id: string) => (await api("user", `/users/${id}`)).body;
export const paymentsOf = async (orderId: string) => (await api("payment", `/payments?orderId=${orderId}`)).body as any[];
export const deliveriesOf = async (orderId: string) => (await api("delivery", `/deliveries?orderId=${orderId}`)).body as any[];
