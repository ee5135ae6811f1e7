-- The messaging mechanism's tables, in every service's database. The messaging package owns
-- them: service-kit applies these migrations (bookkept in "_messaging_migrations") before the
-- service's own, so a service's migrations hold only its domain.

-- Transactional outbox: an event is written in the same transaction as the state change
-- that caused it, and the relay publishes it afterwards. `seq` gives publishing order.
CREATE TABLE "outbox" (
    "seq" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "event" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    CONSTRAINT "outbox_pkey" PRIMARY KEY ("seq")
);
CREATE UNIQUE INDEX "outbox_event_id_key" ON "outbox"("event_id");
CREATE INDEX "outbox_published_at_seq_idx" ON "outbox"("published_at", "seq");

-- Idempotent consumer: one row per event this service has acted on, inserted in the
-- same transaction as the effect, so a redelivered event finds its row and does nothing.
CREATE TABLE "processed_events" (
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("event_id")
);

-- Wake the relay on commit instead of waiting for its next poll. A statement trigger
-- sends one notification per INSERT statement; Postgres delivers it only on commit,
-- and never for a rolled-back transaction.
CREATE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER "outbox_notify_after_insert" AFTER INSERT ON "outbox"
    FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"();
