import { serviceNames, type ServiceName } from "@saga-shop/contracts";
import { progress, sleep } from "./env";
import { chaosEnv } from "./env";
import { disruptPostgres, restartKafka, type Fleet } from "./processes";

// The chaos: a timetable of SIGKILLed services, one Kafka restart, one clean Postgres restart
// and one Postgres crash (its postmaster SIGKILLed), each at a random moment while orders are
// being placed.

export type Disruption =
  | { at: number; kind: "kill"; service: ServiceName; instance: number; downMs: number }
  | { at: number; kind: "kafka" }
  | { at: number; kind: "postgres-restart" }
  | { at: number; kind: "postgres-crash" };

export interface DisruptionRecord {
  what: string;
  atSeconds: number;
  /** Until the disrupted thing answered again. */
  outageSeconds: number;
}

type Random = { between: (min: number, max: number) => number };

/**
 * Within `windowMs`: every service killed `killsEach` times (spread so one kill is over before
 * the next), `extraKills` more (e.g. a second instance), Kafka restarted once in the first half,
 * and in the second half Postgres restarted once and crashed once (only a cluster of the suite's
 * own: see chaosEnv.postgresCluster).
 */
export function planDisruptions(windowMs: number, random: Random, killsEach: number, extra: { service: ServiceName; instance: number }[] = []): Disruption[] {
  const plan: Disruption[] = [];
  const slot = windowMs / killsEach;
  for (const service of serviceNames) {
    for (let k = 0; k < killsEach; k++) {
      plan.push({ at: random.between(k * slot + 2000, (k + 1) * slot - 3000), kind: "kill", service, instance: 1, downMs: random.between(200, 2000) });
    }
  }
  for (const { service, instance } of extra) {
    plan.push({ at: random.between(2000, windowMs - 3000), kind: "kill", service, instance, downMs: random.between(200, 2000) });
  }
  plan.push({ at: random.between(windowMs * 0.2, windowMs * 0.4), kind: "kafka" });
  if (chaosEnv.postgresCluster) {
    plan.push({ at: random.between(windowMs * 0.5, windowMs * 0.65), kind: "postgres-restart" });
    plan.push({ at: random.between(windowMs * 0.75, windowMs * 0.9), kind: "postgres-crash" });
  }
  return plan.sort((a, b) => a.at - b.at);
}

export function describeDisruption(d: Disruption): string {
  switch (d.kind) {
    case "kill":
      return `SIGKILL ${d.service}${d.instance > 1 ? `#${d.instance}` : ""} (down ${(d.downMs / 1000).toFixed(1)} s)`;
    case "kafka":
      return "restart the Kafka broker";
    case "postgres-restart":
      return "restart the Postgres cluster";
    case "postgres-crash":
      return "SIGKILL the Postgres postmaster (crash recovery)";
  }
}

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
        await (d.kind === "kafka" ? restartKafka() : disruptPostgres(d.kind === "postgres-restart" ? "restart" : "crash"));
      }
      const record = { what, atSeconds: (started - t0) / 1000, outageSeconds: (Date.now() - started) / 1000 };
      progress(`${what}: back after ${record.outageSeconds.toFixed(1)} s`);
      records.push(record);
    }),
  );
  return records.sort((a, b) => a.atSeconds - b.atSeconds);
}
