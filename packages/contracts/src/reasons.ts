// Why a saga was compensated, in the words every service and both saga models use: the rule is
// written once, here, whoever applies it (a participant in the choreography, the saga manager in
// the orchestration).

/** The payment step failed: the credit reserved for the order goes back. */
export const paymentFailed = (reason: string): string => `payment failed: ${reason}`;

/** The delivery step failed: the payment is refunded, then the credit goes back. */
export const deliveryFailed = (reason: string): string => `delivery failed: ${reason}`;
