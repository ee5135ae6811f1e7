import { Type, type Static } from "@sinclair/typebox";
import { ShippingAddress } from "./events";

// The two-phase commit's participant API: what the coordinator (the order service) asks each
// participant to prepare, and how it answers. Over HTTP on each participant's internal port,
// never through Kafka: a prepare is a question that needs an answer now.

const Uuid = Type.String({ format: "uuid" });
const Cents = Type.Integer({ minimum: 0 });

/** The step each participant prepares: the same input its saga step gets. */
export const prepareSteps = {
  user: Type.Object({ userId: Uuid, amountCents: Cents }, { additionalProperties: false }),
  payment: Type.Object({ amountCents: Cents, paymentToken: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  delivery: Type.Object({ shippingAddress: ShippingAddress }, { additionalProperties: false }),
};
export type Participant = keyof typeof prepareSteps;
export const participants = Object.keys(prepareSteps) as Participant[];
export type PrepareStep<P extends Participant> = Static<(typeof prepareSteps)[P]>;

/**
 * A prepared transaction's global id: PostgreSQL's `gid`, one per order and participant. Written
 * into `PREPARE TRANSACTION '…'` (which takes no parameters), so only this shape is accepted.
 */
export const GID_PATTERN = "^saga-shop:[0-9a-f-]{36}:(order|user|payment|delivery)$";
export const gidOf = (orderId: string, participant: Participant | "order"): string => `saga-shop:${orderId}:${participant}`;
/** The order a gid of gidOf's belongs to; undefined for a gid that is not one. */
export const orderIdOfGid = (gid: string): string | undefined => (new RegExp(GID_PATTERN).test(gid) ? gid.split(":")[1] : undefined);

export const PrepareRequest = <P extends Participant>(participant: P) =>
  Type.Object({ gid: Type.String({ pattern: GID_PATTERN }), orderId: Uuid, step: prepareSteps[participant] }, { additionalProperties: false });

/** A participant's vote: yes (its work is prepared, and holds its locks until the decision) or no, with why. */
export const Vote = Type.Union([
  Type.Object({ vote: Type.Literal("yes") }),
  Type.Object({ vote: Type.Literal("no"), reason: Type.String({ minLength: 1 }) }),
]);
export type Vote = Static<typeof Vote>;

export const GidRequest = Type.Object({ gid: Type.String({ pattern: GID_PATTERN }) }, { additionalProperties: false });

/** What commit and rollback answer: done now, or nothing in doubt under that gid (done before, or never prepared). */
export const Resolution = Type.Object({ outcome: Type.Union([Type.Literal("committed"), Type.Literal("rolled back"), Type.Literal("not in doubt")]) });
export type Resolution = Static<typeof Resolution>;

export const InDoubt = Type.Array(Type.Object({ gid: Type.String(), preparedAt: Type.String({ format: "date-time" }) }));
export type InDoubt = Static<typeof InDoubt>;
