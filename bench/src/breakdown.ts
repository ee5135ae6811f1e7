import { settings } from "./config";
import { httpJson } from "./http";
import type { Sample } from "./load";
import { round, summarize } from "./stats";

// Where a light-load saga's time goes, step by step, from the order's own timeline as
// GET /orders/:id shows it (each step's occurredAt is when the service that emitted it
// handled the previous event, inside that transaction).

export interface Breakdown {
  orders: number;
  /** Median ms from orders.created_at to each step, in saga order. */
  steps: { type: string; service: string; medianOffsetMs: number; medianGapMs: number }[];
}

export async function breakdownOf(samples: readonly Sample[], limit = 100): Promise<Breakdown | undefined> {
  const offsets = new Map<string, { service: string; values: number[]; gaps: number[] }>();
  let orders = 0;
  for (const sample of samples.slice(-limit)) {
    const { status, body } = await httpJson<{ history?: { type: string; service: string; occurredAt: string }[] }>(
      settings.ports.order,
      "GET",
      `/orders/${sample.id}`,
    );
    if (status !== 200 || !Array.isArray(body.history)) return undefined;
    orders++;
    let previous = sample.createdAt;
    for (const step of body.history) {
      const at = Date.parse(step.occurredAt);
      const entry = offsets.get(step.type) ?? { service: step.service, values: [], gaps: [] };
      entry.values.push(at - sample.createdAt);
      entry.gaps.push(at - previous);
      offsets.set(step.type, entry);
      previous = at;
    }
  }
  if (orders === 0) return undefined;
  const steps = [...offsets]
    .map(([type, e]) => ({ type, service: e.service, medianOffsetMs: summarize(e.values).p50, medianGapMs: summarize(e.gaps).p50 }))
    .sort((a, b) => a.medianOffsetMs - b.medianOffsetMs);
  return { orders, steps };
}

/** `hopFloorMs`: a Kafka hop's floor, for the models whose steps are hops. */
export function describeBreakdown(b: Breakdown, hopFloorMs?: number): string[] {
  return [
    `median over ${b.orders} orders, ms after orders.created_at (gap from the step before)` +
      (hopFloorMs === undefined ? "" : `; a hop's floor is ${round(hopFloorMs)} ms (Kafka hop + 2 commits)`),
    b.steps.map((s) => `${s.type} ${s.medianOffsetMs} (+${s.medianGapMs})`).join(" → "),
  ];
}
