// Failures that say nothing about the request or the event: the database is unreachable,
// restarting or overloaded. The consumer waits them out instead of counting them against an
// event; the HTTP side answers 503 with Retry-After instead of 500.

/** pg / Postgres: connection refused, reset or closed; the server shutting down or starting. */
const CONNECTION_CODES = ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08006"];
/** Prisma: cannot reach the database (P1001), timed out (P1002), connection closed (P1017). */
const PRISMA_CONNECTION_CODES = ["P1001", "P1002", "P1017"];
/** Prisma: no pooled connection in time (P2024), could not start a transaction in time (P2028). */
export const OVERLOAD_CODES = ["P2024", "P2028"] as const;

const OUTAGE_CODES = new Set<string>([...CONNECTION_CODES, ...PRISMA_CONNECTION_CODES, ...OVERLOAD_CODES]);

type Cause = { code?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown } | null | undefined;

/** The database (or the pool in front of it) is not there right now: never the event's fault. */
export function looksLikeOutage(error: unknown): boolean {
  let e = error as Cause;
  for (let depth = 0; e && depth < 4; e = e.cause as Cause, depth++) {
    if (OUTAGE_CODES.has(String(e.code)) || OUTAGE_CODES.has(String(e.originalCode))) return true;
    if (/Connection terminated|connection (is )?closed|Can't reach database/i.test(String(e.message))) return true;
  }
  return false;
}

/**
 * A row the work needs is locked by another transaction for longer than the lock timeout: for
 * instance one prepared by a two-phase commit and in doubt until its coordinator decides. Not
 * the event's fault either: wait, as the saga must, instead of dead-lettering it.
 */
export function waitsOnALock(error: unknown): boolean {
  let e = error as Cause;
  for (let depth = 0; e && depth < 4; e = e.cause as Cause, depth++) {
    if (e.code === "55P03" || e.originalCode === "55P03" || /lock timeout/i.test(String(e.message))) return true;
  }
  return false;
}

/** Too busy to take the request now (pool or transaction timeout): come back in a moment. */
export const isOverload = (error: unknown): boolean => (OVERLOAD_CODES as readonly string[]).includes(String((error as Cause)?.code));
