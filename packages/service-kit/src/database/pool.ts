import { Pool } from "pg";
import type { Logger } from "pino";

/**
 * A pg pool that survives its database restarting. A dropped connection is reported as an
 * 'error' event: on the pool for idle connections, on the client for one in use (say, in a
 * transaction waiting on Kafka). Unheard, either event would end the process.
 */
/**
 * How long a statement waits for a row another transaction holds (one prepared by a two-phase
 * commit holds its locks until its coordinator decides) before it fails: then a saga's event
 * waits and is taken again (messaging's retries.ts) rather than one locked row stalling every
 * partition's batch, and a participant's prepare votes no (participant-api.ts).
 */
export const LOCK_TIMEOUT_MS = 2000;

export function createPool(connectionString: string, max: number, logger: Logger): Pool {
  const pool = new Pool({ connectionString, max, options: `-c lock_timeout=${LOCK_TIMEOUT_MS}` });
  pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
  pool.on("connect", (client) => {
    client.on("error", (error) => logger.warn({ err: error }, "database connection lost"));
  });
  return pool;
}
