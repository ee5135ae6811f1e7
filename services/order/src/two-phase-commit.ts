import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { gidOf, orderIdOfGid, participants, type InDoubt, type Participant, type Resolution, type ShippingAddress, type Vote } from "@saga-shop/contracts";
import type { ServiceApp } from "@saga-shop/service-kit";
import type { Prisma, PrismaClient } from "./generated/prisma/client";
import type { OrderSettings } from "./order-settings";
import { approve, reject } from "./order-rules";
import { decide, PRESUMED_ABORT, type Ballot, type Decision } from "./two-phase-rules";

// The two-phase commit's coordinator, in the order service: one distributed transaction over
// the four service databases with PostgreSQL's own PREPARE TRANSACTION / COMMIT PREPARED.
//
// Phase one asks each participant (user, payment, delivery; over HTTP, on its internal port) to
// prepare its step, and prepares the order database's own part (the order APPROVED) last.
// The decision (commit only if all voted yes) goes to the log (two_phase_commits) before phase
// two; phase two commits or rolls back everywhere, retrying until each participant has
// resolved. A coordinator works on a transaction while it holds its lease; when a coordinator
// dies, a restarted one (or another instance) takes over the log's unfinished transactions once
// their lease has run out: it finishes phase two after a decision, and presumes abort before
// one. Meanwhile, the prepared transactions hold their row locks: that is where it blocks.

type OrderApp = ServiceApp<PrismaClient, Prisma.TransactionClient, OrderSettings>;
type Order = Prisma.OrderGetPayload<object>;


const RECOVER_EVERY_MS = 5_000;
const SWEEP_ORPHANS_EVERY_MS = 30_000;
const CALL_TIMEOUT_MS = 10_000;
/** How long a request waits for phase two before answering; the coordinator keeps trying after. */
const PHASE_TWO_IN_REQUEST_MS = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const money = (cents: number) => (cents / 100).toFixed(2);

export type Coordinator = ReturnType<typeof twoPhaseCommitCoordinator>;

