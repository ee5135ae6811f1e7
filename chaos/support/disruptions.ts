import type { ServiceName } from "../../e2e/support/system";
import { progress, sleep } from "./env";
import { restartKafka, restartPostgres, type Fleet } from "./processes";

// The chaos: a timetable of SIGKILLed services, one Kafka restart and one Postgres restart,
// each at a random moment while orders are being placed.

export type Disruption =
  | { at: number; kind: "kill"; service: ServiceName; instance: number; downMs: number }
  | { at: number; kind: "kafka" }
  | { at: number; kind: "postgres" };

export interface DisruptionRecord {
  what: string;
  atSeconds: number;
  /** Until the disrupted thing answered again. */
  outageSeconds: number;
}

type Random = { between: (min: number, max: number) => number };

/**
 * Within `windowMs`: every service killed `killsEach` times (spread so one kill is over before
 * the next), `extraKills` more (e.g. a second instance), Kafka restarted once in the first half
 * and Postgres once in the second half.
 */
export function planDisruptions(windowMs: number, random: Random, killsEach: number, extra: { service: ServiceName; instance: number }[] = []): Disruption[] {
  const plan: Disruption[] = [];
  const services: ServiceName[] = ["order", "user", "payment", "delivery"];
  const slot = windowMs / killsEach;
  for (const service of services) {
    for (let k = 0; k < killsEach; k++) {
      plan.push({ at: random.between(k * slot + 2000, (k + 1) * slot - 3000), kind: "kill", service, instance: 1, downMs: random.between(200, 2000) });
    }
  }
  for (const { service, instance } of extra) {
    plan.push({ at: random.between(2000, windowMs - 3000), kind: "kill", service, instance, downMs: random.between(200, 2000) });
  }
  plan.push({ at: random.between(windowMs * 0.2, windowMs * 0.4), kind: "kafka" });
  plan.push({ at: random.between(windowMs * 0.6, windowMs * 0.8), kind: "postgres" });
  return plan.sort((a, b) => a.at - b.at);
}

export const describeDisruption = (d: Disruption) =>
  d.kind === "kill" ? `SIGKILL ${d.service}${d.instance > 1 ? `#${d.instance}` : ""} (down ${(d.downMs / 1000).toFixed(1)} s)` : `restart ${d.kind === "kafka" ? "the Kafka broker" : "the Postgres server"}`;

/** Carries out the plan against `fleet`, each disruption at its time from `t0`. */
export async function disrupt(plan: Disruption[], fleet: Fleet, t0: number): Promise<DisruptionRecord[]> {
  const records: DisruptionRecord[] = [];
  await Promise.all(
    plan.map(async (d) => {
      await sleep(Math.max(0, t0 + d.at - Date.now()));
      const started = Date.now();
      const what = describeDisruption(d);
      if (d.kind === "kill") {
        const target = fleet.get(d.service, d.instance);
        progress(`${what}: pid ${target.pid}`);
        await target.crashAndRestart(d.downMs);
      } else {
        progress(`${what}...`);
        await (d.kind === "kafka" ? restartKafka() : restartPostgres());
      }
      const record = { what, atSeconds: (started - t0) / 1000, outageSeconds: (Date.now() - started) / 1000 };
      progress(`${what}: back after ${record.outageSeconds.toFixed(1)} s`);
      records.push(record);
    }),
  );
  return records.sort((a, b) => a.atSeconds - b.atSeconds);
}
