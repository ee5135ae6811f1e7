import { timingSafeEqual } from "node:crypto";
import { GidRequest, InDoubt, PrepareRequest, Resolution, Vote, type Participant, type PrepareStep } from "@saga-shop/contracts";
import { waitsOnALock, type SqlTransaction, type TransactionRunner } from "@saga-shop/messaging";
import fp from "fastify-plugin";
import type { Logger } from "pino";
import { buildHttpApp, HttpError } from "../http";

/** What a participant does in phase one: its local step, in a transaction the kit then prepares. */
export interface ParticipantDefinition<P extends Participant, Tx> {
  participant: P;
  /** The vote: yes leaves the work done in `tx`; no, with why, rolls it back. */
  prepare(tx: Tx, step: PrepareStep<P> & { orderId: string }): Promise<Vote>;
}

interface Options {
  token: string;
  host: string;
  port: number;
  db: TransactionRunner<SqlTransaction & { $executeRawUnsafe(query: string): PromiseLike<number> }> & {
    $queryRaw<T>(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
    $executeRawUnsafe(query: string): PromiseLike<number>;
  };
  definition: ParticipantDefinition<Participant, SqlTransaction>;
}

/** A vote of no, thrown out of the transaction so that it rolls back. */
class VoteNo extends Error {}

const sameSecret = (given: string | undefined, token: string) => {
  const expected = Buffer.from(`Bearer ${token}`);
  const actual = Buffer.from(given ?? "");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};


/**
 * The participant's side of the two-phase commit, on an internal port of its own (never the
 * public one, never published by compose), answering only the coordinator: every request must
 * carry `Authorization: Bearer <TWO_PHASE_COMMIT_TOKEN>`, or it is refused with 401.
 *
 * Prepare runs the participant's local step in a transaction and ends it with PostgreSQL's
 * `PREPARE TRANSACTION`: the work is on disk, its row locks held, and only the coordinator's
 * commit or rollback ends it; the participant cannot decide alone. Commit and rollback are
 * idempotent (a gid not in doubt is one already resolved), and the in-doubt list is read from
 * `pg_prepared_xacts`.
 */
export const participantApiPlugin = fp<Options>(
  async (app, { token, host, port, db, definition }) => {
    const api = buildHttpApp(app.log as Logger, {}, { title: `${definition.participant} participant API (two-phase commit)`, version: "1" });
    api.addHook("onRequest", async (request) => {
      if (!sameSecret(request.headers.authorization, token)) throw new HttpError(401, "this API answers the two-phase commit's coordinator only");
    });
    const inDoubt = (gid: string) => db.$queryRaw<{ gid: string }[]>`SELECT gid FROM pg_prepared_xacts WHERE gid = ${gid} AND database = current_database()`;

    api.after(() => {
      api.post("/2pc/prepare", { schema: { body: PrepareRequest(definition.participant), response: { 200: Vote } } }, async (request) => {
        const { gid, orderId, step } = request.body;
        // The same gid prepared already (a request repeated by hand, or by a client retrying after
        // a lost answer): its work is on disk and locked, the vote is yes.
        if ((await inDoubt(gid)).length > 0) return { vote: "yes" as const };
        try {
          // A row held by another transaction fails the step after LOCK_TIMEOUT_MS (the pool's
          // setting): the vote is no, not a wait as long as the holder's.
          return await db.$transaction(async (tx) => {
            const vote = await definition.prepare(tx, { ...step, orderId });
            if (vote.vote === "no") throw new VoteNo(vote.reason);
            // The gid cannot be a parameter here; the schema admits only GID_PATTERN.
            await tx.$executeRawUnsafe(`PREPARE TRANSACTION '${gid}'`);
            return vote;
          });
        } catch (error) {
          if (error instanceof VoteNo) return { vote: "no" as const, reason: error.message };
          if (waitsOnALock(error)) {
            return { vote: "no" as const, reason: `the ${definition.participant} service's data for this order is held by another transaction (one in doubt?)` };
          }
          throw error;
        }
      });
      // COMMIT/ROLLBACK PREPARED run on their own (not inside a transaction block).
      const resolve = (verb: "COMMIT" | "ROLLBACK", done: Resolution["outcome"]) => async (request: { body: { gid: string } }) => {
        const { gid } = request.body;
        if ((await inDoubt(gid)).length === 0) return { outcome: "not in doubt" as const };
        try {
          await db.$executeRawUnsafe(`${verb} PREPARED '${gid}'`);
        } catch (error) {
          // Resolved meanwhile by a request racing this one (42704: no such prepared transaction).
          if ((await inDoubt(gid)).length === 0) return { outcome: "not in doubt" as const };
          throw error;
        }
        return { outcome: done };
      };
      api.post("/2pc/commit", { schema: { body: GidRequest, response: { 200: Resolution } } }, resolve("COMMIT", "committed"));
      api.post("/2pc/rollback", { schema: { body: GidRequest, response: { 200: Resolution } } }, resolve("ROLLBACK", "rolled back"));
      api.get("/2pc/in-doubt", { schema: { response: { 200: InDoubt } } }, async () => {
        const rows = await db.$queryRaw<{ gid: string; prepared: Date }[]>`
          SELECT gid, prepared FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE 'saga-shop:%' ORDER BY prepared`;
        return rows.map((row) => ({ gid: row.gid, preparedAt: row.prepared.toISOString() }));
      });
    });
    await api.listen({ host, port });
    app.log.info({ url: `http://${host}:${port}` }, `${definition.participant} participant API listening (two-phase commit)`);
    app.addHook("onClose", () => api.close());
  },
  { name: "participant-api", dependencies: ["database"] },
);
