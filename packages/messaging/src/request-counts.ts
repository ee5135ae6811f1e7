import { renameSync, writeFileSync } from "node:fs";
import type { Kafka } from "kafkajs";

// Kafka requests by API, for the benchmark's account of where a quiet saga's CPU goes
// (`BENCH_ACCOUNT=1 pnpm bench`). With KAFKA_COUNT_REQUESTS=<dir> set, every producer, consumer
// and admin client a process makes counts the requests it sends, and on SIGUSR2 the process
// writes its running totals to <dir>/<pid>.json. On a signal, not on a timer: a timer would be
// one more wake-up of the idle process the account measures.

interface Instrumented {
  events: { REQUEST: string };
  on(event: string, listener: (event: { payload: { apiName: string } }) => void): unknown;
}

const counts: Record<string, number> = {};
let listening = false;

/** `kafka`, whose clients from now on count their requests (a no-op without KAFKA_COUNT_REQUESTS). */
export function countRequests(kafka: Kafka, dir = process.env.KAFKA_COUNT_REQUESTS): Kafka {
  if (!dir) return kafka;
  for (const kind of ["producer", "consumer", "admin"] as const) {
    // The three clients' `on` and `events.REQUEST` have one shape, but three types.
    const create = kafka[kind].bind(kafka) as (config?: unknown) => Instrumented;
    (kafka as unknown as Record<string, unknown>)[kind] = (config?: unknown) => {
      const client = create(config);
      client.on(client.events.REQUEST, ({ payload }) => {
        const key = `${kind} ${payload.apiName}`;
        counts[key] = (counts[key] ?? 0) + 1;
      });
      return client;
    };
  }
  if (!listening) {
    listening = true;
    process.on("SIGUSR2", () => {
      // Renamed into place, so the reader never sees half a file.
      const file = `${dir}/${process.pid}.json`;
      writeFileSync(`${file}.tmp`, JSON.stringify(counts));
      renameSync(`${file}.tmp`, file);
    });
  }
  return kafka;
}