export function twoPhaseCommitCoordinator(app: OrderApp) {
  const { participantUrls, pauseBeforeDecisionMs, pauseAfterDecisionMs, coordinatorId, leaseMs } = app.config.settings.twoPhaseCommit;
  const me = coordinatorId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const renewEveryMs = Math.max(100, Math.floor(leaseMs / 3));
  /** The transactions a request of this process is running: recovery leaves them alone. */
  const inFlight = new Set<string>();
  const token = app.config.twoPhaseCommit.token;
  const { db, log } = app;

  async function call<T>(participant: Participant, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${participantUrls[participant]}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${participant} answered ${response.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  const stepOf = (participant: Participant, order: Order) => {
    switch (participant) {
      case "user":
        return { userId: order.userId, amountCents: order.totalCents };
      case "payment":
        return { amountCents: order.totalCents, paymentToken: order.paymentToken };
      case "delivery":
        return { shippingAddress: order.shippingAddress as ShippingAddress };
    }
  };

  /** Keeps this coordinator's lease on the order's transaction while `work` runs. */
  async function withLease<T>(orderId: string, work: () => Promise<T>): Promise<T> {
    const renew = setInterval(() => {
      db.twoPhaseCommit
        .updateMany({ where: { orderId, coordinator: me, completedAt: null }, data: { leaseUntil: new Date(Date.now() + leaseMs) } })
        .catch((error) => log.warn({ err: error, orderId }, "could not renew the two-phase commit's lease"));
    }, renewEveryMs);
    try {
      return await work();
    } finally {
      clearInterval(renew);
    }
  }

  /** Phase one: every participant prepares its step (at once); then the order's own part. */
  async function phaseOne(order: Order): Promise<{ decision: Decision; ballots: (Ballot & { at: Date })[] }> {
    const ballots = await Promise.all(
      participants.map(async (participant) => {
        const request = { gid: gidOf(order.id, participant), orderId: order.id, step: stepOf(participant, order) };
        try {
          const vote = await call<Vote>(participant, "/2pc/prepare", request);
          return { participant, ...vote, at: new Date() };
        } catch (error) {
          return { participant, vote: "no answer" as const, reason: messageOf(error), at: new Date() };
        }
      }),
    );
    let decision = decide(ballots);
    if (decision.decision === "COMMIT") {
      try {
        // The order database's part: the order APPROVED, prepared like the participants' work.
        await db.$transaction(async (tx) => {
          await tx.order.update({ where: { id: order.id }, data: { status: "APPROVED", completedAt: new Date() } });
          await tx.$executeRawUnsafe(`PREPARE TRANSACTION '${gidOf(order.id, "order")}'`);
        });
      } catch (error) {
        decision = { decision: "ABORT", reason: `the order database could not prepare: ${messageOf(error)}` };
      }
    }
    return { decision, ballots };
  }

  /** The decision, in the log, before phase two: what a restarted coordinator goes by. */
  async function logDecision(orderId: string, decision: Decision): Promise<void> {
    const reason = decision.decision === "ABORT" ? decision.reason : null;
    const logged = await db.twoPhaseCommit.updateMany({
      where: { orderId, coordinator: me, decision: null },
      data: { decision: decision.decision, reason, decidedAt: new Date() },
    });
    if (logged.count === 0) throw new Error(`the two-phase commit of order ${orderId} is no longer this coordinator's (its lease ran out)`);
    log.info({ orderId, decision: decision.decision, reason }, `two-phase commit of order ${orderId}: ${decision.decision === "COMMIT" ? "every database prepared; commit" : `abort because ${reason}`}`);
  }

  /** Phase two: commit or roll back everywhere, each participant until it has resolved (or `until`). */
  async function phaseTwo(orderId: string, decision: Decision["decision"], until: number): Promise<void> {
    const verb = decision === "COMMIT" ? "commit" : "rollback";
    const resolveAt = async (participant: Participant) => {
      for (;;) {
        try {
          return await call<Resolution>(participant, `/2pc/${verb}`, { gid: gidOf(orderId, participant) });
        } catch (error) {
          if (Date.now() > until) throw new Error(`the ${participant} service did not ${verb}: ${messageOf(error)}`);
          log.warn({ orderId, participant, err: error }, `two-phase commit of order ${orderId}: ${participant} did not answer the ${verb}; trying again`);
          await sleep(500);
        }
      }
    };
    await Promise.all(participants.map(resolveAt));
    // The order's own part last: the client sees APPROVED only when the others have committed.
    const own = gidOf(orderId, "order");
    const inDoubt = await db.$queryRaw<{ gid: string }[]>`SELECT gid FROM pg_prepared_xacts WHERE gid = ${own} AND database = current_database()`;
    if (inDoubt.length > 0) await db.$executeRawUnsafe(`${decision === "COMMIT" ? "COMMIT" : "ROLLBACK"} PREPARED '${own}'`);
  }

  /** The end, in one local transaction: the order's outcome (and its event), the timeline, the log completed. */
  async function finish(orderId: string, decision: Decision, ballots: (Ballot & { at: Date })[] = []): Promise<void> {
    await app.inTransaction(async (tx, emit) => {
      const done = await tx.twoPhaseCommit.updateMany({ where: { orderId, completedAt: null }, data: { completedAt: new Date() } });
      if (done.count === 0) return; // finished by another coordinator meanwhile
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId } });
      const outcome = decision.decision === "COMMIT" ? approve(order) : reject(decision.reason);
      if (decision.decision === "ABORT") {
        await tx.order.update({ where: { id: orderId }, data: { status: "REJECTED", failureReason: decision.reason, completedAt: new Date() } });
      }
      await tx.sagaStep.createMany({
        data: [
          ...ballots.map((b) => ({
            eventId: randomUUID(),
            orderId,
            type: b.vote === "yes" ? "Prepared" : b.vote === "no" ? "VotedNo" : "NoAnswer",
            service: b.participant,
            occurredAt: b.at,
            summary:
              b.vote === "yes"
                ? `${b.participant} prepared its part of order ${orderId}, holding its locks until the decision`
                : b.vote === "no"
                  ? `${b.participant} voted no for order ${orderId}: ${b.reason}`
                  : `${b.participant} did not answer the prepare of order ${orderId}: ${b.reason}`,
          })),
          {
            eventId: randomUUID(),
            orderId,
            type: decision.decision === "COMMIT" ? "Committed" : "RolledBack",
            service: "order",
            occurredAt: new Date(),
            summary:
              decision.decision === "COMMIT"
                ? `two-phase commit of order ${orderId}: committed in all four databases (${money(order.totalCents)})`
                : `two-phase commit of order ${orderId}: rolled back everywhere because ${decision.reason}`,
          },
        ],
      });
      await emit([outcome.emit], { orderId, correlationId: order.correlationId, causationId: null });
    });
  }

  /** One order's distributed transaction, from phase one to its end; the order as it ends. */
  async function run(order: Order): Promise<Order> {
    return withLease(order.id, async () => {
      const { decision, ballots } = await phaseOne(order);
      if (pauseBeforeDecisionMs > 0) {
        log.warn({ orderId: order.id }, `two-phase commit of order ${order.id}: every vote in; waiting ${pauseBeforeDecisionMs} ms before deciding (TWO_PHASE_COMMIT_PAUSE_BEFORE_DECISION_MS)`);
        await sleep(pauseBeforeDecisionMs);
      }
      await logDecision(order.id, decision);
      if (pauseAfterDecisionMs > 0) await sleep(pauseAfterDecisionMs);
      try {
        await phaseTwo(order.id, decision.decision, Date.now() + PHASE_TWO_IN_REQUEST_MS);
        await finish(order.id, decision, ballots);
      } catch (error) {
        log.warn({ orderId: order.id, err: error }, `two-phase commit of order ${order.id}: phase two not finished yet; the coordinator keeps trying`);
      }
      return db.order.findUniqueOrThrow({ where: { id: order.id } });
    }).finally(() => inFlight.delete(order.id));
  }

  /**
   * Takes over the log's unfinished transactions and ends them: its own from before a restart at
   * once (none is in flight in a process just started), another coordinator's once its lease ran out.
   */
  let orphansSweptAt = 0;
  async function recover(): Promise<void> {
    // Orphans are rare (a prepare outliving its order): looked for less often than leases.
    if (Date.now() - orphansSweptAt >= SWEEP_ORPHANS_EVERY_MS) {
      orphansSweptAt = Date.now();
      await endOrphans();
    }
    const takeable = (now: Date) => ({ completedAt: null, OR: [{ leaseUntil: { lt: now } }, { coordinator: me, orderId: { notIn: [...inFlight] } }] });
    const stale = await db.twoPhaseCommit.findMany({ where: takeable(new Date()), orderBy: { startedAt: "asc" }, take: 50 });
    for (const row of stale) {
      const claimed = await db.twoPhaseCommit.updateMany({
        where: { orderId: row.orderId, ...takeable(new Date()) },
        data: { coordinator: me, leaseUntil: new Date(Date.now() + leaseMs) },
      });
      if (claimed.count === 0) continue; // another coordinator took it
      await withLease(row.orderId, async () => {
        const decision: Decision = row.decision === "COMMIT" ? { decision: "COMMIT" } : { decision: "ABORT", reason: row.reason ?? PRESUMED_ABORT };
        if (!row.decision) await logDecision(row.orderId, decision);
        log.warn({ orderId: row.orderId, decision: decision.decision }, `two-phase commit of order ${row.orderId}: its coordinator stopped; finishing it (${decision.decision === "COMMIT" ? "commit, as decided" : row.decision ? "abort, as decided" : "presumed abort"})`);
        await phaseTwo(row.orderId, decision.decision, Date.now() + PHASE_TWO_IN_REQUEST_MS);
        await finish(row.orderId, decision);
      }).catch((error) => log.warn({ orderId: row.orderId, err: error }, `two-phase commit of order ${row.orderId}: not finished yet; trying again later`));
    }
  }

  /**
   * Ends the prepared transactions no coordinator will end: a prepare that arrived after the
   * order had ended without it (its answer so late that the coordinator had given up on it and
   * aborted, or another coordinator had taken the order over and presumed abort). Nothing else
   * would ever end them, and they would hold their rows. The log decides: an order that ended
   * (or has no entry) commits only if it committed; one still running is its coordinator's.
   */
  async function endOrphans(): Promise<void> {
    const held = await Promise.allSettled(
      participants.map(async (participant) => ({ participant, gids: (await call<InDoubt>(participant, "/2pc/in-doubt")).map((d) => d.gid) })),
    );
    const own = await db.$queryRaw<{ gid: string }[]>`SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE 'saga-shop:%'`;
    // A participant that does not answer now is asked again at the next sweep.
    const lists = [...held.flatMap((h) => (h.status === "fulfilled" ? [h.value] : [])), { participant: "order" as const, gids: own.map((r) => r.gid) }];
    const prepared = lists.flatMap(({ participant, gids }) =>
      gids.flatMap((gid) => {
        const orderId = orderIdOfGid(gid);
        return orderId ? [{ participant, gid, orderId }] : [];
      }),
    );
    if (prepared.length === 0) return;
    const logged = await db.twoPhaseCommit.findMany({ where: { orderId: { in: [...new Set(prepared.map((p) => p.orderId))] } } });
    const entryOf = new Map(logged.map((entry) => [entry.orderId, entry]));
    for (const { participant, gid, orderId } of prepared) {
      const entry = entryOf.get(orderId);
      if (entry && !entry.completedAt) continue; // still running: its coordinator, or the lease's recovery, ends it
      const commit = entry?.decision === "COMMIT";
      log.warn({ orderId, participant, gid }, `two-phase commit of order ${orderId}: ${participant} still held a prepared transaction after the order ended; ${commit ? "committing" : "rolling back"} it`);
      if (participant === "order") await db.$executeRawUnsafe(`${commit ? "COMMIT" : "ROLLBACK"} PREPARED '${gid}'`);
      else await call<Resolution>(participant, `/2pc/${commit ? "commit" : "rollback"}`, { gid });
    }
  }

  /** A new coordinator log entry, in the transaction that creates the order; `run` takes it from there. */
  const begin = (tx: Prisma.TransactionClient, orderId: string) => {
    inFlight.add(orderId); // from now on, recovery leaves it to the request
    return tx.twoPhaseCommit.create({ data: { orderId, participants: ["order", ...participants], coordinator: me, leaseUntil: new Date(Date.now() + leaseMs) } });
  };

  // Recovery at start and then every few seconds: a dead coordinator's transactions end soon after its lease.
  let timer: NodeJS.Timeout | undefined;
  let recovering: Promise<void> | undefined;
  const recoverSoon = () => {
    recovering ??= recover()
      .catch((error) => log.warn({ err: error }, "two-phase commit recovery failed; trying again later"))
      .finally(() => (recovering = undefined));
  };
  app.addHook("onReady", async () => {
    if (!token) return;
    recoverSoon();
    timer = setInterval(recoverSoon, RECOVER_EVERY_MS);
  });
  app.addHook("onClose", async () => {
    clearInterval(timer);
    await recovering;
  });

  /** A log entry whose transaction failed (the order was never created): nothing for recovery to skip. */
  const forget = (orderId: string) => inFlight.delete(orderId);

  return { enabled: token !== null, begin, run, forget };
}
