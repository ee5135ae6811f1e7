import { Pool } from "pg";
import type { Logger } from "pino";

/**
 * A pg pool that survives its database restarting. A dropped connection is reported as an
 * 'error' event: on the pool for idle connections, on the client for one in use (say, in a
 * transaction waiting on Kafka). Unheard, either event would end the process.
 */
export function createPool(connectionString: string, max: number, logger: Logger): Pool {
  const pool = new Pool({ connectionString, max });
  pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
  pool.on("connect", (client) => {
    client.on("error", (error) => logger.warn({ err: error }, "database connection lost"));
  });
  return pool;
}
