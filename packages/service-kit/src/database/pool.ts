import { Pool } from "pg";
import type { Logger } from "pino";

/**
 * A pg pool that survives its database restarting. A dropped connection is reported as an
 * 'error' event: on the pool for idle connections, on the client for one in use (say, in a
 * transaction waiting on Kafka). Unheard, either event would end the process.
 */
export function createPool(connectionString: string, max: number, logger: Logger): Pool {
  // A statement waits at most this long for a row another transaction holds (one prepared by a
  // two-phase commit holds its locks until its coordinator decides): it fails instead, and the
  // consumer retries that one event while the others go on (retries.ts), rather than one locked
  // row stalling every partition's batch.
  const pool = new Pool({ connectionString, max, options: "-c lock_timeout=2000" });
  pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
  pool.on("connect", (client) => {
    client.on("error", (error) => logger.warn({ err: error }, "database connection lost"));
  });
  return pool;
}
