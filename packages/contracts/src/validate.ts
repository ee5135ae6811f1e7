import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { EnvelopeSchema, eventCatalogue, type EventType, type SagaEvent } from "./events";
import { decodeUtf8, textProblem } from "./text";

// TypeBox checks formats only when told how.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
if (!FormatRegistry.Has("uuid")) FormatRegistry.Set("uuid", (v) => UUID.test(v));
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (v) => /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v)));
}

const envelopeCheck = TypeCompiler.Compile(EnvelopeSchema);
const payloadChecks = Object.fromEntries(
  Object.entries(eventCatalogue).map(([type, spec]) => [type, TypeCompiler.Compile(spec.payload as TSchema)]),
) as Record<EventType, TypeCheck<TSchema>>;

export const isEventType = (type: string): type is EventType => Object.hasOwn(eventCatalogue, type);

function describeErrors(check: TypeCheck<TSchema>, value: unknown, prefix: string): string {
  return [...check.Errors(value)]
    .slice(0, 3)
    .map((e) => `${prefix}${e.path || "/"} ${e.message}`)
    .join("; ");
}

/** Why a payload does not fit its event type's schema, or null when it does. */
export function payloadProblem(type: EventType, payload: unknown): string | null {
  const check = payloadChecks[type];
  return check.Check(payload) ? textProblem(payload, "payload") : describeErrors(check, payload, "payload");
}

export type ParsedEvent = { ok: true; event: SagaEvent } | { ok: false; reason: string };

/** Turns raw bytes from Kafka into a valid event, or says exactly why it is not one. */
export function parseEvent(raw: Buffer | string | null | undefined): ParsedEvent {
  if (raw == null || raw.length === 0) return { ok: false, reason: "empty message value" };
  const text = typeof raw === "string" ? raw : decodeUtf8(raw);
  if (text === null) return { ok: false, reason: "value is not valid JSON: its bytes are not UTF-8 text" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `value is not valid JSON: ${(error as Error).message}` };
  }
  // Before any schema: a string no schema mentions would still reach a jsonb column (the outbox).
  const badText = textProblem(value);
  if (badText) return { ok: false, reason: `value holds text Postgres cannot store: ${badText}` };
  if (!envelopeCheck.Check(value)) {
    return { ok: false, reason: `invalid envelope: ${describeErrors(envelopeCheck, value, "")}` };
  }
  if (!isEventType(value.type)) return { ok: false, reason: `unknown event type "${value.type}"` };
  const expectedProducer = eventCatalogue[value.type].producer;
  if (value.producer !== expectedProducer) {
    return { ok: false, reason: `${value.type} must come from ${expectedProducer}, not ${value.producer}` };
  }
  const problem = payloadProblem(value.type, value.payload);
  if (problem) return { ok: false, reason: `invalid ${value.type}: ${problem}` };
  return { ok: true, event: value as SagaEvent };
}
