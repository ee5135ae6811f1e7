-- What an Idempotency-Key was first used for (sha256 of method, path and canonical JSON body),
-- so a reuse with a different request can be refused instead of answered with this order.
ALTER TABLE "orders" ADD COLUMN "idempotency_fingerprint" TEXT;
